"""The figures behind the outcomes pages, read from stored ``ComputedValue`` rows.

Nothing here recomputes a statistic: every number was computed when its data were loaded
(``compute.py``). These functions only select and arrange, in a fixed number of queries
whatever the number of metrics, periods or areas:

* ``overview(partnership)``: for every metric the partnership can see, its latest figure,
  England's and the region's for the same period, the comparison and trend, and where the
  figure sits among all partnerships (or police force areas) for a spine chart;
* ``metric_view(partnership, metric)``: everything the metric page shows.

Suppressed figures (small numbers, ``ComputedValue.suppressed``) are kept out: their value,
limits and counts are replaced by ``None`` before they reach a page, a chart or a download.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

import numpy as np
from django.db.models import Q

from cdphub import stats
from cdphub.framework.outcomes import outcomes_framework
from cdphub.geography.codes import ENGLAND_CODE
from cdphub.geography.models import Area, AreaType
from cdphub.partnerships.models import Coverage, Partnership

from .models import ComputedValue, Metric, Observation

#: The kind of comparison word → a CSS modifier and what it means, for tags and legends.
COMPARISON_STYLES = {
    "best": ("better", "Better than England (99.8% level)"),
    "better": ("better", "Better than England"),
    "similar": ("similar", "Similar to England"),
    "worse": ("worse", "Worse than England"),
    "worst": ("worse", "Worse than England (99.8% level)"),
    "higher": ("higher", "Higher than England"),
    "lower": ("lower", "Lower than England"),
    "not compared": ("not-compared", "Not compared"),
    "": ("not-compared", "Not compared"),
}
FIELDS = ("id", "metric_id", "area_id", "partnership_id", "period_start", "period_end",
          "period_label", "breakdown", "numerator", "denominator", "value", "lower_95",
          "upper_95", "lower_99_8", "upper_99_8", "suppressed", "geography_note", "comparison",
          "comparison_region", "trend", "is_synthetic")


@dataclass
class Figure:
    """One stored value as pages use it (suppressed values already blanked)."""

    metric_id: int
    area_id: int | None
    partnership_id: int | None
    period_start: dt.date
    period_end: dt.date
    period_label: str
    breakdown: str
    numerator: float | None
    denominator: float | None
    value: float | None
    lower_95: float | None
    upper_95: float | None
    lower_99_8: float | None
    upper_99_8: float | None
    suppressed: bool
    geography_note: str
    comparison: str
    comparison_region: str
    trend: str
    is_synthetic: bool

    @classmethod
    def from_row(cls, row: dict) -> Figure:
        row = dict(row)
        row.pop("id", None)
        if row["suppressed"]:
            for name in ("numerator", "denominator", "value", "lower_95", "upper_95",
                         "lower_99_8", "upper_99_8"):
                row[name] = None
        return cls(**row)

    @property
    def comparison_style(self) -> str:
        return COMPARISON_STYLES.get(self.comparison, ("not-compared", ""))[0]

    @property
    def comparison_short(self) -> str:
        """One word for tight tables: Better, Similar, Worse, Higher, Lower, Not compared."""
        style = self.comparison_style
        return "Not compared" if style == "not-compared" else style.capitalize()

    @property
    def comparison_text(self) -> str:
        return COMPARISON_STYLES.get(self.comparison, ("", self.comparison.capitalize()))[1]

    @property
    def breakdown_label(self) -> str:
        return breakdown_label(self.breakdown)


def breakdown_label(breakdown: str) -> str:
    """'sex=Female;age=16-24' → 'Sex: Female, age: 16-24'; '' → 'All'."""
    if not breakdown:
        return "All"
    parts = []
    for pair in breakdown.split(";"):
        name, _, value = pair.partition("=")
        parts.append(f"{name.replace('_', ' ')}: {value}")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def cache_key(kind: str, partnership: Partnership, metrics, *extra) -> str:
    """A cache key that changes whenever what a page shows could: the metrics' definitions
    (``updated_at``) and values (``values_version``, bumped by every recomputation, which
    footprint changes and data loads trigger), and the partnership's name and region."""
    parts = [f"{m.pk}:{m.values_version}:{m.updated_at.isoformat()}" for m in metrics]
    parts += [partnership.name, str(partnership.region_id), *map(str, extra)]
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]
    return f"cdphub:outcomes:{kind}:{partnership.pk}:{digest}"


