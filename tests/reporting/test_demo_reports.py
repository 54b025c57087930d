"""The demo's progress reports (demo/reports.py): Greater Manchester and Berkshire West each
have a report on 2023/24 that was signed off, submitted (its frozen copy checksummed, the
progress-report milestone recorded) and published in 2024, and a draft on 2024/25; no other
partnership has a report."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.html import escape

from cdphub.accounts.models import User
from cdphub.core.clock import today
from cdphub.demo.reports import BERKSHIRE, GM, build_reports_demo
from cdphub.partnerships.models import MilestoneCompletion
from cdphub.reporting.actions import MILESTONE, sign_off_problems
from cdphub.reporting.models import CaseStudy, Report, Submission
from cdphub.reporting.years import ReportingYear

DEMO = {GM, BERKSHIRE}


@pytest.fixture
def demo(shared_demo, db):
    return shared_demo


def _report(name: str, year: int) -> Report:
    return Report.objects.select_related("partnership").get(partnership__name=name, year=year)


def test_only_the_demo_partnerships_have_reports(demo):
    assert set(Report.objects.values_list("partnership__name", flat=True)) == DEMO
    assert sorted(Report.objects.values_list("year", flat=True)) == [2023, 2023, 2024, 2024]


@pytest.mark.parametrize("name", sorted(DEMO))
def test_the_2023_24_report_is_published_with_a_valid_frozen_copy(demo, name):
    report = _report(name, 2023)
    assert (report.status, report.version) == ("published", 1)
    assert report.data_date == dt.date(2024, 3, 31)
    assert report.foreword and report.foreword_signatory and report.vision
    assert report.highlights and report.next_steps
    assert sign_off_problems(report) == []
    submission = report.submissions.get()
    assert submission.checksums_match()
    assert bytes(submission.pdf).startswith(b"%PDF")
    assert report.partnership.name in submission.html
    assert escape(report.foreword.split("\n")[0][:60]) in submission.html
    assert submission.snapshot["partnership"]["name"] == report.partnership.name
    assert report.published_submission() == submission
    # realistic dates: signed off, then submitted on time (by 30 April 2024), then published
    year = ReportingYear(2023)
    assert submission.signed_off_at < submission.submitted_at < submission.published_at
    submitted_on = timezone.localdate(submission.submitted_at)
    assert dt.date(2024, 4, 1) <= submitted_on <= year.due_on
    assert not year.is_late(today(), submitted_on)
    assert submission.published_at.year == 2024
    assert timezone.localdate(report.created_at) < timezone.localdate(submission.signed_off_at)


def test_greater_manchester_s_is_signed_off_and_written_by_the_demo_accounts(demo):
    report = _report(GM, 2023)
    sro = User.objects.get(email="sro@example.org")
    lead = User.objects.get(email="lead@example.org")
    submission = report.submissions.get()
    assert report.signed_off_by == sro == submission.submitted_by == submission.published_by
    assert report.created_by == lead
    assert report.foreword_signatory.startswith(sro.full_name)


def test_case_studies_quoting_a_person_record_their_consent(demo):
    studies = CaseStudy.objects.filter(report__partnership__name__in=DEMO,
                                       report__year=2023)
    assert studies.count() == 3
    quoting = studies.get(quotes_person=True)
    assert quoting.report.partnership.name == GM
    assert quoting.person_named_as and quoting.consent_method == "written"
    assert quoting.consent_given_on < dt.date(2024, 4, 22)
    assert quoting.consent_recorded_by.email == "lead@example.org"
    assert not quoting.consent_missing
    snapshot = quoting.report.submissions.get().snapshot
    assert [c["title"] for c in snapshot["case_studies"]] == [
        c.title for c in quoting.report.case_studies.all()]


@pytest.mark.parametrize("name", sorted(DEMO))
def test_submitting_recorded_the_progress_report_milestone(demo, name):
    report = _report(name, 2023)
    submission = report.submissions.get()
    completion = MilestoneCompletion.objects.get(partnership=report.partnership,
                                                 milestone_key=MILESTONE,
                                                 recorded_by=submission.submitted_by,
                                                 link__contains="/reports/2023")
    assert completion.completed_on == timezone.localdate(submission.submitted_at)
    # it replaced the register demo's stand-in completion for the same year
    assert not MilestoneCompletion.objects.filter(
        partnership=report.partnership, milestone_key=MILESTONE,
        evidence="Annual progress report 2024").exists()
    assert completion.history.get().history_date.year == 2024


@pytest.mark.parametrize("name", sorted(DEMO))
def test_the_2024_25_report_is_a_draft_partly_written(demo, name):
    draft = _report(name, 2024)
    assert (draft.status, draft.version) == ("draft", 1)
    assert draft.data_date == dt.date(2025, 3, 31)
    assert draft.vision and not draft.foreword and not draft.next_steps
    assert not draft.submissions.exists()
    assert sign_off_problems(draft) == ["Write the foreword."]
    assert timezone.localdate(draft.created_at).year == 2025


def test_the_history_keeps_the_2024_dates(demo):
    report = _report(GM, 2023)
    days = [timezone.localdate(h.history_date) for h in report.history.order_by("history_date")]
    assert days[0] == dt.date(2024, 4, 2) and days[-1] == dt.date(2024, 5, 13)
    assert [h.status for h in report.history.order_by("history_date")][-3:] == [
        "signed_off", "submitted", "published"]


def test_building_the_reports_again_adds_nothing(demo):
    before = (Report.objects.count(), Submission.objects.count(), CaseStudy.objects.count(),
              MilestoneCompletion.objects.filter(milestone_key=MILESTONE).count())
    assert build_reports_demo(today()) == {"published": 0, "drafts": 0}
    assert (Report.objects.count(), Submission.objects.count(), CaseStudy.objects.count(),
            MilestoneCompletion.objects.filter(milestone_key=MILESTONE).count()) == before
