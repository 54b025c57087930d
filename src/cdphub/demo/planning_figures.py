"""The outcomes page's view of each metric for many partnerships at once, for the demo's
needs assessments.

``planning.figures.build(partnership, on)`` (what a needs assessment shows, and what signing
it off freezes) reads each section metric through ``outcomes.dashboard.metric_view``, the
outcomes page's presenter: about 0.7 s a partnership, which would add over a minute and a
half to the demo's build for its 141. ``prepared_views`` reads the same figures for all of
them with a few queries per metric (every partnership's figures, England's and the regions',
the authorities' and the police force areas'), makes the same ``MetricView`` for each, and
while it is open ``planning.figures`` is given those instead of calling ``metric_view``:
``figures.build`` and ``actions.sign_off`` themselves run unchanged.
``tests/planning/test_demo_planning.py`` checks that ``figures.build`` gives the same with
and without it, for partnerships of every kind. Figures are read through
``outcomes.published.Figures`` like everywhere else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Q

from cdphub.geography.codes import ENGLAND_CODE
from cdphub.geography.models import Area, AreaType
from cdphub.outcomes.dashboard import MetricView
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.outcomes.published import Figures
from cdphub.outcomes.store import loads_behind
from cdphub.partnerships.models import Coverage, Partnership
from cdphub.planning import figures as planning_figures


def _series(rows, **match):
    chosen = [f for f in rows if all(getattr(f, k) == v for k, v in match.items())]
    return sorted(chosen, key=lambda f: (f.period_end, f.period_start))


@contextmanager
def prepared_views(partnerships: list[Partnership], dates: dict[int, list[dt.date]]
                   ) -> Iterator[None]:
    """While open, ``planning.figures`` reads each partnership's section metrics as at each
    of its ``dates`` from views made here in bulk (anything else as usual)."""
    views = _views(list(partnerships), dates)
    real = planning_figures.metric_view

    def metric_view(partnership, metric, on):
        found = views.get((partnership.pk, metric.pk, on))
        return found if found is not None else real(partnership, metric, on)

    planning_figures.metric_view = metric_view
    try:
        yield
    finally:
        planning_figures.metric_view = real


def _views(partnerships: list[Partnership], dates: dict[int, list[dt.date]]
           ) -> dict[tuple[int, int, dt.date], MetricView]:
    """``metric_view(partnership, metric, on)`` for every section metric, partnership and
    date (``outcomes.dashboard.metric_view``'s steps, from rows read for all at once)."""
    if not partnerships:
        return {}
    metrics = list(Metric.objects.filter(Q(partnership__isnull=True),
                                         key__in=planning_figures.section_metric_keys()))
    england = Area.objects.get(code=ENGLAND_CODE)
    regions = {p.region_id: p.region for p in partnerships}
    coverages = defaultdict(list)
    for coverage in (Coverage.objects.filter(partnership__in=partnerships)
                     .select_related("area").order_by("area__name")):
        coverages[coverage.partnership_id].append(coverage)
    own_loads = set(DataLoad.objects.filter(partnership__in=partnerships)
                    .values_list("partnership_id", flat=True))
    # Section metrics are national: every partnership's page reads the same figures of them.
    readable = Figures.for_partnership_page(partnerships[0])
    areas = {a.pk: a for a in Area.objects.filter(area_type=AreaType.UTLA)}
    views = {}
    for metric in metrics:
        rows = list(readable.filter(Q(partnership__isnull=False)
                                    | Q(area_id__in=[england.pk, *regions]), metric=metric))
        by_partnership, by_area = defaultdict(list), defaultdict(list)
        for row in rows:
            if row.partnership_id is not None:
                by_partnership[row.partnership_id].append(row)
            if row.area_id is not None:
                by_area[row.area_id].append(row)
        totals = defaultdict(list)  # period -> every partnership's total
        for row in rows:
            if row.partnership_id is not None and not row.breakdown:
                totals[(row.period_start, row.period_end)].append(row)
        places = defaultdict(list)  # period -> the authorities' or force areas' figures
        place_type = AreaType.PFA if metric.geography == "pfa" else AreaType.UTLA
        for row in readable.filter(metric=metric, breakdown="", area__area_type=place_type):
            places[(row.period_start, row.period_end)].append(row)
        national_loads = list(loads_behind(metric, None))
        for partnership in partnerships:
            loads = (list(loads_behind(metric, partnership)) if partnership.pk in own_loads
                     else national_loads)
            figures = (by_partnership[partnership.pk] + by_area[england.pk]
                       + by_area[partnership.region_id])
            for on in dates[partnership.pk]:
                views[(partnership.pk, metric.pk, on)] = _view(
                    partnership, metric, on, figures, england, regions[partnership.region_id],
                    [c.area for c in coverages[partnership.pk] if c.is_valid_on(on)],
                    totals, places, areas, loads)
    return views


def _view(partnership, metric, on, figures, england, region, footprint, totals, places,
          areas, loads) -> MetricView:
    own = _series(figures, partnership_id=partnership.pk, breakdown="")
    england_series = _series(figures, area_id=england.pk, breakdown="")
    region_series = _series(figures, area_id=region.pk, breakdown="")
    latest = own[-1] if own else None
    anchor = latest or (england_series[-1] if england_series else None)

    def same_period(series):
        if anchor is None:
            return None
        return next((f for f in series if (f.period_start, f.period_end)
                     == (anchor.period_start, anchor.period_end)), None)

    breakdowns = []
    peers, peer_label, region_authorities, authorities, map_figures = [], "", [], [], {}
    if anchor is not None:
        period = (anchor.period_start, anchor.period_end)
        england_by = {f.breakdown: f for f in figures if f.area_id == england.pk
                      and (f.period_start, f.period_end) == period}
        for f in sorted((f for f in figures if f.partnership_id == partnership.pk
                         and f.breakdown and (f.period_start, f.period_end) == period),
                        key=lambda f: f.breakdown):
            breakdowns.append((f, england_by.get(f.breakdown)))
        if metric.geography == "pfa":
            forces = ({a.police_force_area_id for a in footprint}
                      if latest is not None and latest.geography_source == "pfa" else set())
            peers = sorted(((f.area_name, f, f.area_id in forces)
                            for f in places.get(period, [])), key=lambda p: p[0])
            peer_label = "police force areas"
        elif metric.geography in ("utla",) or metric.kind == "local":
            peers = sorted(((f.partnership_name, f, f.partnership_id == partnership.pk)
                            for f in totals.get(period, [])), key=lambda p: p[0])
            peer_label = "partnerships"
            for f in places.get(period, []):
                map_figures[f.area_code] = (areas[f.area_id], f)
            region_authorities = sorted(
                ((a, f) for a, f in map_figures.values() if a.parent_id == region.pk),
                key=lambda p: p[0].name)
            authorities = [(a, map_figures.get(a.code, (a, None))[1]) for a in footprint]
    return MetricView(
        partnership=partnership, metric=metric, england=england, region=region, own=own,
        england_series=england_series, region_series=region_series, latest=latest,
        latest_england=same_period(england_series), latest_region=same_period(region_series),
        peers=peers, peer_label=peer_label, region_authorities=region_authorities,
        authorities=authorities, map_figures=map_figures,
        footprint_codes={a.code for a in footprint}, breakdowns=breakdowns, loads=loads,
        is_synthetic=any(f.is_synthetic for f in figures))
