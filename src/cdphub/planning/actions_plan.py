"""Every write to a delivery plan and its actions: starting a plan (carrying over the open
actions of the plan in force), agreeing it at a meeting (which supersedes the previous plan
and records the delivery-plan milestone), adding, changing and withdrawing actions, and
recording an action's quarterly update. Each runs in one transaction and one change set, so a
failure changes nothing and the History shows one entry per step. Every record an action
names (priority, organisation, owner, funding stream, metric, meeting) must belong to the
plan's own partnership: a form that offered another's is refused here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cdphub.core import clock
from cdphub.framework import guidance
from cdphub.partnerships.changesets import change_set
from cdphub.partnerships.models import Meeting, MilestoneCompletion, Partnership, Person

from . import plans
from .agreement import meeting_problem
from .models import ActionMilestone, FundingStream, Plan, PlanAction, Priority, QuarterlyUpdate
from .quarters import Quarter

MILESTONE = "delivery_plan"


class PlanError(Exception):
    """A step the plan's state does not allow, or a value it refuses. ``field`` names the form
    field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def plan_url(plan: Plan) -> str:
    return reverse("partnerships:plan-detail", args=[plan.partnership.slug, plan.pk])


def _checked_period(starts_on: dt.date, ends_on: dt.date) -> None:
    if starts_on is None:
        raise PlanError("Enter the date the plan starts.", "starts_on")
    if ends_on is None:
        raise PlanError("Enter the date the plan ends.", "ends_on")
    if ends_on <= starts_on:
        raise PlanError("The plan must end after it starts.", "ends_on")


@transaction.atomic
def start_plan(*, partnership: Partnership, starts_on: dt.date, ends_on: dt.date, by,
               title: str = "") -> Plan:
    """A new draft plan. The open actions of the plan in force (not complete, not withdrawn)
    are carried into it, keeping their lineage, so the next plan revises the last."""
    if partnership.plans.drafts().exists():
        raise PlanError("There is already a draft plan: agree or change that one rather than "
                        "starting another.")
    _checked_period(starts_on, ends_on)
    previous = partnership.plans.agreed().first()
    with change_set(by=by):
        plan = Plan.objects.create(
            partnership=partnership, title=(title.strip() or "Delivery plan")[:200],
            starts_on=starts_on, ends_on=ends_on, previous=previous, created_by=by,
            update_due_days=previous.update_due_days if previous else 14,
            reminder_days=previous.reminder_days if previous else 7)
        if previous is not None:
            for old in previous.actions.filter(withdrawn_at__isnull=True).exclude(
                    status=PlanAction.Status.COMPLETE).prefetch_related("metrics", "milestones"):
                new = PlanAction.objects.create(
                    plan=plan, priority=old.priority, title=old.title,
                    description=old.description, commitments=list(old.commitments),
                    lead_organisation=old.lead_organisation, owner=old.owner,
                    starts_on=old.starts_on, due_on=old.due_on,
                    funding_stream=old.funding_stream, status=old.status,
                    commentary=old.commentary, meeting=old.meeting, lineage=old.lineage,
                    carried_from=old, created_by=by)
                new.metrics.set(old.metrics.all())
                for m in old.milestones.all():
                    ActionMilestone.objects.create(action=new, title=m.title, due_on=m.due_on,
                                                   done_on=m.done_on)
    return plan


def _changeable(plan: Plan) -> None:
    if plan.status == Plan.Status.SUPERSEDED:
        raise PlanError("This plan has been superseded by a later one and can no longer be "
                        "changed.")


