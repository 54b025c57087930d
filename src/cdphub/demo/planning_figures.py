"""``planning.figures.build`` for many partnerships at once, for the demo.

Signing off a needs assessment stores ``planning.figures.build(partnership, on)`` as its
snapshot. That reads each section metric through ``outcomes.dashboard.metric_view``, the
outcomes page's presenter, which also gathers what the page shows and the assessment does
not (every partnership's and every police force area's figure for the compare charts): about
0.7 s a partnership, over a minute and a half for the demo's 141. ``build_many`` gives the
same result, key for key (``tests/planning/test_demo_planning.py`` compares the two for
partnerships of every kind), from a few queries per metric for all of them: every
partnership's figures, England's and the regions', and the authorities' for each period.
Figures are read through ``outcomes.published.Figures`` like everywhere else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q

from cdphub.geography.codes import ENGLAND_CODE
from cdphub.geography.models import Area, AreaType
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.outcomes.published import Figures
from cdphub.outcomes.store import loads_behind
from cdphub.outcomes.summary import metric_sentence, with_unit
from cdphub.partnerships.models import Coverage, Partnership
from cdphub.planning import figures as planning_figures


def _series(rows, **match):
    chosen = [f for f in rows if all(getattr(f, k) == v for k, v in match.items())]
    return sorted(chosen, key=lambda f: (f.period_end, f.period_start))


def build_many(partnerships: list[Partnership], on: dict[int, dt.date]) -> dict[int, dict]:
    """``{partnership id: planning.figures.build(partnership, on[partnership id])}``."""
    partnerships = list(partnerships)
    if not partnerships:
        return {}
    keys = planning_figures.section_metric_keys()
    metrics = {m.key: m for m in Metric.objects.filter(
        Q(partnership__isnull=True), key__in=keys)}
    england = Area.objects.get(code=ENGLAND_CODE)
    regions = {p.region_id for p in partnerships}
    footprints: dict[int, list[Area]] = defaultdict(list)
    for coverage in (Coverage.objects.filter(partnership__in=partnerships)
                     .select_related("area").order_by("area__name")):
        if coverage.is_valid_on(on[coverage.partnership_id]):
            footprints[coverage.partnership_id].append(coverage.area)
    own_loads = set(DataLoad.objects.filter(partnership__in=partnerships)
                    .values_list("partnership_id", flat=True))
    # Section metrics are national: every partnership's page reads the same figures of them.
    readable = Figures.for_partnership_page(partnerships[0])
    blocks: dict[int, dict] = {p.pk: {} for p in partnerships}
    loads: dict[int, dict] = {p.pk: {} for p in partnerships}
    for key in keys:
        metric = metrics.get(key)
        if metric is None:
            continue
        rows = list(readable.filter(Q(partnership__in=partnerships)
                                    | Q(area_id__in=[england.pk, *regions]), metric=metric))
        by_partnership, by_region = defaultdict(list), defaultdict(list)
        england_rows = []
        for row in rows:
            if row.partnership_id is not None:
                by_partnership[row.partnership_id].append(row)
            if row.area_id == england.pk:
                england_rows.append(row)
            elif row.area_id in regions:
                by_region[row.area_id].append(row)
        authorities: dict[tuple, dict[str, object]] = defaultdict(dict)
        if metric.geography != "pfa" and (metric.geography == "utla" or metric.kind == "local"):
            for row in readable.filter(metric=metric, breakdown="",
                                       area__area_type=AreaType.UTLA):
                authorities[(row.period_start, row.period_end)][row.area_code] = row
        national_loads = list(loads_behind(metric, None))
        for partnership in partnerships:
            used = (list(loads_behind(metric, partnership)) if partnership.pk in own_loads
                    else national_loads)
            blocks[partnership.pk][key] = _block(
                partnership, metric, by_partnership[partnership.pk],
                england_rows + by_region[partnership.region_id], england,
                footprints[partnership.pk], authorities, used)
            for load in used:
                loads[partnership.pk][load.pk] = {
                    "id": load.pk,
                    "file_name": load.file_name,
                    "loaded_at": load.created_at.isoformat(),
                    "loaded_by": getattr(load.loaded_by, "email", "") or "",
                    "scope": load.partnership.name if load.partnership_id else "National data",
                }
    return {p.pk: {"version": planning_figures.VERSION, "as_at": on[p.pk].isoformat(),
                   "metrics": blocks[p.pk],
                   "loads": sorted(loads[p.pk].values(), key=lambda item: item["loaded_at"],
                                   reverse=True)}
            for p in partnerships}


def _block(partnership, metric, own_rows, place_rows, england, footprint, authorities,
           used) -> dict:
    """``planning.figures.metric_block`` from rows already read (``metric_view``'s steps)."""
    region = partnership.region
    own = _series(own_rows, partnership_id=partnership.pk, breakdown="")
    england_series = _series(place_rows, area_id=england.pk, breakdown="")
    region_series = _series(place_rows, area_id=region.pk, breakdown="")
    latest = own[-1] if own else None
    anchor = latest or (england_series[-1] if england_series else None)

    def same_period(series):
        if anchor is None:
            return None
        return next((f for f in series if (f.period_start, f.period_end)
                     == (anchor.period_start, anchor.period_end)), None)

    breakdowns = []
    authority_figures = []
    if anchor is not None:
        period = (anchor.period_start, anchor.period_end)
        england_by = {f.breakdown: f for f in place_rows if f.area_id == england.pk
                      and (f.period_start, f.period_end) == period}
        for f in sorted((f for f in own_rows if f.breakdown
                         and (f.period_start, f.period_end) == period),
                        key=lambda f: f.breakdown):
            breakdowns.append((f, england_by.get(f.breakdown)))
        if metric.geography != "pfa" and (metric.geography == "utla" or metric.kind == "local"):
            in_period = authorities.get(period, {})
            authority_figures = [(area, in_period.get(area.code)) for area in footprint]
    method, unit = metric.method, metric.unit
    latest_england, latest_region = same_period(england_series), same_period(region_series)
    newest = england_series[-1] if england_series else None
    note = ""
    if latest is None:
        note = ("Published for England only." if metric.geography == "england"
                else "No figures loaded for this partnership yet.")
    elif latest.geography_source == "pfa":
        note = latest.geography_note
    figure = planning_figures._figure  # noqa: SLF001 - the same conversion, not a copy of it
    return {
        "key": metric.key,
        "name": metric.name,
        "kind": metric.kind,
        "method": method,
        "unit": unit,
        "sentence": metric_sentence(metric.name, method, unit, latest, latest_england, newest),
        "partnership": figure(latest, method, unit),
        "england": figure(latest_england, method, unit),
        "region": figure(latest_region, method, unit),
        "region_name": region.name,
        "authorities": [{"code": area.code, "name": area.name,
                         **(figure(row, method, unit) or {})}
                        for area, row in authority_figures],
        "breakdowns": [
            {"label": own_row.breakdown_label, **figure(own_row, method, unit),
             "england_text": (with_unit(england_row.value, method, unit)
                              if england_row is not None and england_row.value is not None
                              else "")}
            for own_row, england_row in breakdowns],
        "note": note,
        "loads": [load.pk for load in used],
    }
