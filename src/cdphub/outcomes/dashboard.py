"""The figures behind the outcomes pages, read from stored ``ComputedValue`` rows.

Nothing here recomputes a statistic: every number was computed when its data were loaded
(``compute.py``). These functions only select and arrange, in a fixed number of queries
whatever the number of metrics, periods or areas:

* ``overview(partnership)``: for every metric the partnership can see, its latest figure,
  England's and the region's for the same period, the comparison and trend, and where the
  figure sits among all partnerships (or police force areas) for a spine chart;
* ``metric_view(partnership, metric)``: everything the metric page shows.

Figures come from the one read path, ``published.py``: a figure hidden for small numbers
arrives here already absent (``None``), so no page, chart or download can show it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

import numpy as np
from django.core.cache import cache
from django.db.models import Q

from cdphub import stats
from cdphub.framework.outcomes import outcomes_framework
from cdphub.geography.codes import ENGLAND_CODE
from cdphub.geography.models import Area, AreaType
from cdphub.partnerships.models import Coverage, Partnership

from .models import Metric
from .published import COMPARISON_STYLES, Figure, Figures, breakdown_label, partnership_metrics
from .store import loads_behind

__all__ = ["COMPARISON_STYLES", "Figure", "breakdown_label"]  # shown by pages, from the read path


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
    return cache.get_or_set(key, build, timeout=CACHE_SECONDS)


#: How long a page's figures stay cached; the key changes with the data, so this only
#: bounds memory use.
CACHE_SECONDS = 6 * 3600




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
    england: Figure | None = None  # England's, for the same period
    newest: Figure | None = None  # England's newest: is the partnership's figure older?
    region: Figure | None = None
    spine: Spine | None = None
    note: str = ""
    missing: str = ""  # why the partnership has no figure: "5 of 10 authorities loaded …"
    #: Notes from the apps above (``annotations``), set by the overview page.
    annotations: list = field(default_factory=list)

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
        metrics = partnership_metrics(partnership)
    england, region = _places(partnership)
    totals = list(Figures.for_partnership_page(partnership).filter(
        Q(partnership=partnership) | Q(area__in=[england.pk, region.pk]),
        metric__in=metrics, breakdown=""))
    own = _latest_by_metric([f for f in totals if f.partnership_id == partnership.pk])
    national = _latest_by_metric([f for f in totals if f.area_id == england.pk])
    by_key = {(f.metric_id, f.area_id, f.period_start, f.period_end): f for f in totals}

    rows: dict[int, OverviewRow] = {}
    for metric in metrics:
        row = OverviewRow(metric=metric, figure=own.get(metric.pk),
                          newest=national.get(metric.pk))
        anchor = row.figure or national.get(metric.pk)
        if anchor is not None:
            key = (anchor.period_start, anchor.period_end)
            row.england = by_key.get((metric.pk, england.pk, *key))
            row.region = by_key.get((metric.pk, region.pk, *key))
        if row.figure is None:
            row.note = ("Published for England only." if metric.geography == "england"
                        else "No figures loaded for this partnership yet.")
        elif row.figure.geography_source == "pfa":
            row.note = row.figure.geography_note.replace("Figure for the police force area",
                                                         "Police force area")
        elif row.figure.geography_source == "whole":
            row.note = "Loaded for the partnership as a whole."
        rows[metric.pk] = row
    _add_missing(partnership, list(rows.values()))
    _add_spines(partnership, list(rows.values()))

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


def authorities_for(partnership: Partnership, end: dt.date, coverages=None) -> set[int]:
    """The authorities whose figures for a period ending on ``end`` make up the partnership's
    (as the computed values count them): those covered on that day, or for a period before
    the footprint, those it first covered."""
    if coverages is None:
        coverages = list(Coverage.objects.filter(partnership=partnership))
    covered = {c.area_id for c in coverages if c.is_valid_on(end)}
    if covered or not coverages:
        return covered
    first = min(c.valid_from for c in coverages)
    return {c.area_id for c in coverages if c.valid_from == first}


def _add_missing(partnership: Partnership, rows: list[OverviewRow]) -> None:
    """For each metric of authorities whose latest partnership figure could not be computed
    (some authorities have none), how many of its authorities have figures: "5 of 10
    authorities loaded". Two queries."""
    wanted = [r for r in rows if r.metric.geography == "utla" and r.figure is not None
              and r.figure.value is None and not r.figure.suppressed]
    if not wanted:
        return
    coverages = list(Coverage.objects.filter(partnership=partnership))
    needed = {r.metric.pk: authorities_for(partnership, r.figure.period_end, coverages)
              for r in wanted}
    conditions = [Q(metric_id=r.metric.pk, period_start=r.figure.period_start,
                    period_end=r.figure.period_end, area_id__in=needed[r.metric.pk])
                  for r in wanted]
    loaded: dict[int, set[int]] = defaultdict(set)
    for figure in Figures.for_partnership_page(partnership).filter(
            reduce(or_, conditions), breakdown=""):
        loaded[figure.metric_id].add(figure.area_id)  # a hidden figure is loaded all the same
    for row in wanted:
        total, have = len(needed[row.metric.pk]), len(loaded[row.metric.pk])
        if not total:
            continue
        row.missing = (f"{have} of {total} authorities loaded for {row.figure.period_label}")
        if row.metric.kind == "local":
            row.note = (f"{row.missing}: load the other {total - have}, or one figure for the "
                        "partnership as a whole.")
        else:
            row.note = f"{row.missing}: the partnership's figure needs all {total}."


def _add_spines(partnership: Partnership, rows: list[OverviewRow]) -> None:
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
    peers = Figures.for_partnership_page(partnership).filter(reduce(or_, conditions))
    for figure in peers.shown_only():
        values[figure.metric_id].append(figure.value)
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
    readable = Figures.for_partnership_page(partnership)
    figures = list(readable.filter(
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
            # The partnership's own force areas (those its figure is the sum of) are marked.
            forces = ({a.police_force_area_id for a in footprint}
                      if latest is not None and latest.geography_source == "pfa" else set())
            peers = sorted(((f.area_name, f, f.area_id in forces)
                            for f in readable.filter(period, area__area_type=AreaType.PFA)),
                           key=lambda p: p[0])
            peer_label = "police force areas"
        elif metric.geography in ("utla",) or metric.kind == "local":
            peers = sorted(((f.partnership_name, f, f.partnership_id == partnership.pk)
                            for f in readable.filter(period, partnership__isnull=False)),
                           key=lambda p: p[0])
            peer_label = "partnerships"
            area_figures = list(readable.filter(period, area__area_type=AreaType.UTLA))
            areas = Area.objects.in_bulk([f.area_id for f in area_figures])
            for f in area_figures:
                map_figures[f.area_code] = (areas[f.area_id], f)
            region_authorities = sorted(
                ((a, f) for a, f in map_figures.values() if a.parent_id == region.pk),
                key=lambda p: p[0].name)
            authorities = [(a, map_figures.get(a.code, (a, None))[1]) for a in footprint]
    loads = list(loads_behind(metric, partnership))
    synthetic = any(f.is_synthetic for f in figures)
    return MetricView(
        partnership=partnership, metric=metric, england=england, region=region, own=own,
        england_series=england_series, region_series=region_series, latest=latest,
        latest_england=latest_england, latest_region=latest_region, peers=peers,
        peer_label=peer_label, region_authorities=region_authorities, authorities=authorities,
        map_figures=map_figures, footprint_codes={a.code for a in footprint},
        breakdowns=breakdowns, loads=loads, is_synthetic=synthetic)
