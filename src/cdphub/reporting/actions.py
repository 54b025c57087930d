"""Every write to a progress report: starting one, writing the narrative and case studies,
the SRO's sign-off, submission to central government (which freezes an immutable copy and
records the progress-report milestone) and publication.

Each runs in one transaction and one change set (the History shows one entry per step), so a
failure changes nothing. Changing a report that is signed off, submitted or published starts
the next version as a draft: the sign-off is cleared, and a submitted version is never
changed (``models.Submission``).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse

from cdphub.core import clock
from cdphub.partnerships.changesets import change_set
from cdphub.partnerships.models import MilestoneCompletion, Partnership

from . import build, render
from .models import NARRATIVE_SECTIONS, CaseStudy, Report, Submission
from .years import FIRST_YEAR, ReportingYear, year_of

MILESTONE = "progress_report"


class ReportError(Exception):
    """A step the report's state does not allow, or a value it refuses. ``field`` names the
    form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def report_url(report: Report) -> str:
    return reverse("partnerships:report", args=[report.partnership.slug, report.year])


def years_open(today: dt.date) -> list[ReportingYear]:
    """The years a report may be started on: from the first (2022/23) to the current one."""
    return [ReportingYear(y) for y in range(FIRST_YEAR, year_of(today).start_year + 1)]


@transaction.atomic
def start_report(*, partnership: Partnership, year: int, by,
                 data_date: dt.date | None = None) -> Report:
    """A new draft report on ``year`` (the reporting year's first year), already filled from
    the records: everything but the narrative is generated (``build.py``)."""
    today = clock.today()
    if year not in {y.start_year for y in years_open(today)}:
        first, last = years_open(today)[0], years_open(today)[-1]
        raise ReportError(f"Choose a reporting year from {first.label} to {last.label}.", "year")
    if partnership.reports.filter(year=year).exists():
        raise ReportError(f"There is already a report for {ReportingYear(year).label}: open it "
                          "from the list of reports.", "year")
    data_date = data_date or today
    _check_data_date(ReportingYear(year), data_date, today)
    try:
        with change_set(by=by), transaction.atomic():
            return Report.objects.create(partnership=partnership, year=year, data_date=data_date,
                                         created_by=by)
    except IntegrityError as error:  # started at the same moment by someone else
        raise ReportError(f"There is already a report for {ReportingYear(year).label}.",
                          "year") from error


def _check_data_date(year: ReportingYear, data_date: dt.date, today: dt.date) -> None:
    if data_date is None:
        raise ReportError("Enter the date the records and figures are taken at.", "data_date")
    if data_date > today:
        raise ReportError("The data date cannot be in the future.", "data_date")
    if data_date < year.starts_on:
        raise ReportError(f"The data date must be on or after the start of the year it reports "
                          f"on ({year.starts_on:%-d %B %Y}).", "data_date")


def _reopen(report: Report) -> None:
    """A change to a report that is not a draft: back to draft, sign-off cleared, and the next
    version started if this one was submitted."""
    if report.status in (Report.Status.SUBMITTED, Report.Status.PUBLISHED):
        report.version += 1
    report.status = Report.Status.DRAFT
    report.signed_off_at = None
    report.signed_off_by = None


def _locked(report: Report) -> Report:
    """The report's row, locked for this transaction (two people's steps never interleave)."""
    return Report.objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def change_narrative(*, report: Report, by, **fields: str) -> Report:
    """Write one or more of the narrative sections (``NARRATIVE_SECTIONS``) or the foreword's
    signatory."""
    allowed = {*NARRATIVE_SECTIONS, "foreword_signatory"}
    unknown = set(fields) - allowed
    if unknown:
        raise ReportError(f"Not a part of the report's narrative: {', '.join(sorted(unknown))}.")
    report = _locked(report)
    changed = {key: value.strip() for key, value in fields.items()
               if value.strip() != getattr(report, key)}
    if not changed:
        return report
    with change_set(by=by):
        if not report.is_draft:
            _reopen(report)
        for key, value in changed.items():
            setattr(report, key, value)
        report.save()
    return report


@transaction.atomic
def set_data_date(*, report: Report, data_date: dt.date, by) -> Report:
    report = _locked(report)
    _check_data_date(report.reporting_year, data_date, clock.today())
    if data_date == report.data_date:
        return report
    with change_set(by=by):
        if not report.is_draft:
            _reopen(report)
        report.data_date = data_date
        report.save()
    return report


def _check_case_study(*, title: str, text: str, quotes_person: bool, person_named_as: str,
                      consent_given_on: dt.date | None, consent_method: str) -> None:
    if not title.strip():
        raise ReportError("Enter the case study's title.", "title")
    if not text.strip():
        raise ReportError("Enter the case study.", "text")
    if quotes_person and not person_named_as.strip():
        raise ReportError("Say how the person is named in the report (for example 'Sam, 34'), "
                          "or untick 'quotes or describes an identifiable person'.",
                          "person_named_as")
    if consent_given_on and consent_given_on > clock.today():
        raise ReportError("The date consent was given cannot be in the future.",
                          "consent_given_on")
    if consent_method and consent_method not in CaseStudy.ConsentMethod.values:
        raise ReportError("Choose how consent was given.", "consent_method")