@transaction.atomic
def change_plan(*, plan: Plan, title: str, starts_on: dt.date, ends_on: dt.date,
                update_due_days: int, reminder_days: int, by) -> Plan:
    _changeable(plan)
    _checked_period(starts_on, ends_on)
    if not title.strip():
        raise PlanError("Enter the plan's title.", "title")
    if not 0 <= update_due_days <= 90:
        raise PlanError("Updates must be due between 0 and 90 days after the quarter ends.",
                        "update_due_days")
    if not 1 <= reminder_days <= 60:
        raise PlanError("Remind owners between 1 and 60 days before the deadline.",
                        "reminder_days")
    with change_set(by=by):
        plan.title, plan.starts_on, plan.ends_on = title.strip()[:200], starts_on, ends_on
        plan.update_due_days, plan.reminder_days = update_due_days, reminder_days
        plan.save()
    return plan


@transaction.atomic
def agree_plan(*, plan: Plan, meeting: Meeting, by) -> Plan:
    """The partnership agreed the draft at ``meeting`` (of the same partnership, not
    withdrawn, not in the future). The plan in force until then is superseded, and the
    delivery-plan milestone is recorded as done on the meeting's date, which starts the clock
    to the next plan."""
    if not plan.is_draft:
        raise PlanError("Only a draft plan can be agreed.")
    problem = meeting_problem(meeting, plan.partnership_id, "the plan")
    if problem:
        raise PlanError(problem, "meeting")
    if not plan.actions.filter(withdrawn_at__isnull=True).exists():
        raise PlanError("The plan has no actions yet: add the actions the partnership agreed "
                        "before recording its agreement.")
    partnership = plan.partnership
    with change_set(by=by):
        for old in partnership.plans.agreed().exclude(pk=plan.pk):
            old.status = Plan.Status.SUPERSEDED
            old.superseded_on = meeting.held_on
            old.save()
        plan.status = Plan.Status.AGREED
        plan.agreed_at_meeting = meeting
        plan.agreed_on = meeting.held_on
        plan.agreed_by = by
        plan.save()
        MilestoneCompletion.objects.create(
            partnership=partnership, milestone_key=MILESTONE, completed_on=meeting.held_on,
            evidence=(f"{plan.title} ({plan.period_label()}): agreed at {meeting.title} on "
                      f"{meeting.held_on:%-d %B %Y}")[:300],
            link=plan_url(plan), recorded_by=by)
    return plan


# --- actions --------------------------------------------------------------------------------


def _checked_action(plan: Plan, *, priority: Priority, title: str, commitments: Iterable[str],
                    lead_organisation, owner: Person, starts_on: dt.date, due_on: dt.date,
                    funding_stream: FundingStream | None, metrics, meeting: Meeting | None):
    partnership = plan.partnership
    if not title.strip():
        raise PlanError("Enter what the action is.", "title")
    if priority is None or priority.partnership_id != partnership.pk:
        raise PlanError("Choose one of this partnership's priorities.", "priority")
    if priority.status != Priority.Status.ACTIVE:
        raise PlanError(f"The priority '{priority.title}' is closed: choose an active one.",
                        "priority")
    keys = {c.key for c in guidance().commitments}
    commitments = list(dict.fromkeys(commitments))
    if not commitments:
        raise PlanError("Choose at least one of the 15 national commitments the action "
                        "delivers.", "commitments")
    unknown = [c for c in commitments if c not in keys]
    if unknown:
        raise PlanError(f"Not a national commitment: {', '.join(unknown)}.", "commitments")
    if starts_on is None:
        raise PlanError("Enter the date the action starts.", "starts_on")
    if due_on is None:
        raise PlanError("Enter the date the action is due.", "due_on")
    if due_on < starts_on:
        raise PlanError("The due date must be on or after the start date.", "due_on")
    if lead_organisation is None or not plans.member_organisations(
            partnership, clock.today()).filter(pk=lead_organisation.pk).exists():
        raise PlanError("Choose one of the partnership's member organisations to lead the "
                        "action.", "lead_organisation")
    if owner is None or owner.partnership_id != partnership.pk:
        raise PlanError("Choose the action's owner from the partnership's people.", "owner")
    if funding_stream is not None and (funding_stream.partnership_id != partnership.pk
                                       or funding_stream.withdrawn_at is not None):
        raise PlanError("Choose a funding stream from this partnership's register.",
                        "funding_stream")
    metrics = list(metrics)
    for metric in metrics:
        if metric.kind == "local" and metric.partnership_id != partnership.pk:
            raise PlanError("Choose national metrics or this partnership's own local metrics.",
                            "metrics")
    if meeting is not None and (meeting.partnership_id != partnership.pk
                                or meeting.is_withdrawn):
        raise PlanError("Choose a meeting of this partnership that was not withdrawn.",
                        "meeting")
    return commitments, metrics


