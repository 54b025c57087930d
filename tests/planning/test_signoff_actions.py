"""The sign-off steps and findings of a needs assessment (``planning.actions``): agreement at a
meeting of the same partnership, the SRO's sign-off that freezes the figures and records the
milestone, publication, one assessment in progress at a time, findings with their evidence,
and priorities. Each refusal changes nothing."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from cdphub.accounts.models import AuditEvent
from cdphub.framework import guidance
from cdphub.outcomes.compute import recompute_metrics
from cdphub.outcomes.dashboard import metric_view
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.partnerships import history
from cdphub.partnerships.models import Meeting, MilestoneCompletion
from cdphub.partnerships.status import milestone_status
from cdphub.planning import actions
from cdphub.planning.actions import AssessmentError
from cdphub.planning.models import Assessment, Evidence, Finding, Priority
from tests.outcomes.loading_helpers import catalogue, cover, csv_bytes, load_bytes
from tests.outcomes.test_dashboard import figures  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 5, 1)
MANCHESTER, SALFORD = "E08000003", "E08000006"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


def meeting(partnership, held_on=dt.date(2024, 4, 18), **extra) -> Meeting:
    return Meeting.objects.create(partnership=partnership, held_on=held_on, **extra)


def evidence(partnership, title="Drugs market profile 2024", **extra) -> Evidence:
    return Evidence.objects.create(partnership=partnership, title=title,
                                   evidence_type="drugs_market_profile",
                                   dated=dt.date(2024, 2, 1), **extra)


@pytest.fixture
def draft(world) -> Assessment:
    return actions.start(partnership=world.partnership_a, by=world.member_a)


@pytest.fixture
def agreed(world, draft) -> Assessment:
    return actions.agree(assessment=draft, meeting=meeting(world.partnership_a),
                         by=world.sro_a)


def unchanged(assessment: Assessment, before: dict) -> None:
    assessment.refresh_from_db()
    fields = ("status", "agreed_at_meeting_id", "agreed_by_id", "signed_off_on",
              "signed_off_at", "snapshot", "published_at")
    assert {f: getattr(assessment, f) for f in fields} == before


def state(assessment: Assessment) -> dict:
    assessment.refresh_from_db()
    return {f: getattr(assessment, f) for f in (
        "status", "agreed_at_meeting_id", "agreed_by_id", "signed_off_on", "signed_off_at",
        "snapshot", "published_at")}


# --------------------------------------------------------------------------- agreement


def test_agreement_records_the_meeting_and_who_recorded_it(world, draft):
    board = meeting(world.partnership_a, title="Partnership board")
    actions.agree(assessment=draft, meeting=board, by=world.sro_a)
    draft.refresh_from_db()
    assert (draft.status, draft.agreed_at_meeting, draft.agreed_by) == (
        Assessment.Status.AGREED, board, world.sro_a)


@pytest.mark.parametrize("which, message", [
    ("other partnership", "Choose a meeting of this partnership."),
    ("withdrawn", "That meeting was withdrawn"),
    ("future", "That meeting is on 2 May 2024, in the future"),
])
def test_agreement_at_a_meeting_that_cannot_have_agreed_it_is_refused(world, draft, which,
                                                                      message):
    chosen = {
        "other partnership": lambda: meeting(world.partnership_b),
        "withdrawn": lambda: meeting(world.partnership_a,
                                     withdrawn_at=dt.datetime(2024, 4, 20, tzinfo=dt.UTC),
                                     withdrawal_reason="Recorded twice"),
        "future": lambda: meeting(world.partnership_a, held_on=TODAY + dt.timedelta(days=1)),
    }[which]()
    before = state(draft)
    with pytest.raises(AssessmentError, match=message) as raised:
        actions.agree(assessment=draft, meeting=chosen, by=world.sro_a)
    assert raised.value.field == "meeting"
    unchanged(draft, before)


def test_a_meeting_held_today_can_agree_it(world, draft):
    actions.agree(assessment=draft, meeting=meeting(world.partnership_a, held_on=TODAY),
                  by=world.sro_a)
    assert state(draft)["status"] == Assessment.Status.AGREED


def test_returning_to_draft_clears_the_agreement_and_only_an_agreed_one_returns(world, agreed):
    actions.return_to_draft(assessment=agreed, by=world.sro_a)
    assert (state(agreed)["status"], agreed.agreed_at_meeting_id, agreed.agreed_by_id) == (
        Assessment.Status.DRAFT, None, None)
    before = state(agreed)
    with pytest.raises(AssessmentError, match="Only an agreed assessment"):
        actions.return_to_draft(assessment=agreed, by=world.sro_a)
    unchanged(agreed, before)


# --------------------------------------------------------------------------- sign-off


def test_sign_off_before_agreement_is_refused(world, draft):
    before = state(draft)
    with pytest.raises(AssessmentError, match="must agree the assessment at a recorded meeting"):
        actions.sign_off(assessment=draft, by=world.sro_a)
    unchanged(draft, before)
    assert not MilestoneCompletion.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGNED_OFF).exists()


def test_sign_off_freezes_the_figures_the_outcomes_page_shows(world, figures, agreed):  # noqa: F811
    actions.sign_off(assessment=agreed, by=world.sro_a)
    agreed.refresh_from_db()
    snapshot = agreed.snapshot
    deaths = snapshot["metrics"]["drug_misuse_deaths"]
    view = metric_view(world.partnership_a, figures, TODAY)
    # The figure the outcomes page shows (tests/outcomes/test_dashboard.py stores 14.0 for
    # the latest period, England 5.2, the North West 11.0).
    assert deaths["partnership"]["value"] == view.latest.value == 14.0
    assert deaths["partnership"]["period"] == "2021 - 23"
    assert deaths["england"]["value"] == pytest.approx(5.2)
    assert deaths["region"]["value"] == 11.0
    # Salford's figure is suppressed: blank in the snapshot as on the page.
    salford = next(a for a in deaths["authorities"] if a["code"] == SALFORD)
    assert salford["value"] is None and salford["suppressed"] is True
    assert snapshot["as_at"] == "2024-05-01"
    assert set(snapshot["metrics"]) >= {"drug_misuse_deaths", "numbers_in_treatment"}


def test_sign_off_records_the_milestone_the_audit_event_and_starts_the_three_year_clock(
        world, agreed):
    actions.sign_off(assessment=agreed, by=world.sro_a)
    agreed.refresh_from_db()
    assert (agreed.status, agreed.signed_off_on, agreed.signed_off_by) == (
        Assessment.Status.SIGNED_OFF, TODAY, world.sro_a)

    completion = MilestoneCompletion.objects.get()
    assert (completion.partnership, completion.milestone_key, completion.completed_on) == (
        world.partnership_a, "needs_assessment", TODAY)
    assert completion.link == reverse("partnerships:needs-assessment-detail",
                                      args=["greater-manchester", agreed.pk])
    assert completion.evidence.startswith(f"{agreed.title}: agreed at Partnership board on "
                                          "18 April 2024")

    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SIGNED_OFF)
    assert (event.actor_email, event.partnership_id, event.detail) == (
        "sro.a@example.org", world.partnership_a.pk, {"assessment": agreed.pk})

    status = {m.milestone.key: m for m in milestone_status(world.partnership_a, TODAY)}
    # Done on 1 May 2024 satisfies the first occurrence; the next is 36 months later.
    assert status["needs_assessment"].due_on == dt.date(2027, 5, 1)
    assert status["needs_assessment"].status == "due"


def test_a_second_sign_off_is_refused_and_changes_nothing(world, agreed):
    actions.sign_off(assessment=agreed, by=world.sro_a)
    before = state(agreed)
    with pytest.raises(AssessmentError, match="signed off already"):
        actions.sign_off(assessment=agreed, by=world.sro_a, on=TODAY + dt.timedelta(days=3))
    unchanged(agreed, before)
    assert MilestoneCompletion.objects.count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGNED_OFF).count() == 1


def test_sign_off_is_one_entry_in_the_partnerships_history(world, agreed):
    """The assessment and the milestone it records are one save: one History entry."""
    actions.sign_off(assessment=agreed, by=world.sro_a)
    newest = history.groups(history.versions(world.partnership_a.pk))[0]
    touched = {history.SOURCES[v.source].model for v in newest.versions}
    assert touched == {Assessment, MilestoneCompletion}
    assert newest.user_id == world.sro_a.pk


def treatment_file(year: int, manchester: int, salford: int) -> bytes:
    period = f"{year}-04-01,{year + 1}-03-31"
    return csv_bytes(f"numbers_in_treatment,{MANCHESTER},{period},{manchester},",
                     f"numbers_in_treatment,{SALFORD},{period},{salford},",
                     header="metric,area_code,period_from,period_to,numerator,denominator")


def test_a_newer_data_load_changes_the_outcomes_page_but_not_a_signed_off_assessment(
        world, draft):
    catalogue()
    cover(world.partnership_a, MANCHESTER, SALFORD)
    treatment = Metric.objects.get(key="numbers_in_treatment")
    first = load_bytes(treatment_file(2022, 4200, 1500))
    assert first.status == DataLoad.Status.COMPLETE, first.errors
    recompute_metrics([treatment.pk])
    actions.agree(assessment=draft, meeting=meeting(world.partnership_a), by=world.sro_a)
    actions.sign_off(assessment=draft, by=world.sro_a)
    draft.refresh_from_db()
    frozen = copy.deepcopy(draft.snapshot)
    assert frozen["metrics"]["numbers_in_treatment"]["partnership"]["value"] == 5700
    assert frozen["metrics"]["numbers_in_treatment"]["partnership"]["period"] == "2022/23"
    assert [load["id"] for load in frozen["loads"]] == [first.pk]

    newer = load_bytes(treatment_file(2023, 4400, 1600))
    assert newer.status == DataLoad.Status.COMPLETE, newer.errors
    recompute_metrics([treatment.pk])
    # The outcomes page moves on to the newer figures ...
    latest = metric_view(world.partnership_a, treatment, TODAY).latest
    assert (latest.period_label, latest.value) == ("2023/24", 6000)
    # ... the signed-off assessment does not.
    draft.refresh_from_db()
    assert draft.snapshot == frozen


# --------------------------------------------------------------------------- one at a time


def test_one_assessment_in_progress_at_a_time(world, draft):
    with pytest.raises(AssessmentError, match="already an assessment in progress"):
        actions.start(partnership=world.partnership_a, by=world.member_a)
    assert world.partnership_a.assessments.count() == 1
    # The database refuses a second one made around the action, too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(partnership=world.partnership_a, status="agreed")
    # Another partnership has its own.
    actions.start(partnership=world.partnership_b, by=world.member_b)


def test_once_signed_off_the_next_assessment_can_start(world, agreed):
    actions.sign_off(assessment=agreed, by=world.sro_a)
    following = actions.start(partnership=world.partnership_a, by=world.member_a)
    assert following.status == Assessment.Status.DRAFT
    assert actions.current(world.partnership_a) == following


# --------------------------------------------------------------------------- publish


def test_publish_only_after_sign_off_and_only_once(world, agreed):
    before = state(agreed)
    with pytest.raises(AssessmentError, match="Only a signed-off assessment"):
        actions.publish(assessment=agreed, by=world.sro_a)
    unchanged(agreed, before)
    actions.sign_off(assessment=agreed, by=world.sro_a)
    actions.publish(assessment=agreed, by=world.sro_a)
    published = state(agreed)
    assert published["published_at"] is not None and agreed.published_by == world.sro_a
    with pytest.raises(AssessmentError, match="published already"):
        actions.publish(assessment=agreed, by=world.sro_a)
    unchanged(agreed, published)


# --------------------------------------------------------------------------- findings


def test_a_finding_links_only_this_partnerships_evidence_not_withdrawn(world, draft):
    ours = evidence(world.partnership_a)
    finding = actions.add_finding(assessment=draft, section_key="drug_supply",
                                  statement="  County lines run from the city centre. ",
                                  severity="high", evidence=[ours], by=world.member_a)
    assert (finding.statement, finding.severity, list(finding.evidence.all())) == (
        "County lines run from the city centre.", "high", [ours])

    theirs = evidence(world.partnership_b, title="Berkshire's market profile")
    withdrawn = evidence(world.partnership_a, title="Withdrawn",
                         withdrawn_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    for wrong in (theirs, withdrawn):
        with pytest.raises(AssessmentError, match="this partnership's evidence register"):
            actions.add_finding(assessment=draft, section_key="drug_supply", statement="x",
                                severity="low", evidence=[ours, wrong], by=world.member_a)
        with pytest.raises(AssessmentError, match="this partnership's evidence register"):
            actions.change_finding(finding=finding, statement="Changed", severity="low",
                                   evidence=[wrong], by=world.member_a)
    assert Finding.objects.count() == 1
    finding.refresh_from_db()
    assert (finding.statement, finding.severity, list(finding.evidence.all())) == (
        "County lines run from the city centre.", "high", [ours])


def test_a_finding_needs_a_section_a_statement_and_a_severity(world, draft):
    with pytest.raises(KeyError):
        actions.add_finding(assessment=draft, section_key="no_such_section", statement="x",
                            severity="low", by=world.member_a)
    with pytest.raises(AssessmentError, match="Enter the finding"):
        actions.add_finding(assessment=draft, section_key="crime", statement="  ",
                            severity="low", by=world.member_a)
    with pytest.raises(AssessmentError, match="Select how severe"):
        actions.add_finding(assessment=draft, section_key="crime", statement="x",
                            severity="catastrophic", by=world.member_a)
    assert not Finding.objects.exists()


def test_findings_change_only_while_the_assessment_is_a_draft(world, draft):
    finding = actions.add_finding(assessment=draft, section_key="crime", statement="Before",
                                  severity="low", by=world.member_a)
    actions.agree(assessment=draft, meeting=meeting(world.partnership_a), by=world.sro_a)
    with pytest.raises(AssessmentError, match="Return it to draft"):
        actions.add_finding(assessment=draft, section_key="crime", statement="x",
                            severity="low", by=world.member_a)
    with pytest.raises(AssessmentError, match="Return it to draft"):
        actions.change_finding(finding=finding, statement="After", severity="high",
                               by=world.member_a)
    with pytest.raises(AssessmentError, match="Return it to draft"):
        actions.remove_finding(finding=finding, by=world.member_a)
    finding.refresh_from_db()
    assert (Finding.objects.count(), finding.statement, finding.severity) == (1, "Before", "low")


def test_removing_a_finding_keeps_the_priority_raised_from_it(world, draft):
    finding = actions.add_finding(assessment=draft, section_key="crime",
                                  statement="Acquisitive crime is rising.", severity="medium",
                                  by=world.member_a)
    priority = actions.raise_priority(finding=finding, title="Acquisitive crime",
                                      by=world.sro_a)
    actions.remove_finding(finding=finding, by=world.member_a)
    assert not Finding.objects.exists()
    priority.refresh_from_db()
    assert (priority.title, priority.finding) == ("Acquisitive crime", None)


# --------------------------------------------------------------------------- priorities


def test_raising_a_priority_refuses_a_title_an_active_priority_has(world, agreed):
    finding = Finding.objects.create(assessment=agreed, section_key="crime", statement="x")
    first = actions.raise_priority(finding=finding, title="Reduce drug deaths",
                                   description=" Among men aged 35 to 54. ", by=world.sro_a)
    assert (first.partnership, first.finding, first.description, first.created_by) == (
        world.partnership_a, finding, "Among men aged 35 to 54.", world.sro_a)
    with pytest.raises(AssessmentError, match="already has an active priority called"):
        actions.raise_priority(finding=finding, title="  reduce DRUG deaths ", by=world.sro_a)
    with pytest.raises(AssessmentError, match="Enter the priority's title"):
        actions.raise_priority(finding=finding, title="   ", by=world.sro_a)
    assert Priority.objects.count() == 1
    # Another partnership may use the same words.
    theirs = actions.start(partnership=world.partnership_b, by=world.member_b)
    other = Finding.objects.create(assessment=theirs, section_key="crime", statement="y")
    actions.raise_priority(finding=other, title="Reduce drug deaths", by=world.member_b)


def test_a_signed_off_assessments_findings_can_still_be_raised(world, agreed):
    finding = Finding.objects.create(assessment=agreed, section_key="crime", statement="x")
    actions.sign_off(assessment=agreed, by=world.sro_a)
    priority = actions.raise_priority(finding=finding, title="Carried forward",
                                      by=world.sro_a)
    assert priority.finding == finding


def test_a_priority_is_changed_closed_and_reopened_without_repeating_an_active_title(world):
    one = Priority.objects.create(partnership=world.partnership_a, title="Housing first")
    two = Priority.objects.create(partnership=world.partnership_a, title="Naloxone")
    actions.change_priority(priority=one, title="Housing First", description="Beds",
                            by=world.sro_a)  # its own title, in other letters: fine
    with pytest.raises(AssessmentError, match="already has an active priority"):
        actions.change_priority(priority=two, title="housing first", by=world.sro_a)
    actions.set_priority_status(priority=one, status="closed", by=world.sro_a)
    with pytest.raises(AssessmentError, match="closed already"):
        actions.set_priority_status(priority=one, status="closed", by=world.sro_a)
    actions.change_priority(priority=two, title="Housing first", by=world.sro_a)
    with pytest.raises(AssessmentError, match="already has an active priority"):
        actions.set_priority_status(priority=one, status="active", by=world.sro_a)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, one.title, one.description) == ("closed", "Housing First", "Beds")
    assert (two.status, two.title) == ("active", "Housing first")


def test_every_section_of_the_framework_takes_findings(world, draft):
    for section in guidance().assessment_sections:
        actions.add_finding(assessment=draft, section_key=section.key, statement=section.label,
                            severity="low", by=world.member_a)
    assert draft.findings.count() == len(guidance().assessment_sections)
