"""Every write to a partnership's local performance framework: adding a metric (with its
owner and reporting frequency), changing and withdrawing it, setting its baseline from a
published figure (frozen: changed later only when asked to explicitly), setting its target or
trajectory, and recording that the partnership agreed the framework at a meeting (the
performance-framework milestone).

Each runs in one transaction and one change set, so a refusal changes nothing and the
partnership's History shows one entry per step. Every record a step names (metric, owner,
meeting) must belong to the framework's own partnership, whatever a form offered. Refusals
are ``PlanError`` (``actions_plan``), with the form field at fault.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cdphub.outcomes.models import Metric
from cdphub.partnerships.changesets import change_set
from cdphub.partnerships.models import Meeting, MilestoneCompletion, Partnership, Person

from . import performance
from .actions_plan import PlanError
from .agreement import meeting_problem
from .models import FrameworkMetric, TargetPoint

MILESTONE = "performance_framework"


def framework_url(partnership: Partnership) -> str:
    return reverse("partnerships:plan-framework", args=[partnership.slug])


def _checked(partnership: Partnership, *, owner: Person | None, frequency: str) -> None:
    if owner is not None and owner.partnership_id != partnership.pk:
        raise PlanError("Choose the metric's owner from the partnership's people.", "owner")
    if frequency not in FrameworkMetric.Frequency.values:
        raise PlanError("Choose how often progress is reported.", "frequency")


def _changeable(item: FrameworkMetric) -> None:
    if item.withdrawn_at is not None:
        raise PlanError("This metric was withdrawn from the framework and can no longer be "
                        "changed.")


@transaction.atomic
def add_metric(*, partnership: Partnership, metric: Metric, owner: Person | None,
               frequency: str, notes: str = "", by) -> FrameworkMetric:
    """Add ``metric`` to the framework: a national metric with a figure for partnerships, or
    this partnership's own local metric (never another partnership's)."""
    if metric is None or not performance.offered_metrics(partnership).filter(
            pk=metric.pk).exists():
        raise PlanError("Choose a national metric with a figure for the partnership, or one of "
                        "this partnership's own local metrics.", "metric")
    _checked(partnership, owner=owner, frequency=frequency)
    if performance.live(partnership).filter(metric=metric).exists():
        raise PlanError(f"\u201c{metric.name}\u201d is in the framework already.", "metric")
    with change_set(by=by):
        return FrameworkMetric.objects.create(partnership=partnership, metric=metric,
                                              owner=owner, frequency=frequency,
                                              notes=notes.strip())


@transaction.atomic
def change_metric(*, item: FrameworkMetric, owner: Person | None, frequency: str,
                  notes: str = "", by) -> FrameworkMetric:
    """Change the owner, the reporting frequency and the notes (the metric itself stays: a
    different metric is added, and this one withdrawn)."""
    _changeable(item)
    _checked(item.partnership, owner=owner, frequency=frequency)
    with change_set(by=by):
        item.owner, item.frequency, item.notes = owner, frequency, notes.strip()
        item.save()
    return item


@transaction.atomic
def withdraw_metric(*, item: FrameworkMetric, by) -> FrameworkMetric:
    """Take the metric out of the framework (it stays in History with its baseline and
    targets)."""
    _changeable(item)
    with change_set(by=by):
        item.withdrawn_at = timezone.now()
        item.save()
    return item


@transaction.atomic
def set_baseline(*, item: FrameworkMetric, period_start: dt.date, period_end: dt.date, by,
                 replace: bool = False) -> FrameworkMetric:
    """Take the partnership's published figure for the period as the baseline: its label,
    end and value are copied and frozen (later loads of data do not change them). A baseline
    already set is replaced only when ``replace`` is given (the change shows in History); the
    targets must still lie after the new baseline's period."""
    _changeable(item)
    if item.baseline_set_at is not None and not replace:
        raise PlanError("The baseline is set already: confirm that you mean to change it.",
                        "replace")
    figure = next((f for f in performance.baseline_choices(item.partnership, item.metric)
                   if (f.period_start, f.period_end) == (period_start, period_end)), None)
    if figure is None:
        raise PlanError("Choose one of the periods for which the partnership has a figure.",
                        "period")
    if why := performance.why_not_a_baseline(figure):
        raise PlanError(why + " Choose another period.", "period")
    early = [t for t in item.targets.all() if t.period_end <= figure.period_end]
    if early:
        raise PlanError(f"The target by {early[0].period_end:%-d %B %Y} is not after the end "
                        f"of {figure.period_label}: change the targets first, or choose an "
                        "earlier period.", "period")
    with change_set(by=by):
        item.baseline_period = figure.period_label
        item.baseline_period_end = figure.period_end
        item.baseline_value = figure.value
        item.baseline_set_at = timezone.now()
        item.baseline_set_by = by
        item.save()
    return item