@transaction.atomic
def add_action(*, plan: Plan, priority: Priority, title: str, commitments: Iterable[str],
               lead_organisation, owner: Person, starts_on: dt.date, due_on: dt.date,
               description: str = "", funding_stream: FundingStream | None = None,
               metrics=(), meeting: Meeting | None = None, by) -> PlanAction:
    _changeable(plan)
    commitments, metrics = _checked_action(
        plan, priority=priority, title=title, commitments=commitments,
        lead_organisation=lead_organisation, owner=owner, starts_on=starts_on, due_on=due_on,
        funding_stream=funding_stream, metrics=metrics, meeting=meeting)
    with change_set(by=by):
        action = PlanAction.objects.create(
            plan=plan, priority=priority, title=title.strip()[:300],
            description=description.strip(), commitments=commitments,
            lead_organisation=lead_organisation, owner=owner, starts_on=starts_on,
            due_on=due_on, funding_stream=funding_stream, meeting=meeting, created_by=by)
        action.metrics.set(metrics)
    return action


@transaction.atomic
def change_action(*, action: PlanAction, priority: Priority, title: str,
                  commitments: Iterable[str], lead_organisation, owner: Person,
                  starts_on: dt.date, due_on: dt.date, description: str = "",
                  funding_stream: FundingStream | None = None, metrics=(),
                  meeting: Meeting | None = None, by) -> PlanAction:
    _changeable(action.plan)
    if action.is_withdrawn:
        raise PlanError("This action was withdrawn and can no longer be changed.")
    commitments, metrics = _checked_action(
        action.plan, priority=priority, title=title, commitments=commitments,
        lead_organisation=lead_organisation, owner=owner, starts_on=starts_on, due_on=due_on,
        funding_stream=funding_stream, metrics=metrics, meeting=meeting)
    with change_set(by=by):
        action.priority, action.title = priority, title.strip()[:300]
        action.description, action.commitments = description.strip(), commitments
        action.lead_organisation, action.owner = lead_organisation, owner
        action.starts_on, action.due_on = starts_on, due_on
        action.funding_stream, action.meeting = funding_stream, meeting
        action.save()
        action.metrics.set(metrics)
    return action


@transaction.atomic
def withdraw_action(*, action: PlanAction, reason: str, by) -> PlanAction:
    """Take an action out of the plan (it stays in the plan's history, and in comparisons as
    dropped)."""
    _changeable(action.plan)
    if action.is_withdrawn:
        raise PlanError("This action was withdrawn already.")
    if not reason.strip():
        raise PlanError("Say why the action is withdrawn.", "reason")
    with change_set(by=by):
        action.withdrawn_at = timezone.now()
        action.withdrawn_by = by
        action.withdrawal_reason = reason.strip()
        action.save()
    return action


def _apply_status(action: PlanAction, status: str, commentary: str, on: dt.date) -> None:
    if status not in PlanAction.Status.values:
        raise PlanError("Choose the action's status.", "status")
    action.status = status
    action.commentary = commentary.strip()
    if status == PlanAction.Status.COMPLETE:
        action.completed_on = action.completed_on or on
    else:
        action.completed_on = None


@transaction.atomic
def set_status(*, action: PlanAction, status: str, commentary: str, by) -> PlanAction:
    """Change the action's status and commentary between quarterly updates."""
    _changeable(action.plan)
    if action.is_withdrawn:
        raise PlanError("This action was withdrawn and can no longer be changed.")
    with change_set(by=by):
        _apply_status(action, status, commentary, clock.today())
        action.save()
    return action


