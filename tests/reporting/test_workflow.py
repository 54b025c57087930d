"""The report's workflow (reporting/actions.py): draft → signed off → submitted (an immutable
copy with checksums, the progress-report milestone recorded) → published, and what a change
after submission does (the next version, never a change to the submitted one)."""

import datetime as dt
import io

import pypdf
import pytest
from django.core.exceptions import ValidationError

from cdphub.partnerships.models import MilestoneCompletion
from cdphub.reporting import actions
from cdphub.reporting.models import Report, Submission, sha256
from cdphub.reporting.years import ReportingYear, due_years, last_completed, year_of

TODAY = dt.date(2024, 5, 20)


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


def test_reporting_years():
    year = ReportingYear(2023)
    assert (year.label, year.starts_on, year.ends_on, year.due_on) == (
        "2023/24", dt.date(2023, 4, 1), dt.date(2024, 3, 31), dt.date(2024, 4, 30))
    assert year_of(dt.date(2024, 3, 31)) == year and year_of(dt.date(2024, 4, 1)).start_year == 2024
    assert last_completed(TODAY) == year
    assert [y.label for y in due_years(TODAY)] == ["2022/23", "2023/24"]
    assert year.is_late(TODAY, None) and not year.is_late(TODAY, dt.date(2024, 4, 30))
    assert not ReportingYear(2024).is_late(TODAY, None)


def _started(world):
    return actions.start_report(partnership=world.partnership_a, year=2023, by=world.member_a)


def test_a_new_report_is_a_draft_for_the_year(world):
    report = _started(world)
    assert (report.status, report.version, report.data_date) == ("draft", 1, TODAY)
    with pytest.raises(actions.ReportError, match="already a report for 2023/24"):
        _started(world)
    with pytest.raises(actions.ReportError, match="from 2022/23 to 2024/25") as error:
        actions.start_report(partnership=world.partnership_a, year=2021, by=world.member_a)
    assert error.value.field == "year"
    with pytest.raises(actions.ReportError, match="future"):
        actions.start_report(partnership=world.partnership_a, year=2022, by=world.member_a,
                             data_date=TODAY + dt.timedelta(days=1))
    assert Report.objects.count() == 1


def test_sign_off_needs_a_foreword_and_consent_for_people_quoted(world):
    report = _started(world)
    with pytest.raises(actions.ReportError, match="Write the foreword"):
        actions.sign_off(report=report, by=world.sro_a)
    actions.change_narrative(report=report, by=world.member_a, foreword="We made progress.")
    case = actions.add_case_study(report=report, by=world.member_a, title="Sam's story",
                                  text="Sam found work.", quotes_person=True,
                                  person_named_as="Sam, 34")
    with pytest.raises(actions.ReportError) as error:
        actions.sign_off(report=report, by=world.sro_a)
    assert "Say who signs the foreword" in error.value.message
    assert "consent of the person in the case study 'Sam's story'" in error.value.message
    actions.change_narrative(report=report, by=world.member_a,
                             foreword_signatory="Alex Jones, SRO")
    actions.change_case_study(case_study=case, by=world.member_a, title=case.title,
                              text=case.text, quotes_person=True, person_named_as="Sam, 34",
                              consent_given_on=dt.date(2024, 5, 1), consent_method="written")
    report = actions.sign_off(report=report, by=world.sro_a)
    assert (report.status, report.signed_off_by) == ("signed_off", world.sro_a)


def _submitted(world):
    report = _started(world)
    actions.change_narrative(report=report, by=world.member_a, foreword="A good year.",
                             foreword_signatory="Alex Jones, SRO")
    actions.sign_off(report=report, by=world.sro_a)
    return actions.submit(report=report, by=world.sro_a)


def test_submission_freezes_an_immutable_copy_and_records_the_milestone(world):
    with pytest.raises(actions.ReportError, match="signed off"):
        actions.submit(report=_started(world), by=world.sro_a)
    Report.objects.all().delete()
    submission = _submitted(world)
    assert submission.version == 1 and submission.report.status == "submitted"
    assert submission.html_sha256 == sha256(submission.html)
    assert bytes(submission.pdf).startswith(b"%PDF-")
    assert submission.checksums_match()
    assert "A good year." in submission.html
    # the frozen copy is the submitted version, never labelled a draft (HTML, PDF, content)
    assert submission.snapshot["status"] == "submitted"
    assert "Submitted to central government" in submission.html
    assert "Draft" not in submission.html
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(
        bytes(submission.pdf))).pages)
    assert "Draft" not in text and "DRAFT" not in text
    assert submission.snapshot["narrative"]["foreword"] == "A good year."
    milestone = MilestoneCompletion.objects.get(partnership=world.partnership_a,
                                                milestone_key="progress_report")
    assert milestone.completed_on == TODAY and submission.submitted_at.date() == TODAY
    submission.html = "<p>changed</p>"
    with pytest.raises(ValidationError, match="never changes"):
        submission.save()
    stored = Submission.objects.get(pk=submission.pk)
    assert "A good year." in stored.html and stored.checksums_match()


def test_a_change_after_submission_starts_the_next_version(world):
    submission = _submitted(world)
    report = actions.publish(report=submission.report, by=world.sro_a)
    report = Report.objects.get(pk=report.report_id)
    assert report.status == "published"
    actions.change_narrative(report=report, by=world.member_a, foreword="A better year.")
    report.refresh_from_db()
    assert (report.status, report.version, report.signed_off_at) == ("draft", 2, None)
    first = Submission.objects.get(report=report, version=1)
    assert "A good year." in first.html and first.is_published and first.checksums_match()
    assert report.published_submission() == first
    with pytest.raises(actions.ReportError, match="Only a submitted report"):
        actions.publish(report=report, by=world.sro_a)
