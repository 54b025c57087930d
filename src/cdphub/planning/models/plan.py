"""The delivery plan and what surrounds it (Chapter 4, "Local plans" and "Review and update").

* ``Plan``: the partnership's local plan of action for a period (usually three years): draft,
  agreed at a recorded meeting (which records the delivery-plan milestone), then superseded
  when the next plan is agreed. At most one draft and one agreed plan at a time.
* ``PlanAction``: an action of a plan, under one of the partnership's priorities (from the
  needs assessment), mapped to one or more of the 15 Box 6 commitments (framework data:
  ``guidance().commitments``). An action carried into the next plan keeps its ``lineage``, so
  plans can be compared year on year. Actions are withdrawn (with a reason), never deleted.
* ``ActionMilestone``: a dated step of an action.
* ``QuarterlyUpdate``: the owner's status and short update for one quarter (financial-year
  quarters: April to June is Q1). The newest update sets the action's status.
* ``ReminderSent``: each reminder e-mailed (an action's update due soon, or overdue), so that
  ``cdphub send_reminders`` never sends the same one twice.
* ``FundingStream``: a grant or budget the partnership oversees; actions draw on one.
* ``FrameworkMetric`` and ``TargetPoint``: the local performance framework: a metric (national
  or the partnership's own local metric) with a frozen baseline and a target or trajectory.
* ``Risk``: the risks and disagreements log.

Records a plan names (a priority, a person, a funding stream, a metric, an organisation) are
held with RESTRICT, not PROTECT: none can be deleted while something of the plan names it,
yet deleting the whole partnership deletes them together.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from cdphub.framework import guidance
from cdphub.partnerships.models import Meeting, Organisation, Partnership, Person

from .assessment import Priority


def commitment_choices():
    return guidance().choices("commitments")


def _new_lineage() -> str:
    return uuid.uuid4().hex


class PlanQuerySet(models.QuerySet):
    def agreed(self):
        return self.filter(status=Plan.Status.AGREED)

    def drafts(self):
        return self.filter(status=Plan.Status.DRAFT)


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"
        SUPERSEDED = "superseded", "Superseded"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="plans")
    title = models.CharField(max_length=200, default="Delivery plan")
    starts_on = models.DateField("start of the plan's period")
    ends_on = models.DateField("end of the plan's period")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    #: The plan this one was started from (its open actions were carried over).
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    # Agreed by the partnership at a recorded meeting. RESTRICT as for the assessment: a
    # meeting that agreed a plan is withdrawn, never deleted.
    agreed_at_meeting = models.ForeignKey(Meeting, null=True, blank=True,
                                          on_delete=models.RESTRICT, related_name="+")
    agreed_on = models.DateField(null=True, blank=True)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    superseded_on = models.DateField(null=True, blank=True)
    # Quarterly updates: due this many days after each quarter ends; owners are reminded this
    # many days before that.
    update_due_days = models.PositiveSmallIntegerField(
        "days after the quarter's end that updates are due", default=14)
    reminder_days = models.PositiveSmallIntegerField(
        "days before the deadline that owners are reminded", default=7)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"], condition=Q(status="draft"), name="one_draft_plan",
                violation_error_message="The partnership already has a draft plan: agree or "
                "change that one."),
            models.UniqueConstraint(
                fields=["partnership"], condition=Q(status="agreed"), name="one_agreed_plan",
                violation_error_message="The partnership already has an agreed plan: a new "
                "one supersedes it when agreed."),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")),
                                   name="plan_period_in_order",
                                   violation_error_message="The plan must end after it starts."),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_on:%Y}–{self.ends_on:%Y} ({self.get_status_display().lower()})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_agreed(self) -> bool:
        return self.status == self.Status.AGREED

    def period_label(self) -> str:
        return f"{self.starts_on:%-d %B %Y} to {self.ends_on:%-d %B %Y}"


class FundingStream(models.Model):
    """A grant or budget the partnership oversees (for example the supplemental substance
    misuse treatment and recovery grant)."""

    class Arrangement(models.TextChoices):
        ALIGNED = "aligned", "Aligned (each organisation keeps its budget)"
        POOLED = "pooled", "Pooled (one budget for the partnership)"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="funding_streams")
    name = models.CharField(max_length=200)
    amount = models.DecimalField("amount (£)", max_digits=14, decimal_places=2)
    starts_on = models.DateField("start of the funding period")
    ends_on = models.DateField("end of the funding period")
    holder = models.ForeignKey(Organisation, on_delete=models.RESTRICT, related_name="+",
                               verbose_name="holding organisation")
    arrangement = models.CharField(max_length=20, choices=Arrangement.choices,
                                   default=Arrangement.ALIGNED)
    notes = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="funding_period_in_order",
                                   violation_error_message="The funding must end on or after "
                                   "it starts."),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%Y}–{self.ends_on:%Y})"


class PlanAction(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        OFF_TRACK = "off_track", "Off track"
        COMPLETE = "complete", "Complete"

    #: Worst first: a commitment's worst status is the first of these among its actions.
    SEVERITY = (Status.OFF_TRACK, Status.AT_RISK, Status.NOT_STARTED, Status.ON_TRACK,
                Status.COMPLETE)

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    priority = models.ForeignKey(Priority, on_delete=models.RESTRICT, related_name="actions")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    #: Keys of ``guidance().commitments`` (Box 6), at least one.
    commitments = models.JSONField(default=list)
    lead_organisation = models.ForeignKey(Organisation, on_delete=models.RESTRICT,
                                          related_name="+")
    owner = models.ForeignKey(Person, on_delete=models.RESTRICT, related_name="plan_actions",
                              help_text="The named person who records the quarterly updates.")
    starts_on = models.DateField("start date")
    due_on = models.DateField("due date")
    funding_stream = models.ForeignKey(FundingStream, null=True, blank=True,
                                       on_delete=models.RESTRICT, related_name="actions")
    metrics = models.ManyToManyField("outcomes.Metric", blank=True, related_name="+",
                                     help_text="The metrics the action is meant to move.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    commentary = models.TextField("status commentary", blank=True)
    completed_on = models.DateField(null=True, blank=True)
    #: The meeting that agreed the action, if one did (governance records).
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    #: The same action across plans: an action carried into the next plan keeps it.
    lineage = models.CharField(max_length=32, default=_new_lineage, editable=False)
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    withdrawal_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords(m2m_fields=[metrics])

    class Meta:
        ordering = ["plan", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=models.F("starts_on")),
                                   name="action_dates_in_order",
                                   violation_error_message="The due date must be on or after "
                                   "the start date."),
            models.UniqueConstraint(fields=["plan", "lineage"], name="one_action_per_lineage"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_complete(self) -> bool:
        return self.status == self.Status.COMPLETE

    def is_overdue(self, today: dt.date) -> bool:
        """Past its due date and not complete."""
        return not self.is_complete and not self.is_withdrawn and self.due_on < today

    def commitment_labels(self) -> list[str]:
        return [guidance().label("commitments", key) for key in self.commitments]


class ActionMilestone(models.Model):
    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=300)
    due_on = models.DateField("due date")
    done_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class QuarterlyUpdate(models.Model):
    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="updates")
    #: The first day of the quarter (1 April, 1 July, 1 October or 1 January).
    quarter_start = models.DateField()
    status = models.CharField(max_length=20, choices=PlanAction.Status.choices)
    text = models.TextField("update")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "-quarter_start"]
        constraints = [models.UniqueConstraint(fields=["action", "quarter_start"],
                                               name="one_update_per_action_quarter")]

    def __str__(self) -> str:
        return f"{self.action} — {self.quarter_start:%B %Y}"


class ReminderSent(models.Model):
    """One reminder e-mailed to one person about one action's update for one quarter."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Update due soon"
        OVERDUE = "overdue", "Update overdue"

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="reminders")
    quarter_start = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.EmailField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "id"]
        constraints = [models.UniqueConstraint(
            fields=["action", "quarter_start", "kind", "recipient"], name="one_reminder_each")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"


class FrameworkMetric(models.Model):
    """One metric of the partnership's local performance framework."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        ANNUAL = "annual", "Annually"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="framework_metrics")
    metric = models.ForeignKey("outcomes.Metric", on_delete=models.RESTRICT, related_name="+")
    owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.RESTRICT,
                              related_name="+")
    frequency = models.CharField("reporting frequency", max_length=20,
                                 choices=Frequency.choices, default=Frequency.QUARTERLY)
    # The baseline, taken from the stored figures and frozen when set.
    baseline_period = models.CharField(max_length=60, blank=True)
    baseline_period_end = models.DateField(null=True, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_set_at = models.DateTimeField(null=True, blank=True)
    baseline_set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "id"]
        constraints = [models.UniqueConstraint(
            fields=["partnership", "metric"], condition=Q(withdrawn_at__isnull=True),
            name="one_framework_entry_per_metric",
            violation_error_message="That metric is in the framework already.")]

    def __str__(self) -> str:
        return str(self.metric)


class TargetPoint(models.Model):
    """A point of a framework metric's trajectory: the value aimed for by the end of a
    period. A single target is a trajectory of one point."""

    framework_metric = models.ForeignKey(FrameworkMetric, on_delete=models.CASCADE,
                                         related_name="targets")
    period_end = models.DateField("by")
    value = models.FloatField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework_metric", "period_end"]
        constraints = [models.UniqueConstraint(fields=["framework_metric", "period_end"],
                                               name="one_target_per_date")]

    def __str__(self) -> str:
        return f"{self.value:g} by {self.period_end:%-d %B %Y}"


class Risk(models.Model):
    """An entry in the risks and disagreements log (the terms of reference set out how
    disagreements are resolved and risks managed)."""

    class Kind(models.TextChoices):
        RISK = "risk", "Risk"
        DISAGREEMENT = "disagreement", "Disagreement"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ESCALATED = "escalated", "Escalated"
        CLOSED = "closed", "Resolved or closed"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="risks")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RISK)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.RESTRICT,
                              related_name="+")
    likelihood = models.PositiveSmallIntegerField(help_text="1 (rare) to 5 (almost certain)")
    impact = models.PositiveSmallIntegerField(help_text="1 (negligible) to 5 (severe)")
    mitigation = models.TextField(blank=True)
    escalation = models.TextField(blank=True, help_text="To whom it was escalated, and when.")
    resolution = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    raised_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "-raised_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5,
                                               impact__gte=1, impact__lte=5),
                                   name="risk_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def rating(self) -> int:
        """Likelihood × impact (1 to 25)."""
        return self.likelihood * self.impact

    @property
    def rating_band(self) -> str:
        return "High" if self.rating >= 15 else "Medium" if self.rating >= 8 else "Low"