@transaction.atomic
def record_update(*, action: PlanAction, quarter: Quarter, status: str, text: str,
                  by) -> QuarterlyUpdate:
    """The owner's update for ``quarter`` (one per action and quarter: recording it again
    corrects it). The quarter must have begun and the action must have started by its end.
    The newest quarter's update sets the action's status and commentary."""
    _changeable(action.plan)
    if action.is_withdrawn:
        raise PlanError("This action was withdrawn: it needs no more updates.")
    today = clock.today()
    if quarter.start > today:
        raise PlanError(f"{quarter.label} has not begun yet.", "quarter")
    if action.starts_on > quarter.end:
        raise PlanError(f"The action starts on {action.starts_on:%-d %B %Y}, after "
                        f"{quarter.label} ended.", "quarter")
    if not text.strip():
        raise PlanError("Write a short update: what was done this quarter, and what is next.",
                        "text")
    if status not in PlanAction.Status.values:
        raise PlanError("Choose the action's status.", "status")
    with change_set(by=by):
        update, _ = QuarterlyUpdate.objects.update_or_create(
            action=action, quarter_start=quarter.start,
            # A correction is recorded now, by whoever corrected it (auto_now_add alone would
            # keep the first recording's time beside the corrector's name).
            defaults={"status": status, "text": text.strip(), "recorded_by": by,
                      "recorded_at": timezone.now()})
        newest = action.updates.order_by("-quarter_start").values_list(
            "quarter_start", flat=True).first()
        if newest == quarter.start:
            _apply_status(action, status, text, min(today, quarter.end))
            action.save()
    return update


# --- an action's milestones -----------------------------------------------------------------


def _action_changeable(action: PlanAction) -> None:
    _changeable(action.plan)
    if action.is_withdrawn:
        raise PlanError("This action was withdrawn and can no longer be changed.")


def _checked_milestone(title: str, due_on: dt.date | None, done_on: dt.date | None) -> str:
    if not title.strip():
        raise PlanError("Enter what the milestone is.", "title")
    if due_on is None:
        raise PlanError("Enter the date the milestone is due.", "due_on")
    if done_on is not None and done_on > clock.today():
        raise PlanError("The date it was done cannot be in the future.", "done_on")
    return title.strip()[:300]


@transaction.atomic
def add_milestone(*, action: PlanAction, title: str, due_on: dt.date,
                  done_on: dt.date | None = None, by) -> ActionMilestone:
    """A dated step of an action (of a plan not superseded; the action not withdrawn)."""
    _action_changeable(action)
    title = _checked_milestone(title, due_on, done_on)
    with change_set(by=by):
        return ActionMilestone.objects.create(action=action, title=title, due_on=due_on,
                                              done_on=done_on)


@transaction.atomic
def change_milestone(*, milestone: ActionMilestone, title: str, due_on: dt.date,
                     done_on: dt.date | None, by) -> ActionMilestone:
    """Correct a milestone's wording and due date, and record (or clear) the day it was
    done."""
    _action_changeable(milestone.action)
    title = _checked_milestone(title, due_on, done_on)
    with change_set(by=by):
        milestone.title, milestone.due_on, milestone.done_on = title, due_on, done_on
        milestone.save()
    return milestone


@transaction.atomic
def mark_milestone_done(*, milestone: ActionMilestone, on: dt.date | None = None,
                        by) -> ActionMilestone:
    """Record that a milestone was done on ``on`` (today unless given)."""
    return change_milestone(milestone=milestone, title=milestone.title,
                            due_on=milestone.due_on, done_on=on or clock.today(), by=by)


@transaction.atomic
def remove_milestone(*, milestone: ActionMilestone, by) -> None:
    """Take a milestone off the action (its versions stay in the History)."""
    _action_changeable(milestone.action)
    with change_set(by=by):
        milestone.delete()