def cached(key: str, build):
    """``build()`` once per key and process (or shared, with a shared cache configured)."""
    from django.core.cache import cache

    return cache.get_or_set(key, build, timeout=CACHE_SECONDS)


#: How long a page's figures stay cached; the key changes with the data, so this only
#: bounds memory use.
CACHE_SECONDS = 6 * 3600


def _figures(queryset) -> list[Figure]:
    return [Figure.from_row(row) for row in queryset.values(*FIELDS)]


def visible_metrics(partnership: Partnership) -> list[Metric]:
    """Headline, supporting and this partnership's own local metrics, in catalogue order."""
    return list(Metric.objects.filter(Q(partnership__isnull=True) | Q(partnership=partnership))
                .order_by("order", "key"))


def _places(partnership: Partnership) -> tuple[Area, Area]:
    england = Area.objects.get(code=ENGLAND_CODE)
    return england, partnership.region


# ------------------------------------------------------------------------------ overview


@dataclass
class Spine:
    lowest: float
    q1: float
    q3: float
    highest: float
    england: float
    areas: int
    label: str  # "partnerships" or "police force areas"


@dataclass
class OverviewRow:
    metric: Metric
    figure: Figure | None = None  # the partnership's latest total
    england: Figure | None = None
    region: Figure | None = None
    spine: Spine | None = None
    note: str = ""

    @property
    def period_label(self) -> str:
        for figure in (self.figure, self.england):
            if figure is not None:
                return figure.period_label
        return ""


@dataclass
class OutcomeGroup:
    key: str
    label: str
    tier: str
    rows: list[OverviewRow] = field(default_factory=list)


@dataclass
class Overview:
    partnership: Partnership
    groups: list[OutcomeGroup]
    local: list[OverviewRow]
    is_synthetic: bool

    @property
    def rows(self) -> list[OverviewRow]:
        return [row for group in self.groups for row in group.rows] + self.local


def _latest_by_metric(figures: list[Figure]) -> dict[int, Figure]:
    latest: dict[int, Figure] = {}
    for figure in figures:
        best = latest.get(figure.metric_id)
        if best is None or (figure.period_end, figure.period_start) > (best.period_end,
                                                                        best.period_start):
            latest[figure.metric_id] = figure
    return latest


def overview(partnership: Partnership, metrics: list[Metric] | None = None) -> Overview:
    """Every visible metric's latest figures for ``partnership`` (four queries in all)."""
    if metrics is None:
        metrics = visible_metrics(partnership)
    england, region = _places(partnership)
    totals = _figures(ComputedValue.objects.filter(
        Q(partnership=partnership) | Q(area__in=[england.pk, region.pk]),
        metric__in=metrics, breakdown=""))
    own = _latest_by_metric([f for f in totals if f.partnership_id == partnership.pk])
    national = _latest_by_metric([f for f in totals if f.area_id == england.pk])
    by_key = {(f.metric_id, f.area_id, f.period_start, f.period_end): f for f in totals}

    rows: dict[int, OverviewRow] = {}
    for metric in metrics:
        row = OverviewRow(metric=metric, figure=own.get(metric.pk))
        anchor = row.figure or national.get(metric.pk)
        if anchor is not None:
            key = (anchor.period_start, anchor.period_end)
            row.england = by_key.get((metric.pk, england.pk, *key))
            row.region = by_key.get((metric.pk, region.pk, *key))
        if row.figure is None:
            row.note = ("Published for England only." if metric.geography == "england"
                        else "No figures loaded for this partnership yet.")
        elif row.figure.geography_note.startswith("Figure for the police force area"):
            row.note = row.figure.geography_note.replace("Figure for the police force area",
                                                         "Police force area")
        rows[metric.pk] = row
    _add_spines(list(rows.values()))

    groups = [OutcomeGroup(o.key, o.label, o.tier) for o in outcomes_framework().outcomes]
    by_outcome = {g.key: g for g in groups}
    local = []
    for metric in metrics:
        row = rows[metric.pk]
        if metric.kind == "local":
            local.append(row)
        elif metric.outcome in by_outcome:
            by_outcome[metric.outcome].rows.append(row)
    for group in groups:  # headline metrics first, then supporting, in catalogue order
        group.rows.sort(key=lambda r: (r.metric.kind != "headline", r.metric.order))
    synthetic = any(f.is_synthetic for f in totals)
    return Overview(partnership, groups, local, synthetic)


