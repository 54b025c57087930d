"""A partnership's progress reports, under ``<slug>/reports/`` (names in the 'partnerships'
namespace): the list of reports by year; starting one; a report's page with its workflow
(sign-off by the SRO with the second factor, submission, publication); its narrative, data
date and case studies; and every submitted version, served exactly as it was stored.

Every view loads the partnership by the URL's slug and the report, case study or submission
only among that partnership's own (``lookups``), so another partnership's is not found (404).
Every write is a ``reporting.actions`` step; a ``ReportError`` is shown on the form field it
names and changes nothing.
"""

from __future__ import annotations

from csp.decorators import csp_replace
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import actions, build, lookups
from . import render as document
from .forms import CaseStudyForm, DataDateForm, NarrativeForm, StartReportForm
from .models import NARRATIVE_SECTIONS, Report, Submission
from .years import last_completed

VIEW = "reporting.view_report"
CHANGE = "reporting.change_report"
SIGN_OFF = "reporting.sign_off_report"
SUBMIT = "reporting.submit_report"
PUBLISH = "reporting.publish_report"
SECTION = "reports"

STATUS_TAG = {Report.Status.DRAFT: "govuk-tag--grey", Report.Status.SIGNED_OFF: "govuk-tag--blue",
              Report.Status.SUBMITTED: "govuk-tag--turquoise",
              Report.Status.PUBLISHED: "govuk-tag--green"}


def _context(request, partnership: Partnership, **extra) -> dict:
    return {"partnership": partnership, "section": SECTION,
            "partnership_sections": sections_for(partnership.slug), "today": today(),
            "can_change": request.user.has_perm(CHANGE, partnership), **extra}


