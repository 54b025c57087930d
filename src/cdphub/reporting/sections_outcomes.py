"""The report's outcomes framework section: every headline metric with its value, interval,
England and region, comparison, trend and spine chart, and the footprint's authorities for
each, read through the outcomes read path as at the report's data date.

Figures come ONLY from ``outcomes.published.Figures.for_partnership_page`` (the report pages
have checked the viewer may read the partnership); a figure hidden for small numbers arrives
as ``None`` and is stored as ``"hidden": True`` with no number. For each metric the latest
period ending on or before the data date is shown. The section stores numbers and words only
(JSON): the spine chart's SVG is drawn from the stored numbers when the report is rendered
(``outcomes.charts.spine_chart``, as the outcomes pages draw theirs).

Queries: a fixed handful whatever the number of metrics (metrics, totals, peers for the
spines, the footprint's authorities, the footprint, the data loads).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import reduce
from operator import or_

import numpy as np
from django.db.models import Q

from cdphub import stats
from cdphub.framework.outcomes import outcomes_framework
from cdphub.geography.codes import ENGLAND_CODE
from cdphub.geography.models import Area, AreaType
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.outcomes.published import COMPARISON_STYLES, Figure, Figures
from cdphub.outcomes.summary import format_value, with_unit
from cdphub.partnerships.models import Coverage, Partnership

from .sections_common import section
from .years import ReportingYear

HIDDEN = "Hidden (small numbers)"
TREND_TEXT = {
    "": "Not calculated",
    "cannot be calculated": "Not enough periods to tell",
    "no significant change": "No significant change",
}


def _text(figure: Figure | None, metric: Metric) -> str:
    """The figure as a number in words for a table whose row names the unit ("10.6", "49.5%",
    "25,935"), or why there is none."""
    if figure is None:
        return "No figure"
    if figure.value is None:
        return HIDDEN if figure.suppressed else "Not available"
    return format_value(figure.value, metric.method, metric.unit)


def _unit(metric: Metric) -> str:
    """'per 100,000' (the table's rows say the unit once; percentages carry their %)."""
    unit = with_unit(1.0, metric.method, metric.unit)
    return unit.partition(" ")[2] if " " in unit else ("Percentage" if metric.unit == "%"
                                                        else "")


def _interval(figure: Figure | None, metric: Metric) -> str:
    if figure is None or figure.lower_95 is None or figure.upper_95 is None:
        return ""
    return (f"{format_value(figure.lower_95, metric.method, metric.unit)} to "
            f"{format_value(figure.upper_95, metric.method, metric.unit)}")


def trend_text(trend: str) -> str:
    """'increasing and getting worse' → 'Increasing and getting worse'."""
    if trend in TREND_TEXT:
        return TREND_TEXT[trend]
    return trend[:1].upper() + trend[1:]


def comparison_text(comparison: str) -> str:
    return COMPARISON_STYLES.get(comparison, ("", comparison.capitalize()))[1]


def _latest(figures: list[Figure]) -> Figure | None:
    return max(figures, key=lambda f: (f.period_end, f.period_start), default=None)


def _footprint(partnership: Partnership, as_at: dt.date) -> list[Area]:
    return [c.area for c in Coverage.objects.filter(partnership=partnership)
            .select_related("area").order_by("area__name") if c.is_valid_on(as_at)]


def _loads(partnership: Partnership, metrics: list[Metric], as_at: dt.date) -> list[dict]:
    """The data loads whose current figures (for periods ending by ``as_at``) feed these
    metrics: national loads and this partnership's own, named as the needs assessment names
    its loads (``planning/figures.py``)."""
    rows = (DataLoad.objects
            .filter(Q(partnership__isnull=True) | Q(partnership=partnership),
                    observations__metric__in=metrics, observations__is_current=True,
                    observations__period_end__lte=as_at)
            .values("pk", "file_name", "created_at", "observations__metric__name")
            .distinct())
    by_load: dict[int, dict] = {}
    for row in rows:
        load = by_load.setdefault(row["pk"], {
            "id": row["pk"], "metric": [], "file": row["file_name"],
            "loaded_at": row["created_at"].isoformat(timespec="seconds")})
        if row["observations__metric__name"] not in load["metric"]:
            load["metric"].append(row["observations__metric__name"])
    loads = []
    for load in by_load.values():
        names = sorted(load["metric"])
        load["metric"] = names[0] if len(names) == 1 else f"{len(names)} metrics: " + "; ".join(
            names)
        loads.append(load)
    return sorted(loads, key=lambda item: item["loaded_at"], reverse=True)


def _spines(partnership: Partnership, anchors: dict[int, tuple[Metric, Figure]]) -> dict:
    """Where each partnership figure sits among its peers in the same period (all
    partnerships, or all police force areas for metrics published for them). One query."""
    conditions = []
    for metric, figure in anchors.values():
        period = Q(metric_id=metric.pk, period_start=figure.period_start,
                   period_end=figure.period_end, breakdown="")
        if metric.geography == "pfa":
            conditions.append(period & Q(area__area_type=AreaType.PFA))
        else:
            conditions.append(period & Q(partnership__isnull=False))
    if not conditions:
        return {}
    values: dict[int, list[float]] = defaultdict(list)
    for figure in Figures.for_partnership_page(partnership).filter(
            reduce(or_, conditions)).shown_only():
        values[figure.metric_id].append(figure.value)
    spines = {}
    for metric, _figure in anchors.values():
        peers = values.get(metric.pk, [])
        if len(peers) < 4:
            continue
        q = stats.spine_quartiles(np.asarray(peers, dtype=float))
        spines[metric.pk] = {
            "lowest": float(q["lowest"]), "q1": float(q["q25"]), "q3": float(q["q75"]),
            "highest": float(q["highest"]), "areas": len(peers),
            "label": "police force areas" if metric.geography == "pfa" else "partnerships"}
    return spines


def outcomes(partnership: Partnership, year: ReportingYear, as_at: dt.date) -> dict:
    """Every headline metric (and each supporting metric with a figure for the partnership)
    as at ``as_at``: see the module notes."""
    metrics = list(Metric.objects.filter(partnership__isnull=True)
                   .exclude(kind="local").order_by("order", "key"))
    england = Area.objects.get(code=ENGLAND_CODE)
    region = partnership.region
    places = [england.pk] + ([region.pk] if region is not None else [])
    readable = Figures.for_partnership_page(partnership)
    totals = list(readable.filter(
        Q(partnership=partnership) | Q(area__in=places), metric__in=metrics, breakdown="",
        period_end__lte=as_at))
    by_metric: dict[int, list[Figure]] = defaultdict(list)
    for figure in totals:
        by_metric[figure.metric_id].append(figure)

    own: dict[int, Figure | None] = {}
    anchors: dict[int, tuple[Metric, Figure]] = {}
    for metric in metrics:
        figures = by_metric.get(metric.pk, [])
        own[metric.pk] = _latest([f for f in figures if f.partnership_id == partnership.pk])
        anchor = own[metric.pk] or _latest([f for f in figures if f.area_id == england.pk])
        if anchor is not None:
            anchors[metric.pk] = (metric, anchor)

    def same(metric: Metric, area_id: int | None) -> Figure | None:
        if metric.pk not in anchors or area_id is None:
            return None
        anchor = anchors[metric.pk][1]
        return next((f for f in by_metric[metric.pk] if f.area_id == area_id
                     and (f.period_start, f.period_end) == (anchor.period_start,
                                                            anchor.period_end)), None)

    spines = _spines(partnership, {pk: pair for pk, pair in anchors.items()
                                   if pair[0].method != "count" and own.get(pk) is not None
                                   and own[pk].value is not None})

    # the footprint's authorities, for metrics published for authorities: one query
    footprint = _footprint(partnership, as_at)
    authority_figures: dict[tuple[int, int], Figure] = {}
    wanted = [Q(metric_id=m.pk, period_start=f.period_start, period_end=f.period_end)
              for m, f in anchors.values() if m.geography == "utla"]
    if wanted and footprint:
        for figure in readable.filter(reduce(or_, wanted), breakdown="",
                                      area__in=[a.pk for a in footprint]):
            authority_figures[(figure.metric_id, figure.area_id)] = figure

    outcome_labels = {o.key: o.label for o in outcomes_framework().outcomes}
    headline, supporting, synthetic = [], [], False
    for metric in metrics:
        figure = own[metric.pk]
        england_figure = same(metric, england.pk)
        region_figure = same(metric, region.pk if region is not None else None)
        if metric.kind != "headline" and (figure is None or figure.value is None
                                          and not figure.suppressed):
            continue  # a supporting metric the partnership has no data for
        anchor = anchors.get(metric.pk, (None, None))[1]
        synthetic = synthetic or bool(anchor is not None and anchor.is_synthetic)
        spine = spines.get(metric.pk)
        if spine is not None and england_figure is not None \
                and england_figure.value is not None:
            spine["england"] = england_figure.value
        else:
            spine = None
        note = ""
        if figure is None:
            note = ("Published for England only." if metric.geography == "england"
                    else "No figure for the partnership on or before the data date.")
        elif figure.geography_source == "pfa":
            note = figure.geography_note
        authorities = []
        if metric.geography == "utla" and anchor is not None:
            for area in footprint:
                area_figure = authority_figures.get((metric.pk, area.pk))
                authorities.append({
                    "name": area.name,
                    "text": _text(area_figure, metric),
                    "hidden": bool(area_figure is not None and area_figure.suppressed),
                    "comparison": area_figure.comparison if area_figure else "",
                    "comparison_text": (area_figure.comparison_text if area_figure
                                        and area_figure.value is not None else ""),
                    "comparison_short": (area_figure.comparison_short if area_figure
                                         and area_figure.value is not None else ""),
                })
        row = {
            "key": metric.key,
            "name": metric.name,
            "outcome": outcome_labels.get(metric.outcome, metric.outcome),
            "kind": metric.kind,
            "unit": metric.unit,
            "unit_label": _unit(metric),
            "method": metric.method,
            "polarity": metric.polarity,
            "period": anchor.period_label if anchor is not None else "",
            "period_end": anchor.period_end.isoformat() if anchor is not None else None,
            "value": figure.value if figure is not None else None,
            "hidden": bool(figure is not None and figure.suppressed),
            "text": _text(figure, metric),
            "interval": _interval(figure, metric),
            "england": _text(england_figure, metric) if england_figure else "",
            "region": _text(region_figure, metric) if region_figure else "",
            "comparison": figure.comparison if figure is not None else "",
            "comparison_text": (comparison_text(figure.comparison)
                                if figure is not None and figure.value is not None
                                else "Not compared"),
            "trend": trend_text(figure.trend) if figure is not None else "",
            "note": note,
            "spine": spine,
            "authorities": authorities,
        }
        (headline if metric.kind == "headline" else supporting).append(row)

    data = {"region_name": region.name if region is not None else "",
            "headline": headline, "supporting": supporting, "is_synthetic": synthetic}
    shown = [m for m in metrics if m.key in {r["key"] for r in headline + supporting}]
    return section(
        "outcomes", as_at, data,
        ["Published official figures for the partnership, England, the region and the "
         "footprint's authorities (the latest period ending on or before the data date)"],
        _loads(partnership, shown, as_at))


BUILDERS = {"outcomes": outcomes}