def _add_spines(rows: list[OverviewRow]) -> None:
    """Where each figure sits among its peers in the same period: all partnerships, or all
    police force areas for metrics published for police force areas. One query."""
    wanted = [r for r in rows if r.metric.method != "count"  # counts scale with size
              and r.figure is not None and r.figure.value is not None
              and r.england is not None and r.england.value is not None]
    if not wanted:
        return
    conditions = []
    for row in wanted:
        period = Q(metric_id=row.metric.pk, period_start=row.figure.period_start,
                   period_end=row.figure.period_end, breakdown="")
        if row.metric.geography == "pfa":
            conditions.append(period & Q(area__area_type=AreaType.PFA))
        else:
            conditions.append(period & Q(partnership__isnull=False))
    values: dict[int, list[float]] = defaultdict(list)
    for metric_id, value in (ComputedValue.objects.filter(reduce(or_, conditions),
                                                          suppressed=False,
                                                          value__isnull=False)
                             .values_list("metric_id", "value")):
        values[metric_id].append(value)
    for row in wanted:
        peers = values.get(row.metric.pk, [])
        if len(peers) < 4:
            continue
        q = stats.spine_quartiles(np.asarray(peers, dtype=float))
        row.spine = Spine(
            lowest=float(q["lowest"]), q1=float(q["q25"]), q3=float(q["q75"]),
            highest=float(q["highest"]), england=float(row.england.value), areas=len(peers),
            label="police force areas" if row.metric.geography == "pfa" else "partnerships")


# ------------------------------------------------------------------------------ one metric


@dataclass
class MetricView:
    partnership: Partnership
    metric: Metric
    england: Area
    region: Area
    own: list[Figure]            # the partnership's totals, oldest first
    england_series: list[Figure]
    region_series: list[Figure]
    latest: Figure | None
    latest_england: Figure | None
    latest_region: Figure | None
    peers: list[tuple[str, Figure, bool]]  # (name, figure, is this partnership) latest period
    peer_label: str
    region_authorities: list[tuple[Area, Figure]]
    authorities: list[tuple[Area, Figure | None]]
    map_figures: dict[str, tuple[Area, Figure]]
    footprint_codes: set[str]
    breakdowns: list[tuple[Figure, Figure | None]]  # (partnership, England) latest period
    loads: list
    is_synthetic: bool


COMPARE_CHOICES = {"region": "authorities in the region", "partnerships": "all partnerships",
                   "forces": "all police force areas"}


def comparators(view: MetricView, choice: str | None) -> tuple[str, list[tuple[str, Figure, bool]]]:
    """The compare-areas set: ``region`` (the region's authorities, this footprint's marked),
    ``partnerships`` or, for metrics published for police force areas, ``forces``. An
    unknown or unavailable choice falls back to the first available."""
    available = compare_options(view)
    if choice not in available:
        choice = available[0] if available else ""
    if choice == "region":
        return choice, [(a.name, f, a.code in view.footprint_codes)
                        for a, f in view.region_authorities]
    return choice, view.peers


def compare_options(view: MetricView) -> list[str]:
    if view.peer_label == "police force areas":
        return ["forces"]
    options = ["region"] if view.region_authorities else []
    return options + (["partnerships"] if view.peers else [])