def _apply_error(form, error: actions.ReportError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _back_to(report: Report, anchor: str = ""):
    return redirect(actions.report_url(report) + (f"#{anchor}" if anchor else ""))


def _optional_url(name: str, *args) -> str:
    """A URL another part of the service may not have yet (the document and its PDF)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def current_submission(report: Report) -> Submission | None:
    """The stored copy of the version the report is at, once it is submitted."""
    if report.status in (Report.Status.SUBMITTED, Report.Status.PUBLISHED):
        return report.submissions.filter(version=report.version).first()
    return None


def first_submitted_on(report: Report | None):
    """The day the report was first submitted (what lateness is judged on), or None."""
    if report is None:
        return None
    first = report.submissions.order_by("version").only("submitted_at").first()
    return first.submitted_at.date() if first else None


# --------------------------------------------------------------------------- the list


@access(VIEW, load=lookups.partnership)
def report_list(request, partnership: Partnership, slug: str):
    on = today()
    reports = {r.year: r for r in partnership.reports.prefetch_related("submissions")}
    rows = []
    for year in reversed(actions.years_open(on)):
        report = reports.get(year.start_year)
        submissions = sorted(report.submissions.all(), key=lambda s: s.version) if report else []
        submitted_on = submissions[0].submitted_at.date() if submissions else None
        published = [s for s in submissions if s.published_at]
        rows.append({
            "year": year, "report": report, "submitted_on": submitted_on,
            "published_on": published[-1].published_at.date() if published else None,
            "late": year.is_late(on, submitted_on), "due": year.due_on < on,
            "tag": STATUS_TAG.get(report.status, "") if report else ""})
    missing = [row["year"] for row in rows if row["due"] and row["report"] is None]
    return render(request, "reporting/report_list.html", _context(
        request, partnership, rows=rows, missing=missing,
        can_start=len(reports) < len(rows)))


@access(CHANGE, load=lookups.partnership)
def report_start(request, partnership: Partnership, slug: str):
    on = today()
    taken = set(partnership.reports.values_list("year", flat=True))
    years = [y for y in reversed(actions.years_open(on)) if y.start_year not in taken]
    default = last_completed(on)
    form = StartReportForm(data=request.POST or None, years=years, today=on,
                           default=default if default in years else (years[0] if years else None))
    if request.method == "POST" and form.is_valid():
        try:
            report = actions.start_report(partnership=partnership, year=form.cleaned_data["year"],
                                          data_date=form.cleaned_data["data_date"],
                                          by=request.user)
        except actions.ReportError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"The progress report for {report.reporting_year.label} "
                                      "is started, filled from the partnership's records: write "
                                      "its foreword and the rest of its narrative.")
            return _back_to(report)
    return render(request, "reporting/report_start.html", _context(
        request, partnership, form=form, years=years))


# --------------------------------------------------------------------------- a report


@access(VIEW, load=lookups.partnership)
def report_detail(request, partnership: Partnership, slug: str, year: int):
    report = lookups.report(partnership, year)
    submission = current_submission(report)
    snapshot = submission.snapshot if submission else build.build(report)
    user = request.user
    return render(request, "reporting/report_detail.html", _context(
        request, partnership, report=report, submission=submission,
        body=document.render_body(snapshot), tag=STATUS_TAG.get(report.status, ""),
        problems=actions.sign_off_problems(report) if report.is_draft else [],
        case_studies=list(report.case_studies.all()),
        narrative=[(key, label, getattr(report, key)) for key, label in
                   NARRATIVE_SECTIONS.items()],
        can_sign_off=user.has_perm(SIGN_OFF, partnership),
        can_submit=user.has_perm(SUBMIT, partnership),
        can_publish=user.has_perm(PUBLISH, partnership),
        versions=list(report.submissions.order_by("-version")),
        document_url=_optional_url("partnerships:report-document", slug, year),
        pdf_url=_optional_url("partnerships:report-pdf", slug, year)))


def _part_history(report: Report, part: str) -> list[dict]:
    """Each change to one part of the narrative, newest first: who, when, and the text."""
    keys = [part, "foreword_signatory"] if part == "foreword" else [part]
    records = list(report.history.select_related("history_user").order_by("history_date",
                                                                          "history_id"))
    changes, previous = [], None
    for record in records:
        values = tuple(getattr(record, key) for key in keys)
        if values != previous and (previous is not None or any(values)):
            changes.append({"record": record, "text": values[0],
                            "signatory": values[1] if len(values) > 1 else "",
                            "written": previous is None or not any(previous)})
        previous = values
    return list(reversed(changes))


@access(CHANGE, load=lookups.partnership)
def narrative(request, partnership: Partnership, slug: str, year: int, part: str):
    report = lookups.report(partnership, year)
    if part not in NARRATIVE_SECTIONS:
        raise Http404("No such part of the report's narrative.")
    initial = {"text": getattr(report, part)}
    if part == "foreword":
        initial["foreword_signatory"] = report.foreword_signatory
    form = NarrativeForm(data=request.POST or None, part=part, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {part: form.cleaned_data["text"]}
        if part == "foreword":
            fields["foreword_signatory"] = form.cleaned_data["foreword_signatory"]
        try:
            actions.change_narrative(report=report, by=request.user, **fields)
        except actions.ReportError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{NARRATIVE_SECTIONS[part]}\u201d is saved.")
            return _back_to(report, "narrative")
    return render(request, "reporting/narrative_form.html", _context(
        request, partnership, report=report, form=form, part=part,
        part_label=NARRATIVE_SECTIONS[part], versions=_part_history(report, part)))


@access(CHANGE, load=lookups.partnership)
def data_date(request, partnership: Partnership, slug: str, year: int):
    report = lookups.report(partnership, year)
    form = DataDateForm(data=request.POST or None, initial={"data_date": report.data_date})
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_data_date(report=report, data_date=form.cleaned_data["data_date"],
                                  by=request.user)
        except actions.ReportError as error:
            _apply_error(form, error)
        else:
            messages.success(request, "The data date is saved: the report's figures and records "
                                      "are taken as at that date.")
            return _back_to(report)
    return render(request, "reporting/data_date_form.html", _context(
        request, partnership, report=report, form=form))


# --------------------------------------------------------------------------- case studies


def _case_study_values(form) -> dict:
    data = form.cleaned_data
    return {"title": data["title"], "text": data["text"],
            "quotes_person": data["quotes_person"], "person_named_as": data["person_named_as"],
            "consent_given_on": data["consent_given_on"],
            "consent_method": data["consent_method"], "consent_note": data["consent_note"]}


@access(CHANGE, load=lookups.partnership)
def case_study_add(request, partnership: Partnership, slug: str, year: int):
    report = lookups.report(partnership, year)
    form = CaseStudyForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.add_case_study(report=report, by=request.user,
                                          **_case_study_values(form))
        except actions.ReportError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"The case study \u201c{case.title}\u201d is added.")
            return _back_to(report, "case-studies")
    return render(request, "reporting/case_study_form.html", _context(
        request, partnership, report=report, form=form))


@access(CHANGE, load=lookups.partnership)
def case_study_edit(request, partnership: Partnership, slug: str, year: int, pk: int):
    report = lookups.report(partnership, year)
    case = lookups.case_study(report, pk)
    form = CaseStudyForm(data=request.POST or None, case_study=case)
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.change_case_study(case_study=case, by=request.user,
                                             **_case_study_values(form))
        except actions.ReportError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"The case study \u201c{case.title}\u201d is saved.")
            return _back_to(report, "case-studies")
    return render(request, "reporting/case_study_form.html", _context(
        request, partnership, report=report, form=form, case_study=case))


@access(CHANGE, load=lookups.partnership)
def case_study_remove(request, partnership: Partnership, slug: str, year: int, pk: int):
    report = lookups.report(partnership, year)
    case = lookups.case_study(report, pk)
    error = ""
    if request.method == "POST":
        try:
            actions.remove_case_study(case_study=case, by=request.user)
        except actions.ReportError as problem:
            error = problem.message
        else:
            messages.success(request, f"The case study \u201c{case.title}\u201d is removed.")
            return _back_to(report, "case-studies")
    return render(request, "reporting/case_study_remove.html", _context(
        request, partnership, report=report, case_study=case, error=error))


# --------------------------------------------------------------------------- the steps


def _confirmed_step(request, partnership, report, *, step, template, done, **extra):
    """A step with nothing to fill in: GET asks to confirm, POST takes it (a ``ReportError``
    is shown on the page and changes nothing)."""
    error = ""
    if request.method == "POST":
        try:
            step()
        except actions.ReportError as problem:
            error = problem.message
        else:
            messages.success(request, done)
            return _back_to(report, "workflow")
    return render(request, template, _context(request, partnership, report=report,
                                              error=error, **extra))


@access(SIGN_OFF, load=lookups.partnership)
def sign_off(request, partnership: Partnership, slug: str, year: int):
    report = lookups.report(partnership, year)
    return _confirmed_step(
        request, partnership, report,
        step=lambda: actions.sign_off(report=report, by=request.user),
        template="reporting/sign_off.html",
        done="The report is signed off: the SRO or a lead can now submit it to central "
             "government.",
        problems=actions.sign_off_problems(report) if report.is_draft else [])


@access(SUBMIT, load=lookups.partnership)
def submit(request, partnership: Partnership, slug: str, year: int):
    report = lookups.report(partnership, year)
    return _confirmed_step(
        request, partnership, report,
        step=lambda: actions.submit(report=report, by=request.user),
        template="reporting/submit.html",
        done=f"Version {report.version} of the report is submitted to central government. Its "
             "HTML and PDF are stored and will not change; the progress report milestone is "
             "recorded as done.")


@access(PUBLISH, load=lookups.partnership)
def publish(request, partnership: Partnership, slug: str, year: int):
    report = lookups.report(partnership, year)
    return _confirmed_step(
        request, partnership, report,
        step=lambda: actions.publish(report=report, by=request.user),
        template="reporting/publish.html",
        done=f"Version {report.version} of the report is published on the partnership's "
             "public page.")


# --------------------------------------------------------------------------- versions


@access(VIEW, load=lookups.partnership)
def versions(request, partnership: Partnership, slug: str, year: int):
    report = lookups.report(partnership, year)
    found = list(report.submissions.select_related("signed_off_by", "submitted_by",
                                                   "published_by").order_by("-version"))
    return render(request, "reporting/versions.html", _context(
        request, partnership, report=report, submissions=found))


def _file_name(submission: Submission, ext: str) -> str:
    report = submission.report
    return (f"{report.partnership.slug}-progress-report-{report.reporting_year.label.replace('/', '-')}"
            f"-v{submission.version}.{ext}")


def _stored(response: HttpResponse, submission: Submission, checksum: str, ext: str,
            disposition: str) -> HttpResponse:
    response["Content-Disposition"] = f'{disposition}; filename="{_file_name(submission, ext)}"'
    response["ETag"] = f'"{checksum}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access(VIEW, load=lookups.partnership)
@csp_replace({"style-src": ["'unsafe-inline'"], "script-src": ["'none'"]})
def version_html(request, partnership: Partnership, slug: str, year: int, version: int):
    """The stored HTML of a submitted version, byte for byte (its styles are inline, so this
    response alone allows inline styles; it runs no scripts)."""
    submission = lookups.submission(lookups.report(partnership, year), version)
    return _stored(HttpResponse(submission.html, content_type="text/html; charset=utf-8"),
                   submission, submission.html_sha256, "html", "inline")


@access(VIEW, load=lookups.partnership)
def version_pdf(request, partnership: Partnership, slug: str, year: int, version: int):
    submission = lookups.submission(lookups.report(partnership, year), version)
    return _stored(HttpResponse(bytes(submission.pdf), content_type="application/pdf"),
                   submission, submission.pdf_sha256, "pdf", "attachment")


