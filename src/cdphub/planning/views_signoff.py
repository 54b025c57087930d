"""Findings, priorities and the sign-off steps of a needs assessment.

* Findings are added, changed and removed by the partnership's members while the assessment
  is a draft; the SRO and leads raise a finding to a partnership priority (of a signed-off
  assessment too: priorities carry forward into planning).
* The steps: the SRO or a lead records the meeting that agreed the draft (and can return it
  to draft); the SRO, with the second factor, signs it off; the SRO or a lead publishes it.
* The partnership's priorities: every priority, changed, closed and reopened by the SRO and
  leads, and downloaded as CSV or XLSX.

Every view loads the partnership by the URL's slug and the assessment, finding or priority
among that partnership's own, so a record of another partnership is not found (404). The
writes are ``planning.actions``; an ``AssessmentError`` is shown on the page and changes
nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import DATE, DATETIME, About, Column, Table, table_response
from cdphub.framework import guidance
from cdphub.framework.milestones import add_months
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import actions, lookups, plans
from .forms_signoff import AgreeForm, FindingForm, PriorityForm
from .models import Assessment, Finding, Priority

VIEW = "planning.view_assessment"
CHANGE = "planning.change_assessment"
LEAD = "planning.agree_assessment"
SIGN_OFF = "planning.sign_off_assessment"




def _finding(assessment: Assessment, pk: int) -> Finding:
    return get_object_or_404(assessment.findings.select_related("assessment__partnership"),
                             pk=pk)


def _priority(partnership: Partnership, pk: int) -> Priority:
    return get_object_or_404(partnership.priorities.select_related(
        "finding__assessment", "partnership"), pk=pk)


def _context(request, partnership: Partnership, **extra) -> dict:
    return {"partnership": partnership, "section": "needs_assessment",
            "partnership_sections": sections_for(partnership.slug), "today": today(), **extra}


def _apply_error(form, error: actions.AssessmentError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _section(key: str):
    try:
        return guidance().assessment_section(key)
    except KeyError:
        raise Http404("No such section of the needs assessment.") from None


def _back_to(assessment: Assessment, anchor: str = ""):
    return redirect(actions.assessment_url(assessment) + (f"#{anchor}" if anchor else ""))


def _refuse_unless_draft(request, assessment: Assessment):
    if assessment.status != Assessment.Status.DRAFT:
        messages.error(request, "Findings can be added, changed or removed only while the "
                                "assessment is a draft"
                       + (": it is signed off." if assessment.is_signed_off else
                          ". It has been agreed: return it to draft to change it."))
        return _back_to(assessment)
    return None


# --------------------------------------------------------------------------- findings


@access(CHANGE, load=lookups.partnership)
def finding_add(request, partnership: Partnership, slug: str, pk: int, section: str):
    assessment = lookups.assessment(partnership, pk)
    section_ = _section(section)
    if refused := _refuse_unless_draft(request, assessment):
        return refused
    form = FindingForm(data=request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_finding(assessment=assessment, section_key=section_.key,
                                statement=data["statement"], severity=data["severity"],
                                evidence=data["evidence"], by=request.user)
        except actions.AssessmentError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"The finding is added to \u201c{section_.label}\u201d.")
            return _back_to(assessment, f"section-{section_.key}")
    return render(request, "planning/finding_form.html", _context(
        request, partnership, assessment=assessment, form=form, assessment_section=section_))


@access(CHANGE, load=lookups.partnership)
def finding_edit(request, partnership: Partnership, slug: str, pk: int, fpk: int):
    assessment = lookups.assessment(partnership, pk)
    finding = _finding(assessment, fpk)
    if refused := _refuse_unless_draft(request, assessment):
        return refused
    form = FindingForm(data=request.POST or None, partnership=partnership, finding=finding)
    section_ = _section(finding.section_key)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.change_finding(finding=finding, statement=data["statement"],
                                   severity=data["severity"], evidence=data["evidence"],
                                   by=request.user)
        except actions.AssessmentError as error:
            _apply_error(form, error)
        else:
            messages.success(request, "The finding is updated.")
            return _back_to(assessment, f"section-{section_.key}")
    return render(request, "planning/finding_form.html", _context(
        request, partnership, assessment=assessment, form=form, finding=finding,
        assessment_section=section_))


@access(CHANGE, load=lookups.partnership)
def finding_remove(request, partnership: Partnership, slug: str, pk: int, fpk: int):
    assessment = lookups.assessment(partnership, pk)
    finding = _finding(assessment, fpk)
    if refused := _refuse_unless_draft(request, assessment):
        return refused
    error = ""
    if request.method == "POST":
        try:
            actions.remove_finding(finding=finding, by=request.user)
        except actions.AssessmentError as problem:
            error = problem.message
        else:
            messages.success(request, "The finding is removed.")
            return _back_to(assessment, f"section-{finding.section_key}")
    return render(request, "planning/finding_remove.html", _context(
        request, partnership, assessment=assessment, finding=finding, error=error,
        assessment_section=_section(finding.section_key),
        priorities=list(finding.priorities.all())))


@access(LEAD, load=lookups.partnership)
def finding_raise(request, partnership: Partnership, slug: str, pk: int, fpk: int):
    assessment = lookups.assessment(partnership, pk)
    finding = _finding(assessment, fpk)
    form = PriorityForm(data=request.POST or None, finding=finding)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            priority = actions.raise_priority(finding=finding, title=data["title"],
                                              description=data["description"], by=request.user)
        except actions.AssessmentError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{priority.title}\u201d is one of the "
                                      "partnership's priorities.")
            return redirect("partnerships:priorities", slug)
    return render(request, "planning/priority_raise.html", _context(
        request, partnership, assessment=assessment, finding=finding, form=form,
        assessment_section=_section(finding.section_key),
        raised=list(finding.priorities.all())))


# --------------------------------------------------------------------------- the steps


@access(LEAD, load=lookups.partnership)
def agree(request, partnership: Partnership, slug: str, pk: int):
    assessment = lookups.assessment(partnership, pk)
    on = today()
    form = AgreeForm(data=request.POST or None, partnership=partnership, on=on)
    if request.method == "POST" and form.is_valid():
        try:
            actions.agree(assessment=assessment, meeting=form.cleaned_data["meeting"],
                          by=request.user)
        except actions.AssessmentError as error:
            _apply_error(form, error)
        else:
            messages.success(request, "The partnership's agreement is recorded: the SRO can "
                                      "now sign the assessment off.")
            return _back_to(assessment, "sign-off")
    return render(request, "planning/signoff_agree.html", _context(
        request, partnership, assessment=assessment, form=form,
        can_agree=assessment.status == Assessment.Status.DRAFT))


def _confirmed_step(request, partnership, assessment, *, step, template, done, **extra):
    """A step with nothing to fill in: GET asks to confirm, POST takes the step (an
    ``AssessmentError`` is shown on the page)."""
    error = ""
    if request.method == "POST":
        try:
            step()
        except actions.AssessmentError as problem:
            error = problem.message
        else:
            messages.success(request, done)
            return _back_to(assessment, "sign-off")
    return render(request, template, _context(request, partnership, assessment=assessment,
                                              error=error, **extra))


@access(LEAD, load=lookups.partnership)
def return_to_draft(request, partnership: Partnership, slug: str, pk: int):
    assessment = lookups.assessment(partnership, pk)
    return _confirmed_step(
        request, partnership, assessment,
        step=lambda: actions.return_to_draft(assessment=assessment, by=request.user),
        template="planning/signoff_return.html",
        done="The assessment is back in draft: it can be changed, then agreed again.")


@access(SIGN_OFF, load=lookups.partnership)
def sign_off(request, partnership: Partnership, slug: str, pk: int):
    assessment = lookups.assessment(partnership, pk)
    on = today()
    milestone = next(m for m in guidance().milestones if m.key == actions.MILESTONE)
    return _confirmed_step(
        request, partnership, assessment,
        step=lambda: actions.sign_off(assessment=assessment, by=request.user,
                                      request=request),
        template="planning/signoff_sign_off.html",
        done=f"The assessment is signed off: its figures are frozen as at {on:%-d %B %Y}, "
             "and the needs assessment milestone is recorded as done.",
        on=on, milestone=milestone, next_due=add_months(on, milestone.recurrence_months))


@access(LEAD, load=lookups.partnership)
def publish(request, partnership: Partnership, slug: str, pk: int):
    assessment = lookups.assessment(partnership, pk)
    return _confirmed_step(
        request, partnership, assessment,
        step=lambda: actions.publish(assessment=assessment, by=request.user),
        template="planning/signoff_publish.html",
        done="The assessment is marked as published.")


# --------------------------------------------------------------------------- priorities


def _priority_rows(partnership: Partnership) -> list[Priority]:
    return list(partnership.priorities.select_related("finding__assessment", "created_by")
                .order_by("status", "pk"))


@access(VIEW, load=lookups.partnership)
def priorities(request, partnership: Partnership, slug: str):
    rows = _priority_rows(partnership)
    # The delivery plan an action may be added to, for those who may change it.
    action_plan = (plans.current_plan(partnership)
                   if request.user.has_perm("planning.change_plan", partnership) else None)
    return render(request, "planning/priorities.html", _context(
        request, partnership, priorities=rows,
        active=[p for p in rows if p.status == Priority.Status.ACTIVE],
        closed=[p for p in rows if p.status == Priority.Status.CLOSED],
        can_lead=request.user.has_perm(LEAD, partnership), action_plan=action_plan))


PRIORITY_COLUMNS = [
    Column("partnership", "Partnership"), Column("partnership_code", "Partnership code"),
    Column("title", "Priority"), Column("description", "Description"),
    Column("status", "Status"), Column("finding", "Finding"),
    Column("section", "Section of the needs assessment"),
    Column("severity", "Severity of the finding"),
    Column("assessment", "Needs assessment"),
    Column("signed_off_on", "Assessment signed off on", DATE),
    Column("created_at", "Raised at", DATETIME),
    Column("link", "Link to the needs assessment"),
]


@access(VIEW, load=lookups.partnership)
def priorities_download(request, partnership: Partnership, slug: str, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("Downloads are CSV or XLSX.")
    page = request.build_absolute_uri(reverse("partnerships:priorities", args=[slug]))
    rows = []
    for priority in _priority_rows(partnership):
        finding = priority.finding
        assessment = finding.assessment if finding else None
        rows.append({
            "partnership": partnership.name, "partnership_code": partnership.slug,
            "title": priority.title, "description": priority.description,
            "status": priority.get_status_display(),
            "finding": finding.statement if finding else "",
            "section": finding.get_section_key_display() if finding else "",
            "severity": finding.get_severity_display() if finding else "",
            "assessment": assessment.title if assessment else "",
            "signed_off_on": assessment.signed_off_on if assessment else None,
            "created_at": priority.created_at,
            "link": (request.build_absolute_uri(actions.assessment_url(assessment))
                     if assessment else ""),
        })
    audit.record(AuditEvent.Kind.EXPORT, request=request, partnership_id=partnership.pk,
                 target=f"priorities of {partnership.slug} ({fmt.upper()})")
    about = About(title=f"Priorities: {partnership.name}", source="cdphub needs assessments",
                  url=page, filters=[("Partnership", partnership.name)],
                  notes=["A priority raised from a finding names the finding and the needs "
                         "assessment it came from."])
    return table_response(Table(PRIORITY_COLUMNS, rows, about, sheet="Priorities"), fmt,
                          f"{partnership.slug}-priorities")


@access(LEAD, load=lookups.partnership)
def priority_edit(request, partnership: Partnership, slug: str, pk: int):
    priority = _priority(partnership, pk)
    form = PriorityForm(data=request.POST or None, priority=priority)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.change_priority(priority=priority, title=data["title"],
                                    description=data["description"], by=request.user)
        except actions.AssessmentError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{priority.title}\u201d is updated.")
            return redirect("partnerships:priorities", slug)
    return render(request, "planning/priority_form.html", _context(
        request, partnership, priority=priority, form=form))


@access(LEAD, load=lookups.partnership)
def priority_status(request, partnership: Partnership, slug: str, pk: int):
    """Close an active priority, or reopen a closed one (GET asks to confirm)."""
    priority = _priority(partnership, pk)
    target = (Priority.Status.CLOSED if priority.status == Priority.Status.ACTIVE
              else Priority.Status.ACTIVE)
    error = ""
    if request.method == "POST":
        # The status the confirming page offered: posted twice, or after someone else's
        # change, it is refused rather than undoing what was just done.
        target = request.POST.get("status", "")
        try:
            actions.set_priority_status(priority=priority, status=target, by=request.user)
        except actions.AssessmentError as problem:
            error = problem.message
        else:
            messages.success(request, f"\u201c{priority.title}\u201d is "
                                      f"{'closed' if target == Priority.Status.CLOSED else 'reopened'}.")
            return redirect("partnerships:priorities", slug)
    return render(request, "planning/priority_status.html", _context(
        request, partnership, priority=priority, closing=target == Priority.Status.CLOSED,
        error=error))
