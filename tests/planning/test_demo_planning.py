"""The demo's needs assessments (demo/planning.py): every partnership has one, signed off or
in progress, with narrative written from its own figures, findings raised to priorities, an
evidence register and a data-sharing register; the sign-off recorded the milestone."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

import pytest

from cdphub.core.clock import today
from cdphub.demo.planning import build_planning_demo, deaths_sentence, tiny_pdf
from cdphub.demo.planning_figures import prepared_views
from cdphub.framework import guidance
from cdphub.partnerships.models import MilestoneCompletion, Partnership
from cdphub.planning import actions, figures
from cdphub.planning.models import (
    Assessment,
    DataHolding,
    Evidence,
    Priority,
    SharingAgreement,
)

GM = "greater-manchester"


@pytest.fixture
def demo(shared_demo, db):
    return shared_demo


def _json(value):
    return json.loads(json.dumps(value))


def test_every_partnership_has_an_assessment_of_each_kind(demo):
    kinds = Counter()
    for partnership in Partnership.objects.prefetch_related("assessments"):
        assessments = list(partnership.assessments.all())
        signed = [a for a in assessments if a.is_signed_off]
        in_progress = [a for a in assessments if a.is_in_progress]
        assert assessments, partnership.name
        assert len(in_progress) <= 1
        assert all(a.snapshot and a.snapshot["metrics"] for a in signed)
        kinds[(bool(signed), bool(in_progress))] += 1
    assert kinds[(True, False)] >= 1  # signed off, nothing in progress
    assert kinds[(True, True)] >= 1  # signed off, and the next one started
    assert 1 <= kinds[(False, True)] <= 20  # a few only in progress (overdue)
    assert kinds[(False, False)] == 0


def test_greater_manchester_has_a_published_assessment_and_a_draft(demo):
    gm = Partnership.objects.get(slug=GM)
    signed = gm.assessments.signed_off().get()
    draft = gm.assessments.in_progress().get()
    assert signed.is_published
    assert signed.signed_off_by.email == "sro@example.org"
    assert signed.agreed_by.email == "lead@example.org"
    meeting = signed.agreed_at_meeting
    assert meeting.partnership == gm and meeting.held_on < signed.signed_off_on < today()
    assert draft.status == Assessment.Status.DRAFT
    assert draft.created_by.email == "lead@example.org"
    # The draft starts from the signed-off narrative and revises some sections.
    before = {n.section_key: n.text for n in signed.narratives.all()}
    after = {n.section_key: n.text for n in draft.narratives.all()}
    assert set(after) == set(before)
    assert after["residents_lives"] != before["residents_lives"]
    assert after["drug_use"] == before["drug_use"]


def test_signed_off_assessments_were_agreed_at_an_earlier_meeting_and_signed_in_the_past(demo):
    signed = Assessment.objects.signed_off().select_related("agreed_at_meeting", "partnership")
    assert signed.count() > 100
    for assessment in signed:
        meeting = assessment.agreed_at_meeting
        assert meeting.partnership_id == assessment.partnership_id
        assert meeting.held_on < assessment.signed_off_on < today()
        assert not meeting.is_withdrawn
    sros = {a.signed_off_by.email for a in signed if a.signed_off_by is not None}
    assert sros == {"sro@example.org"}  # the only SRO with an account


def test_the_snapshot_froze_the_figures_before_the_newest_deaths_arrived(demo):
    """The demo signs off its assessments, then loads the newest period of deaths (as a newly
    published year arrives): a signed-off assessment keeps the deaths figure it froze, an
    older period than the outcomes pages now show, and every other metric is what
    ``figures.build`` gives for the sign-off day."""
    chosen = ["greater-manchester", "cumbria", "isles-of-scilly", "barnsley", "westminster"]
    assessments = Assessment.objects.signed_off().filter(partnership__slug__in=chosen)
    assert assessments.count() >= 4
    for assessment in assessments:
        expected = _json(figures.build(assessment.partnership, assessment.signed_off_on))
        frozen = assessment.snapshot
        assert frozen["as_at"] == assessment.signed_off_on.isoformat()
        assert frozen["loads"]
        for key, block in expected["metrics"].items():
            if key != "drug_misuse_deaths":
                assert frozen["metrics"][key] == block, (assessment.partnership.slug, key)
        then = frozen["metrics"]["drug_misuse_deaths"]["partnership"]
        now = expected["metrics"]["drug_misuse_deaths"]["partnership"]
        if then and now:
            assert then["period_end"] < now["period_end"], assessment.partnership.slug
            assert then["period"] != now["period"]
        newest = [load["file_name"] for load in expected["loads"]]
        assert "synthetic_demo_drug_misuse_deaths_newest.csv" in newest
        assert "synthetic_demo_drug_misuse_deaths_newest.csv" not in [
            load["file_name"] for load in frozen["loads"]]


def test_prepared_views_give_what_metric_view_gives(demo):
    """The demo's bulk views change nothing ``figures.build`` returns, for partnerships of
    every kind (many authorities, a reorganised county before and after, the smallest)."""
    slugs = ["greater-manchester", "cumbria", "isles-of-scilly", "berkshire-west", "barnsley"]
    partnerships = list(Partnership.objects.filter(slug__in=slugs).select_related("region"))
    days = [dt.date(2022, 10, 1), today()]
    plain = {(p.pk, on): _json(figures.build(p, on)) for p in partnerships for on in days}
    with prepared_views(partnerships, {p.pk: days for p in partnerships}):
        for p in partnerships:
            for on in days:
                assert _json(figures.build(p, on)) == plain[(p.pk, on)], (p.slug, on)
    cumbria = next(p for p in partnerships if p.slug == "cumbria")
    authorities = {day: [a["name"] for a in plain[(cumbria.pk, day)]["metrics"]
                         ["drug_misuse_deaths"]["authorities"]] for day in days}
    assert authorities[days[0]] == ["Cumbria"]
    assert authorities[days[1]] == ["Cumberland", "Westmorland and Furness"]


def test_each_sign_off_recorded_the_milestone_once(demo):
    for partnership in Partnership.objects.prefetch_related("assessments",
                                                            "milestone_completions"):
        completions = [c for c in partnership.milestone_completions.all()
                       if c.milestone_key == actions.MILESTONE]
        signed = [a for a in partnership.assessments.all() if a.is_signed_off]
        for assessment in signed:
            linked = [c for c in completions if c.link == actions.assessment_url(assessment)]
            assert len(linked) == 1, partnership.name
            assert linked[0].completed_on == assessment.signed_off_on
        # The 2022 assessment (a document, before cdphub) and one per sign-off: no other.
        assert len(completions) == 1 + len(signed), partnership.name
        assert [c.evidence for c in completions if not c.link] == [
            "Joint needs assessment 2022"]
        if not signed:  # not refreshed since 2022: the three-year clock has run out
            assert max(c.completed_on for c in completions) < today() - dt.timedelta(days=3 * 365)
    assert not MilestoneCompletion.objects.filter(evidence__contains="refresh 2025").exists()


def test_the_narrative_covers_every_section_and_gives_the_partnerships_own_deaths_figure(demo):
    sections = {s.key for s in guidance().assessment_sections}
    mentioned = 0
    for assessment in Assessment.objects.select_related("partnership").prefetch_related(
            "narratives"):
        texts = {n.section_key: n.text for n in assessment.narratives.all()}
        assert set(texts) == sections, assessment
        assert all(len(re.findall(r"[.!?](\s|$)", t)) >= 2 for t in texts.values()), assessment
        place = assessment.partnership.name.replace(" Combating Drugs Partnership", "")
        assert place in texts["residents_lives"]
        if assessment.snapshot is None:
            continue  # a draft, written before the newest deaths figures arrived
        own = assessment.snapshot["metrics"]["drug_misuse_deaths"]["partnership"]
        if own and own["text"]:
            assert f"{own['text']} in {own['period']}" in texts["residents_lives"], assessment
            mentioned += 1
    assert mentioned > 100
    # Not the same text everywhere.
    partners = Counter(n.text for a in Assessment.objects.signed_off()[:30]
                       for n in a.narratives.filter(section_key="partners"))
    assert len(partners) > 5


def test_deaths_sentence_uses_the_figure_and_says_when_there_is_none():
    from cdphub.demo.planning import _Fig

    figure = _Fig("10.6 per 100,000", "2021 - 23", "worse than England", "getting worse",
                  "5.5 per 100,000")
    assert deaths_sentence("Bolton", figure) == (
        "Deaths related to drug misuse in Bolton were 10.6 per 100,000 in 2021 - 23 (worse "
        "than England, 5.5 per 100,000, getting worse).")
    assert "too few to publish" in deaths_sentence("Rutland", None)


def test_findings_have_evidence_and_some_became_priorities(demo):
    for partnership in Partnership.objects.all()[:40]:
        first = partnership.assessments.order_by("created_at", "id").first()
        findings = list(first.findings.prefetch_related("evidence"))
        assert 3 <= len(findings) <= 8, partnership.name
        assert all(f.evidence.exists() for f in findings)
        assert {f.severity for f in findings} <= {"high", "medium", "low"}
        priorities = Priority.objects.filter(partnership=partnership)
        assert 2 <= priorities.count() <= 5, partnership.name
        assert all(p.finding.assessment_id == first.pk for p in priorities)


def test_evidence_register(demo):
    for partnership in Partnership.objects.all():
        entries = list(Evidence.objects.filter(partnership=partnership))
        assert 4 <= len(entries) <= 10, partnership.name
        assert all(e.owner_id and e.dated < today() for e in entries)
        kinds = {e.evidence_type: e for e in entries}
        assert kinds["drugs_market_profile"].visibility == Evidence.Visibility.PARTNERSHIP
        assert kinds["jsna"].visibility == Evidence.Visibility.PUBLISHABLE
        assert all(e.link.startswith("https://example.org/") or e.file for e in entries)
    gm = Evidence.objects.filter(partnership__slug=GM)
    assert gm.get(evidence_type="jsna").title == "Greater Manchester JSNA 2024: substance " \
        "misuse chapter"
    stored = gm.exclude(file="").get()
    assert stored.file_type == "application/pdf" and stored.file.name.endswith(".pdf")
    assert stored.file_size == len(tiny_pdf(stored.title)) > 0
    assert stored.file_name.endswith(".pdf")


def test_the_demo_pdf_is_a_valid_pdf():
    content = tiny_pdf("Service user survey 2024")
    assert content.startswith(b"%PDF-1.4\n") and content.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)\n", content).group(1))
    assert content[xref:].startswith(b"xref\n0 6\n")
    offsets = [int(x) for x in re.findall(rb"(\d{10}) 00000 n", content)]
    assert len(offsets) == 5
    for number, offset in enumerate(offsets, start=1):
        assert content[offset:].startswith(b"%d 0 obj" % number)
    assert b"(Service user survey 2024) Tj" in content


def test_data_sharing_register(demo):
    now = today()
    past_review = set()
    for partnership in Partnership.objects.all():
        holdings = DataHolding.objects.filter(partnership=partnership)
        assert 3 <= holdings.count() <= 6, partnership.name
        assert holdings.filter(sharing=DataHolding.Sharing.INTENDED).exists()
        agreements = list(SharingAgreement.objects.filter(partnership=partnership)
                          .prefetch_related("parties"))
        assert 2 <= len(agreements) <= 4
        assert [a.status for a in agreements].count("in_development") == 1
        for agreement in agreements:
            assert agreement.parties.exists() and agreement.purpose
            if agreement.status == SharingAgreement.Status.IN_PLACE:
                assert agreement.signed_on < now and agreement.review_on
        if any(a.is_past_review(now) for a in agreements):
            past_review.add(partnership.slug)
    assert GM in past_review
    assert 5 < len(past_review) < Partnership.objects.count()
    assert SharingAgreement.objects.filter(lawful_basis="public_task").count() > \
        SharingAgreement.objects.exclude(lawful_basis="public_task").count()


def test_building_the_needs_assessments_again_duplicates_nothing(demo):
    models = [Assessment, Evidence, DataHolding, SharingAgreement, Priority,
              MilestoneCompletion]
    before = {model: model.objects.count() for model in models}
    counts = build_planning_demo(today(), {})
    assert counts == {"assessments": 0, "evidence": 0, "agreements": 0}
    assert {model: model.objects.count() for model in models} == before