@dataclass(frozen=True)
class TargetRow:
    """One row of the targets table as entered: its number on the page, the date and the
    value as typed (the value is checked here, so the message can name the row)."""

    row: int
    by: dt.date | None
    value: str


def _number(text: str) -> float | None:
    cleaned = str(text).strip().replace(",", "").removesuffix("%").strip()
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def checked_targets(item: FrameworkMetric, rows: Iterable[TargetRow]) -> list[tuple[dt.date,
                                                                                      float]]:
    """The (date, value) points of ``rows``, or a ``PlanError`` naming the row and field:
    ``by_<row>`` or ``value_<row>``. Rows with neither a date nor a value are left out."""
    end = item.baseline_period_end
    points: dict[dt.date, int] = {}
    result = []
    for row in rows:
        if row.by is None and not str(row.value).strip():
            continue
        if row.by is None:
            raise PlanError(f"Row {row.row}: enter the date the value is aimed for by.",
                            f"by_{row.row}")
        if row.by <= end:
            raise PlanError(f"Row {row.row}: the date must be after the end of the baseline "
                            f"period ({item.baseline_period}, ending {end:%-d %B %Y}).",
                            f"by_{row.row}")
        if row.by in points:
            raise PlanError(f"Row {row.row}: row {points[row.by]} has a target by "
                            f"{row.by:%-d %B %Y} already: one value per date.", f"by_{row.row}")
        if not str(row.value).strip():
            raise PlanError(f"Row {row.row}: enter the value aimed for.", f"value_{row.row}")
        value = _number(row.value)
        if value is None:
            raise PlanError(f"Row {row.row}: the value must be a number, like 2640 or 12.5.",
                            f"value_{row.row}")
        points[row.by] = row.row
        result.append((row.by, value))
    return sorted(result)


@transaction.atomic
def set_targets(*, item: FrameworkMetric, rows: Iterable[TargetRow], by) -> list[TargetPoint]:
    """Replace the metric's target points with ``rows`` (a single target is one row, a
    trajectory several). The baseline must be set first: every date lies after its period.
    Points kept unchanged keep their records; History shows each point added, changed or
    removed."""
    _changeable(item)
    if item.baseline_period_end is None:
        raise PlanError("Set the baseline first: targets are measured from it.")
    points = checked_targets(item, rows)
    with change_set(by=by):
        existing = {t.period_end: t for t in item.targets.all()}
        wanted = dict(points)
        for on, target in existing.items():
            if on not in wanted:
                target.delete()
            elif target.value != wanted[on]:
                target.value = wanted[on]
                target.save()
        for on, value in points:
            if on not in existing:
                TargetPoint.objects.create(framework_metric=item, period_end=on, value=value)
    return list(item.targets.order_by("period_end"))


def change_from_baseline(item: FrameworkMetric, percent: float) -> float:
    """The value a change of ``percent`` from the baseline gives (20 → 20% more, -15 → 15%
    fewer)."""
    return item.baseline_value * (100 + percent) / 100


@transaction.atomic
def agree_framework(*, partnership: Partnership, meeting: Meeting, by) -> MilestoneCompletion:
    """The partnership agreed its performance framework at ``meeting`` (its own, not
    withdrawn, held by today): the milestone "Agree a local performance framework" is recorded
    as done on the meeting's date. Refused while no metric of the framework has a target."""
    problem = meeting_problem(meeting, partnership.pk, "the framework")
    if problem:
        raise PlanError(problem, "meeting")
    items = performance.live(partnership)
    with_targets = [i for i in items if i.targets.all()]
    if not with_targets:
        raise PlanError("No metric of the framework has a target yet: set the baselines and "
                        "targets the partnership agreed before recording its agreement.")
    with change_set(by=by):
        return MilestoneCompletion.objects.create(
            partnership=partnership, milestone_key=MILESTONE, completed_on=meeting.held_on,
            evidence=(f"Local performance framework ({len(with_targets)} of {len(items)} "
                      f"metrics with a target): agreed at {meeting.title} on "
                      f"{meeting.held_on:%-d %B %Y}")[:300],
            link=framework_url(partnership), recorded_by=by)
