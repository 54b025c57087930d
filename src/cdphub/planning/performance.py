"""Reading a partnership's local performance framework: its metrics, the figures a baseline
may be taken from, each metric's latest actual and its progress against the target, in
words and as a chart.

Figures are read only through the outcomes read path (``Figures.for_partnership_page``): the
caller has checked that the viewer may read the partnership. A hidden figure (small numbers)
arrives with no value, so it can be neither a baseline nor a judged actual. The judgement is
``progress.judge`` (a pure function); this module gives it the stored values and words the
answer. The framework page, the per-metric page, the download and the note beside the metric
on the outcomes overview all read the framework here, so they agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from cdphub.outcomes import charts
from cdphub.outcomes.models import Metric
from cdphub.outcomes.published import Figure, Figures
from cdphub.outcomes.summary import with_unit
from cdphub.partnerships.models import Partnership

from . import progress
from .models import FrameworkMetric, TargetPoint

STATUS_LABELS = {progress.ON_TRACK: "On track", progress.OFF_TRACK: "Off track",
                 progress.NO_DATA: "No data"}
#: GOV.UK tag colours; the words always say the status too.
STATUS_TAGS = {progress.ON_TRACK: "govuk-tag--green", progress.OFF_TRACK: "govuk-tag--red",
               progress.NO_DATA: "govuk-tag--grey"}
BETTER_WORDS = {progress.HIGHER: "higher is better", progress.LOWER: "lower is better",
                progress.HOLD: "the aim is to hold the value"}


def offered_metrics(partnership: Partnership) -> QuerySet[Metric]:
    """The metrics a framework may hold: national catalogue metrics that have a figure for
    a partnership (not those published for England only), and this partnership's own local
    metrics; never another partnership's."""
    national = Q(partnership__isnull=True) & ~Q(kind="local") & ~Q(geography="england")
    return Metric.objects.filter(national | Q(kind="local", partnership=partnership)).order_by(
        "order", "key")


def live(partnership: Partnership) -> QuerySet[FrameworkMetric]:
    """The framework's metrics in force (not withdrawn), with what pages show of them."""
    return (partnership.framework_metrics.filter(withdrawn_at__isnull=True)
            .select_related("metric", "owner", "baseline_set_by")
            .prefetch_related(Prefetch("targets",
                                       queryset=TargetPoint.objects.order_by("period_end")))
            .order_by("metric__order", "metric__key", "pk"))


def series(partnership: Partnership, metrics) -> dict[int, list[Figure]]:
    """Each metric's figures for the partnership (its footprint, the total), oldest first:
    one query."""
    result: dict[int, list[Figure]] = {}
    for figure in (Figures.for_partnership_page(partnership)
                   .filter(partnership=partnership, metric__in=list(metrics), breakdown="")
                   .order_by("period_end", "period_start")):
        result.setdefault(figure.metric_id, []).append(figure)
    return result


def baseline_choices(partnership: Partnership, metric: Metric) -> list[Figure]:
    """The periods a baseline may be chosen from: every figure the partnership has for the
    metric, newest first (hidden ones too, so that the page can say why they cannot be)."""
    return list(reversed(series(partnership, [metric]).get(metric.pk, [])))


def why_not_a_baseline(figure: Figure) -> str:
    """Why ``figure`` cannot be a baseline ('' when it can)."""
    if figure.suppressed:
        return (f"The figure for {figure.period_label} is not shown because it rests on small "
                "numbers (disclosure control): a hidden figure cannot be a baseline.")
    if figure.value is None:
        return (f"There is no figure for the partnership for {figure.period_label} (not every "
                "authority's figure is loaded): it cannot be a baseline.")
    return ""


def month_year(on: dt.date) -> str:
    return f"{on:%B %Y}"