@transaction.atomic
def add_case_study(*, report: Report, by, title: str, text: str, quotes_person: bool = False,
                   person_named_as: str = "", consent_given_on: dt.date | None = None,
                   consent_method: str = "", consent_note: str = "") -> CaseStudy:
    _check_case_study(title=title, text=text, quotes_person=quotes_person,
                      person_named_as=person_named_as, consent_given_on=consent_given_on,
                      consent_method=consent_method)
    report = _locked(report)
    with change_set(by=by):
        if not report.is_draft:
            _reopen(report)
            report.save()
        position = (report.case_studies.order_by("-position").values_list("position", flat=True)
                    .first() or 0) + 1
        return CaseStudy.objects.create(
            report=report, title=title.strip(), text=text.strip(), quotes_person=quotes_person,
            person_named_as=person_named_as.strip() if quotes_person else "",
            consent_given_on=consent_given_on if quotes_person else None,
            consent_method=consent_method if quotes_person else "",
            consent_recorded_by=by if quotes_person and consent_given_on else None,
            consent_note=consent_note.strip() if quotes_person else "", position=position)


@transaction.atomic
def change_case_study(*, case_study: CaseStudy, by, title: str, text: str,
                      quotes_person: bool = False, person_named_as: str = "",
                      consent_given_on: dt.date | None = None, consent_method: str = "",
                      consent_note: str = "") -> CaseStudy:
    _check_case_study(title=title, text=text, quotes_person=quotes_person,
                      person_named_as=person_named_as, consent_given_on=consent_given_on,
                      consent_method=consent_method)
    report = _locked(case_study.report)
    case_study = CaseStudy.objects.get(pk=case_study.pk, report=report)
    with change_set(by=by):
        if not report.is_draft:
            _reopen(report)
            report.save()
        consent_changed = (consent_given_on != case_study.consent_given_on
                           or consent_method != case_study.consent_method)
        case_study.title = title.strip()
        case_study.text = text.strip()
        case_study.quotes_person = quotes_person
        case_study.person_named_as = person_named_as.strip() if quotes_person else ""
        case_study.consent_given_on = consent_given_on if quotes_person else None
        case_study.consent_method = consent_method if quotes_person else ""
        case_study.consent_note = consent_note.strip() if quotes_person else ""
        if consent_changed:
            case_study.consent_recorded_by = by if quotes_person and consent_given_on else None
        case_study.save()
    return case_study


@transaction.atomic
def remove_case_study(*, case_study: CaseStudy, by) -> None:
    report = _locked(case_study.report)
    with change_set(by=by):
        if not report.is_draft:
            _reopen(report)
            report.save()
        CaseStudy.objects.filter(pk=case_study.pk, report=report).delete()


def sign_off_problems(report: Report) -> list[str]:
    """What stops the SRO signing the report off, in words (empty: nothing)."""
    problems = []
    if not report.foreword.strip():
        problems.append("Write the foreword.")
    if report.foreword.strip() and not report.foreword_signatory.strip():
        problems.append("Say who signs the foreword.")
    for case_study in report.case_studies.all():
        if case_study.consent_missing:
            problems.append(f"Record the consent of the person in the case study "
                            f"'{case_study.title}' (the date and how they gave it), or remove "
                            "them from it.")
    return problems


@transaction.atomic
def sign_off(*, report: Report, by) -> Report:
    """The SRO signs off the draft (the view has checked their role and second factor)."""
    report = _locked(report)
    if not report.is_draft:
        raise ReportError("Only a draft report can be signed off.")
    problems = sign_off_problems(report)
    if problems:
        raise ReportError(" ".join(problems))
    with change_set(by=by):
        report.status = Report.Status.SIGNED_OFF
        report.signed_off_at = clock.now()
        report.signed_off_by = by
        report.save()
    return report


def submit(*, report: Report, by) -> Submission:
    """Submit the signed-off report to central government: its content is generated as at its
    data date and frozen, with its HTML and PDF and their checksums, and the progress-report
    milestone is recorded as done today. The PDF is made before the transaction opens, so the
    database is held only for the writes."""
    report = Report.objects.select_related("partnership").get(pk=report.pk)
    if report.status != Report.Status.SIGNED_OFF:
        raise ReportError("Only a report the SRO has signed off can be submitted.")
    snapshot = build.build(report)
    # The frozen copy is the submitted version: it must not call itself a draft.
    snapshot["status"] = Report.Status.SUBMITTED.value
    html = render.render_html(snapshot)
    pdf = render.render_pdf(snapshot)
    with transaction.atomic():
        locked = _locked(report)
        # any change to the narrative or case studies sends a signed-off report back to draft
        if (locked.status != Report.Status.SIGNED_OFF or locked.version != report.version
                or locked.signed_off_at != report.signed_off_at):
            raise ReportError("The report changed while it was being submitted: check it and "
                              "submit again.")
        now = clock.now()
        with change_set(by=by):
            submission = Submission.objects.create(
                report=locked, version=locked.version, data_date=locked.data_date,
                signed_off_at=locked.signed_off_at, signed_off_by=locked.signed_off_by,
                submitted_at=now, submitted_by=by, snapshot=snapshot, html=html, pdf=pdf)
            locked.status = Report.Status.SUBMITTED
            locked.save()
            MilestoneCompletion.objects.create(
                partnership=locked.partnership, milestone_key=MILESTONE,
                completed_on=now.date(),
                evidence=(f"Progress report {locked.reporting_year.label} (version "
                          f"{locked.version}) submitted to central government")[:300],
                link=report_url(locked), recorded_by=by)
    return submission


@transaction.atomic
def publish(*, report: Report, by) -> Submission:
    """Publish the submitted version on the partnership's public page."""
    report = _locked(report)
    if report.status != Report.Status.SUBMITTED:
        raise ReportError("Only a submitted report can be published.")
    submission = report.submissions.get(version=report.version)
    with change_set(by=by):
        submission.published_at = clock.now()
        submission.published_by = by
        submission.save(update_fields=["published_at", "published_by"])
        report.status = Report.Status.PUBLISHED
        report.save()
    return submission
