"""The outcomes page's view of each metric for many partnerships at once, for the demo's
needs assessments.

``planning.figures.build(partnership, on)`` (what a needs assessment shows, and what signing
it off freezes) reads each section metric through ``outcomes.dashboard.metric_view``, the
outcomes page's presenter: about 0.7 s a partnership, which would add over a minute and a
half to the demo's build for its 141. ``prepared_views`` reads the same figures for all of
them with a few queries per metric (every partnership's figures, England's and the regions',
the authorities'), makes the same ``MetricView`` for each (all of it that an assessment
reads), and while it is open ``planning.figures`` is given those instead of calling
``metric_view``: ``figures.build`` and ``actions.sign_off`` themselves run unchanged.
``tests/planning/test_demo_planning.py`` checks that ``figures.build`` gives the same with
and without it, for partnerships of every kind. Figures are read through
``outcomes.published.Figures`` like everywhere else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import reduce
from operator import or_

from django.db.models import Q

from cdphub.geography.codes import ENGLAND_CODE
from cdphub.geography.models import Area, AreaType
from cdphub.outcomes.dashboard import MetricView
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.outcomes.published import Figures
from cdphub.outcomes.store import loads_behind
from cdphub.partnerships.models import Coverage, Partnership
from cdphub.planning import figures as planning_figures


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
    date (``outcomes.dashboard.metric_view``'s steps, from rows read for all at once). What
    only the outcomes page's compare charts and map use (every partnership's and force
    area's figure: ``peers``, ``map_figures``, ``region_authorities``) is left empty, and
    ``is_synthetic`` looks at the rows read (the totals, and the breakdowns of the latest
    period): the assessment shows neither."""
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
    footprints = {(p.pk, on): [c.area for c in coverages[p.pk] if c.is_valid_on(on)]
                  for p in partnerships for on in dates[p.pk]}
    own_loads = set(DataLoad.objects.filter(partnership__in=partnerships)
                    .values_list("partnership_id", flat=True))
    # Section metrics are national: every partnership's page reads the same figures of them.
    readable = Figures.for_partnership_page(partnerships[0])
    views = {}
    for metric in metrics:
        places = Q(partnership__in=partnerships) | Q(area_id__in=[england.pk, *regions])
        by_place = defaultdict(list)  # ("p", id) or ("a", id) -> rows
        for row in readable.filter(places, metric=metric, breakdown=""):
            by_place[("p", row.partnership_id) if row.partnership_id is not None
                     else ("a", row.area_id)].append(row)
        series = {place: sorted(found, key=lambda f: (f.period_end, f.period_start))
                  for place, found in by_place.items()}
        # Breakdowns and the authorities' figures are shown for the latest period only.
        england_latest = series.get(("a", england.pk), [None])[-1]
        anchors = {(f.period_start, f.period_end) for f in
                   [series.get(("p", p.pk), [england_latest])[-1] for p in partnerships] if f}
        if anchors:
            periods = reduce(or_, [Q(period_start=start, period_end=end)
                                   for start, end in anchors])
            for row in readable.filter(places, periods, metric=metric).exclude(breakdown=""):
                by_place[("p", row.partnership_id) if row.partnership_id is not None
                         else ("a", row.area_id)].append(row)
        authorities = defaultdict(dict)  # period -> area code -> the authority's figure
        if anchors and metric.geography != "pfa" and (metric.geography == "utla"
                                                      or metric.kind == "local"):
            for row in readable.filter(periods, metric=metric, breakdown="",
                                       area__area_type=AreaType.UTLA):
                authorities[(row.period_start, row.period_end)][row.area_code] = row
        national_loads = list(loads_behind(metric, None))
        for partnership in partnerships:
            own_key, region_key = ("p", partnership.pk), ("a", partnership.region_id)
            loads = (list(loads_behind(metric, partnership)) if partnership.pk in own_loads
                     else national_loads)
            synthetic = any(f.is_synthetic for place in (own_key, ("a", england.pk), region_key)
                            for f in by_place[place])
            for on in dates[partnership.pk]:
                views[(partnership.pk, metric.pk, on)] = _view(
                    partnership, metric, england, regions[partnership.region_id],
                    footprints[(partnership.pk, on)], series.get(own_key, []),
                    series.get(("a", england.pk), []), series.get(region_key, []),
                    by_place[own_key], by_place[("a", england.pk)], authorities, loads,
                    synthetic)
    return views


def _view(partnership, metric, england, region, footprint, own, england_series,
          region_series, own_rows, england_rows, authorities, loads, synthetic) -> MetricView:
    latest = own[-1] if own else None
    anchor = latest or (england_series[-1] if england_series else None)

    def same_period(found):
        if anchor is None:
            return None
        return next((f for f in found if (f.period_start, f.period_end)
                     == (anchor.period_start, anchor.period_end)), None)

    breakdowns, figures_of_authorities = [], []
    if anchor is not None:
        period = (anchor.period_start, anchor.period_end)
        england_by = {f.breakdown: f for f in england_rows
                      if (f.period_start, f.period_end) == period}
        for f in sorted((f for f in own_rows if f.breakdown
                         and (f.period_start, f.period_end) == period),
                        key=lambda f: f.breakdown):
            breakdowns.append((f, england_by.get(f.breakdown)))
        if metric.geography != "pfa" and (metric.geography == "utla" or metric.kind == "local"):
            in_period = authorities.get(period, {})
            figures_of_authorities = [(a, in_period.get(a.code)) for a in footprint]
    return MetricView(
        partnership=partnership, metric=metric, england=england, region=region, own=own,
        england_series=england_series, region_series=region_series, latest=latest,
        latest_england=same_period(england_series), latest_region=same_period(region_series),
        peers=[], peer_label="", region_authorities=[], authorities=figures_of_authorities,
        map_figures={}, footprint_codes={a.code for a in footprint}, breakdowns=breakdowns,
        loads=loads, is_synthetic=synthetic)