@dataclass
class Entry:
    """One metric of the framework as pages show it."""

    item: FrameworkMetric
    targets: list[TargetPoint]
    figures: list[Figure]  # the partnership's, oldest first
    result: progress.Progress
    reason: str = ""
    latest: Figure | None = None  # the newest figure loaded (whatever its period)
    judged: Figure | None = None  # the figure judged (the newest after the baseline)
    url: str = ""
    chart: charts.ChartFigure | None = field(default=None, repr=False)

    @property
    def metric(self) -> Metric:
        return self.item.metric

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.result.status]

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[self.result.status]

    @property
    def has_baseline(self) -> bool:
        return self.item.baseline_period_end is not None and self.item.baseline_value is not None

    def value_text(self, value: float | None) -> str:
        return with_unit(value, self.metric.method, self.metric.unit)

    @property
    def baseline_text(self) -> str:
        if not self.has_baseline:
            return ""
        return f"{self.value_text(self.item.baseline_value)} ({self.item.baseline_period})"

    @property
    def target_text(self) -> str:
        """'2,640 people by 31 March 2027', or the trajectory's points joined."""
        return "; ".join(f"{self.value_text(t.value)} by {t.period_end:%-d %B %Y}"
                         for t in self.targets)

    @property
    def latest_text(self) -> str:
        figure = self.latest
        if figure is None:
            return ""
        if figure.suppressed:
            return f"Not shown (small numbers) ({figure.period_label})"
        if figure.value is None:
            return f"No figure ({figure.period_label})"
        return f"{self.value_text(figure.value)} ({figure.period_label})"


def _points(item: FrameworkMetric, targets: list[TargetPoint]):
    baseline = ((item.baseline_period_end, item.baseline_value)
                if item.baseline_period_end is not None and item.baseline_value is not None
                else None)
    return baseline, [(t.period_end, t.value) for t in targets]


def entry(item: FrameworkMetric, figures: list[Figure]) -> Entry:
    targets = list(item.targets.all())
    baseline, points = _points(item, targets)
    result = progress.judge(baseline, points, item.metric.polarity,
                            [(f.period_end, f.value) for f in figures])
    found = Entry(item=item, targets=targets, figures=figures, result=result,
                  latest=figures[-1] if figures else None,
                  url=reverse("partnerships:plan-framework-metric",
                              args=[item.partnership.slug, item.pk]))
    if result.actual_on is not None:
        found.judged = next(f for f in reversed(figures) if f.period_end == result.actual_on)
    found.reason = reason(found)
    return found


def entries(partnership: Partnership, items=None) -> list[Entry]:
    """Every live metric of the framework with its figures and progress (three queries)."""
    items = list(live(partnership) if items is None else items)
    for item in items:
        item.partnership = partnership  # for its URL, without a query each
    figures = series(partnership, [i.metric for i in items]) if items else {}
    return [entry(item, figures.get(item.metric_id, [])) for item in items]


def reason(found: Entry) -> str:
    """The status in one line of plain English, for example "2,310 people in 2024/25
    against 2,244 expected on the trajectory to 2,640 people by March 2027"."""
    result, item = found.result, found.item
    if result.why == progress.NO_BASELINE:
        return "No baseline yet: choose the period the target is measured from."
    if result.why == progress.NO_TARGET:
        return "No target yet: set the value aimed for and by when."
    last = found.targets[-1]
    goal = f"{found.value_text(last.value)} by {month_year(last.period_end)}"
    if result.why == progress.NO_ACTUAL:
        return (f"No figure for a period after the baseline ({item.baseline_period}) is "
                f"loaded yet; the target is {goal}.")
    figure = found.judged
    if result.why == progress.HIDDEN:
        if figure is not None and figure.suppressed:
            return (f"The latest figure ({figure.period_label}) is not shown because it rests "
                    "on small numbers, so progress cannot be judged.")
        label = figure.period_label if figure is not None else "the latest period"
        return (f"There is no figure for the partnership for {label} (not every authority's "
                "figure is loaded), so progress cannot be judged.")
    if result.expected is not None and result.actual_on >= last.period_end:
        against = f"against the target of {goal}"
    else:
        against = (f"against {found.value_text(result.expected)} expected on the trajectory "
                   f"to {goal}")
    return f"{found.value_text(result.actual)} in {figure.period_label} {against}"