def _series(figures: list[Figure], **match) -> list[Figure]:
    chosen = [f for f in figures if all(getattr(f, k) == v for k, v in match.items())]
    return sorted(chosen, key=lambda f: (f.period_end, f.period_start))


def metric_view(partnership: Partnership, metric: Metric, on: dt.date) -> MetricView:
    england, region = _places(partnership)
    figures = _figures(ComputedValue.objects.filter(
        Q(partnership=partnership) | Q(area__in=[england.pk, region.pk]), metric=metric))
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

    latest_england, latest_region = same_period(england_series), same_period(region_series)
    breakdowns = []
    if anchor is not None:
        england_by = {f.breakdown: f for f in figures if f.area_id == england.pk
                      and (f.period_start, f.period_end) == (anchor.period_start,
                                                              anchor.period_end)}
        for f in sorted((f for f in figures if f.partnership_id == partnership.pk and f.breakdown
                         and (f.period_start, f.period_end) == (anchor.period_start,
                                                                 anchor.period_end)),
                        key=lambda f: f.breakdown):
            breakdowns.append((f, england_by.get(f.breakdown)))

    peers, peer_label, region_authorities, authorities, map_figures = [], "", [], [], {}
    footprint = [c.area for c in Coverage.objects.filter(partnership=partnership)
                 .select_related("area").order_by("area__name")
                 if c.is_valid_on(on)]
    if anchor is not None:
        period = Q(metric=metric, period_start=anchor.period_start, period_end=anchor.period_end,
                   breakdown="")
        if metric.geography == "pfa":
            rows = (ComputedValue.objects.filter(period, area__area_type=AreaType.PFA)
                    .select_related("area"))
            peers = sorted(((r.area.name, Figure.from_row(_row(r)), False) for r in rows),
                           key=lambda p: p[0])
            peer_label = "police force areas"
            notes = latest.geography_note if latest else ""
            peers = [(name, f, bool(notes) and name in notes) for name, f, _ in peers]
        elif metric.geography in ("utla",) or metric.kind == "local":
            rows = (ComputedValue.objects.filter(period, partnership__isnull=False)
                    .select_related("partnership"))
            peers = sorted(((r.partnership.name, Figure.from_row(_row(r)),
                             r.partnership_id == partnership.pk) for r in rows),
                           key=lambda p: p[0])
            peer_label = "partnerships"
            area_rows = (ComputedValue.objects.filter(period, area__area_type=AreaType.UTLA)
                         .select_related("area"))
            for r in area_rows:
                map_figures[r.area.code] = (r.area, Figure.from_row(_row(r)))
            region_authorities = sorted(
                ((a, f) for a, f in map_figures.values() if a.parent_id == region.pk),
                key=lambda p: p[0].name)
            authorities = [(a, map_figures.get(a.code, (a, None))[1]) for a in footprint]
    loads = list(_loads(metric, partnership))
    synthetic = any(f.is_synthetic for f in figures)
    return MetricView(
        partnership=partnership, metric=metric, england=england, region=region, own=own,
        england_series=england_series, region_series=region_series, latest=latest,
        latest_england=latest_england, latest_region=latest_region, peers=peers,
        peer_label=peer_label, region_authorities=region_authorities, authorities=authorities,
        map_figures=map_figures, footprint_codes={a.code for a in footprint},
        breakdowns=breakdowns, loads=loads, is_synthetic=synthetic)


def _row(value: ComputedValue) -> dict:
    return {name: getattr(value, name) for name in FIELDS}


def _loads(metric: Metric, partnership: Partnership):
    """The loads the current figures came from: national loads and this partnership's, each
    checked with an EXISTS that stops at its first current observation of the metric."""
    from django.db.models import Exists, OuterRef

    from .models import DataLoad

    used = Observation.objects.filter(load=OuterRef("pk"), metric=metric, is_current=True)
    return (DataLoad.objects.filter(Q(partnership__isnull=True) | Q(partnership=partnership))
            .filter(Exists(used)).select_related("loaded_by", "partnership")
            .order_by("-created_at"))
