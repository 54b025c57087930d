"""Every write to a needs assessment that touches more than one record, or that the guidance
rules on: starting one, writing a section, agreeing it at a meeting, the SRO's sign-off (which
freezes the figures and records the milestone), publishing it, and raising a finding to a
priority. Views stay thin and call these; each runs in one transaction and one change set, so
a failure changes nothing and the History shows one entry per step.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.core import clock
from cdphub.framework import guidance
from cdphub.partnerships.changesets import change_set
from cdphub.partnerships.models import Meeting, MilestoneCompletion, Partnership

from . import figures
from .agreement import meeting_problem
from .models import Assessment, Evidence, Finding, Priority, SectionNarrative

MILESTONE = "needs_assessment"


class AssessmentError(Exception):
    """A step the assessment's state does not allow. ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def assessment_url(assessment: Assessment) -> str:
    return reverse("partnerships:needs-assessment-detail",
                   args=[assessment.partnership.slug, assessment.pk])


def current(partnership: Partnership) -> Assessment | None:
    """The assessment in progress, else the newest signed off (None: there is none yet)."""
    return (partnership.assessments.in_progress().first()
            or partnership.assessments.signed_off().order_by("-signed_off_on", "-id").first())


@transaction.atomic
def start(*, partnership: Partnership, by, title: str = "") -> Assessment:
    """A new draft. Its sections start from the last signed-off assessment's narrative, so
    the next assessment revises the last rather than starting from nothing."""
    if partnership.assessments.in_progress().exists():
        raise AssessmentError("There is already an assessment in progress: finish or sign off "
                              "that one before starting another.")
    with change_set(by=by):
        assessment = Assessment.objects.create(
            partnership=partnership, created_by=by,
            title=title or f"Joint needs assessment {clock.today().year}")
        previous = partnership.assessments.signed_off().order_by("-signed_off_on", "-id").first()
        if previous is not None:  # one by one, so each section's history starts here
            for n in previous.narratives.all():
                if n.text.strip():
                    SectionNarrative.objects.create(assessment=assessment,
                                                    section_key=n.section_key, text=n.text,
                                                    updated_by=by)
    return assessment


def _editable(assessment: Assessment) -> None:
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentError(
            "This assessment can no longer be changed: it has been agreed"
            + (" and signed off." if assessment.is_signed_off else
               ". Return it to draft to change it."))


@transaction.atomic
def write_section(*, assessment: Assessment, section_key: str, text: str, by) -> SectionNarrative:
    guidance().assessment_section(section_key)  # KeyError: not a section
    _editable(assessment)
    with change_set(by=by):
        narrative, _ = SectionNarrative.objects.get_or_create(
            assessment=assessment, section_key=section_key)
        narrative.text = text.strip()
        narrative.updated_by = by
        narrative.save()
    return narrative


def _checked_finding(statement: str, severity: str) -> str:
    statement = statement.strip()
    if not statement:
        raise AssessmentError("Enter the finding.", "statement")
    if severity not in Finding.Severity.values:
        raise AssessmentError("Select how severe the finding is.", "severity")
    return statement


def _own_evidence(assessment: Assessment, evidence) -> list[Evidence]:
    """The evidence entries, each of the assessment's partnership and not withdrawn."""
    evidence = list(evidence)
    for entry in evidence:
        if entry.partnership_id != assessment.partnership_id or entry.withdrawn_at is not None:
            raise AssessmentError("Choose evidence from this partnership's evidence register.",
                                  "evidence")
    return evidence


@transaction.atomic
def add_finding(*, assessment: Assessment, section_key: str, statement: str, severity: str,
                evidence=(), by) -> Finding:
    """A finding in one section of a draft, with the evidence (this partnership's register)
    it rests on."""
    guidance().assessment_section(section_key)  # KeyError: not a section
    _editable(assessment)
    statement = _checked_finding(statement, severity)
    evidence = _own_evidence(assessment, evidence)
    with change_set(by=by):
        finding = Finding.objects.create(assessment=assessment, section_key=section_key,
                                         statement=statement, severity=severity, created_by=by)
        finding.evidence.set(evidence)
    return finding


@transaction.atomic
def change_finding(*, finding: Finding, statement: str, severity: str, evidence=(),
                   by) -> Finding:
    _editable(finding.assessment)
    statement = _checked_finding(statement, severity)
    evidence = _own_evidence(finding.assessment, evidence)
    with change_set(by=by):
        finding.statement = statement
        finding.severity = severity
        finding.save()
        finding.evidence.set(evidence)
    return finding


@transaction.atomic
def remove_finding(*, finding: Finding, by) -> None:
    """Remove a finding of a draft. A priority raised from it stays (the partnership decided
    on it), no longer linked to the finding."""
    _editable(finding.assessment)
    with change_set(by=by):
        finding.delete()