def chart(found: Entry) -> charts.ChartFigure:
    """The actual figures against the trajectory, with its caption, summary and table twin."""
    metric, item = found.metric, found.item
    trajectory = []
    if found.has_baseline:
        trajectory.append(charts.DatedPoint(item.baseline_period_end, item.baseline_value))
        trajectory += [charts.DatedPoint(t.period_end, t.value) for t in found.targets]
    actuals = [charts.DatedPoint(f.period_end, f.value, f.lower_95, f.upper_95)
               for f in found.figures]
    title = f"{metric.name}: {item.partnership.name} against its local target"
    summary = chart_summary(found)
    svg = charts.trajectory_chart(actuals, trajectory, unit=metric.unit, title=title,
                                  description=summary, chart_id=f"framework-chart-{item.pk}")
    rows: dict[dt.date, dict] = {}
    for f in found.figures:
        rows.setdefault(f.period_end, {})["actual"] = f
    if found.has_baseline:
        rows.setdefault(item.baseline_period_end, {})["baseline"] = True
        for t in found.targets:
            rows.setdefault(t.period_end, {})["target"] = t
    table = []
    for on in sorted(rows):
        cells = rows[on]
        f = cells.get("actual")
        what = []
        if cells.get("baseline"):
            what.append(f"Baseline ({item.baseline_period})")
        if "target" in cells:
            what.append("Target")
        expected = ""
        if found.has_baseline and found.targets and on >= item.baseline_period_end:
            baseline, points = _points(item, found.targets)
            expected = found.value_text(progress.expected_at(baseline, points, on))
        table.append((
            f"{on:%-d %B %Y}", f.period_label if f else "", "; ".join(what),
            ("Not shown (small numbers)" if f.suppressed else found.value_text(f.value))
            if f and (f.value is not None or f.suppressed) else "",
            found.value_text(f.lower_95) if f and f.lower_95 is not None else "",
            found.value_text(f.upper_95) if f and f.upper_95 is not None else "",
            expected))
    columns = (charts.Column("Date (period end or target date)"), charts.Column("Period"),
               charts.Column("Baseline or target"), charts.Column("Actual", numeric=True),
               charts.Column("Lower 95% limit", numeric=True),
               charts.Column("Upper 95% limit", numeric=True),
               charts.Column("On the trajectory", numeric=True))
    return charts.ChartFigure(caption=title, svg=svg, summary=summary, columns=columns,
                              rows=tuple(table),
                              table_caption=f"{metric.name}: actual figures and the trajectory")


def chart_summary(found: Entry) -> str:
    """The chart in words (its text alternative)."""
    parts = []
    item = found.item
    if found.has_baseline:
        parts.append(f"Baseline {found.value_text(item.baseline_value)} in "
                     f"{item.baseline_period}.")
        if found.targets:
            parts.append("Trajectory: " + "; ".join(
                f"{found.value_text(t.value)} by {t.period_end:%-d %B %Y}"
                for t in found.targets) + ".")
    else:
        parts.append("No baseline or target set yet.")
    shown = [f for f in found.figures if f.value is not None]
    if shown:
        first, last = shown[0], shown[-1]
        if first is last:
            parts.append(f"One figure: {found.value_text(last.value)} in {last.period_label}.")
        else:
            parts.append(f"Figures from {found.value_text(first.value)} in "
                         f"{first.period_label} to {found.value_text(last.value)} in "
                         f"{last.period_label}.")
    else:
        parts.append("No figures loaded for the partnership yet.")
    parts.append(f"{found.status_label}: {found.reason}.".replace("..", "."))
    return " ".join(parts)