@transaction.atomic
def agree(*, assessment: Assessment, meeting: Meeting, by) -> Assessment:
    """The partnership agreed the draft at ``meeting`` (a meeting of the same partnership,
    not withdrawn, not in the future)."""
    _editable(assessment)
    problem = meeting_problem(meeting, assessment.partnership_id, "the assessment")
    if problem:
        raise AssessmentError(problem, "meeting")
    with change_set(by=by):
        assessment.status = Assessment.Status.AGREED
        assessment.agreed_at_meeting = meeting
        assessment.agreed_by = by
        assessment.save()
    return assessment


@transaction.atomic
def return_to_draft(*, assessment: Assessment, by) -> Assessment:
    if assessment.status != Assessment.Status.AGREED:
        raise AssessmentError("Only an agreed assessment that is not yet signed off can go back "
                              "to draft.")
    with change_set(by=by):
        assessment.status = Assessment.Status.DRAFT
        assessment.agreed_at_meeting = None
        assessment.agreed_by = None
        assessment.save()
    return assessment


@transaction.atomic
def sign_off(*, assessment: Assessment, by, request=None, on: dt.date | None = None) -> Assessment:
    """The SRO signs off an agreed assessment: its figures are frozen as they are today
    (``figures.build``), and the needs-assessment milestone is recorded as done on that day,
    with the assessment as its evidence, which starts the three-year clock to the next."""
    if assessment.status != Assessment.Status.AGREED:
        raise AssessmentError(
            "The assessment is signed off already." if assessment.is_signed_off else
            "The partnership must agree the assessment at a recorded meeting before the SRO "
            "signs it off.")
    on = on or clock.today()
    partnership = assessment.partnership
    with change_set(by=by):
        assessment.snapshot = figures.build(partnership, on)
        assessment.status = Assessment.Status.SIGNED_OFF
        assessment.signed_off_on = on
        assessment.signed_off_at = timezone.now()
        assessment.signed_off_by = by
        assessment.save()
        meeting = assessment.agreed_at_meeting
        MilestoneCompletion.objects.create(
            partnership=partnership, milestone_key=MILESTONE, completed_on=on,
            evidence=(f"{assessment.title}: agreed at {meeting.title} on "
                      f"{meeting.held_on:%-d %B %Y}, signed off by the SRO")[:300],
            link=assessment_url(assessment), recorded_by=by)
    audit.record(AuditEvent.Kind.SIGNED_OFF, request=request, actor=by,
                 target=f"Needs assessment {assessment.pk}", partnership_id=partnership.pk,
                 assessment=assessment.pk)
    return assessment


@transaction.atomic
def publish(*, assessment: Assessment, by) -> Assessment:
    if not assessment.is_signed_off:
        raise AssessmentError("Only a signed-off assessment can be published.")
    if assessment.is_published:
        raise AssessmentError("The assessment is published already.")
    with change_set(by=by):
        assessment.published_at = timezone.now()
        assessment.published_by = by
        assessment.save()
    return assessment


@transaction.atomic
def raise_priority(*, finding: Finding, title: str, description: str = "", by) -> Priority:
    """Make a finding one of the partnership's priorities (the delivery plan is built on
    them)."""
    title = title.strip()
    if not title:
        raise AssessmentError("Enter the priority's title.", "title")
    partnership = finding.assessment.partnership
    if partnership.priorities.filter(title__iexact=title,
                                     status=Priority.Status.ACTIVE).exists():
        raise AssessmentError(f"The partnership already has an active priority called "
                              f"\u201c{title}\u201d.", "title")
    with change_set(by=by):
        return Priority.objects.create(partnership=partnership, title=title,
                                       description=description.strip(), finding=finding,
                                       created_by=by)


def _refuse_duplicate_title(partnership: Partnership, title: str, *, but=None) -> str:
    title = title.strip()
    if not title:
        raise AssessmentError("Enter the priority's title.", "title")
    others = partnership.priorities.filter(title__iexact=title, status=Priority.Status.ACTIVE)
    if but is not None:
        others = others.exclude(pk=but.pk)
    if others.exists():
        raise AssessmentError(f"The partnership already has an active priority called "
                              f"\u201c{title}\u201d.", "title")
    return title


@transaction.atomic
def change_priority(*, priority: Priority, title: str, description: str = "", by) -> Priority:
    title = _refuse_duplicate_title(priority.partnership, title, but=priority)
    with change_set(by=by):
        priority.title = title
        priority.description = description.strip()
        priority.save()
    return priority


@transaction.atomic
def set_priority_status(*, priority: Priority, status: str, by) -> Priority:
    """Close a priority (the partnership no longer acts on it), or reopen a closed one (its
    title must not repeat an active priority's)."""
    if status not in Priority.Status.values:
        raise AssessmentError("Choose whether the priority is active or closed.", "status")
    if status == priority.status:
        raise AssessmentError(f"The priority is {priority.get_status_display().lower()} "
                              "already.")
    if status == Priority.Status.ACTIVE:
        _refuse_duplicate_title(priority.partnership, priority.title, but=priority)
    with change_set(by=by):
        priority.status = status
        priority.save()
    return priority
