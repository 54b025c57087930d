"""The guidance as data: the lists the guidance gives, each entry citing its source."""

import datetime as dt

from cdphub.framework import guidance


def test_the_lists_have_the_lengths_the_guidance_gives():
    g = guidance()
    assert len(g.core_sectors) == 10  # chapter 3: minimum key organisations
    assert len(g.wider_partner_types) == 9
    assert len(g.lead_roles) == 3
    assert len(g.terms_of_reference_contents) == 10
    assert len(g.principles) == 9  # Box 3
    assert len(g.commitments) == 15  # Box 6
    assert {c.priority for c in g.commitments} == {
        "Break drug supply chains", "Deliver a world-class treatment and recovery system",
        "Achieve a generational shift in the demand for drugs"}
    assert [len([c for c in g.commitments if c.priority == p]) for p in (
        "Break drug supply chains", "Deliver a world-class treatment and recovery system",
        "Achieve a generational shift in the demand for drugs")] == [5, 7, 3]


def test_every_entry_cites_a_section_and_keys_are_unique():
    g = guidance()
    for name in ("sro_roles", "lead_roles", "core_sectors", "wider_partner_types",
                 "terms_of_reference_contents", "governance_bodies", "principles", "milestones",
                 "commitments", "assessment_sections", "evidence_types"):
        entries = getattr(g, name)
        assert all(e.source.strip() for e in entries), name
        keys = [e.key for e in entries]
        assert len(keys) == len(set(keys)), name


def test_the_needs_assessment_follows_box_4():
    """Box 4's five questions, then the seven things the analysis should refer to, each
    naming only metrics of the outcomes framework."""
    from cdphub.framework.outcomes import outcomes_framework

    sections = guidance().assessment_sections
    assert [s.group for s in sections] == ["question"] * 5 + ["dimension"] * 7
    assert sections[0].label == "How can we measure if our residents' lives are improved?"
    assert sections[3].label == "Which partners have a key role to play in doing better?"
    assert all(s.prompt.strip() for s in sections)
    known = {m.key for m in outcomes_framework().metrics}
    for section in sections:
        assert isinstance(section.metrics, tuple)
        assert set(section.metrics) <= known, section.key
    assert "drug_misuse_deaths" in guidance().assessment_section("current_performance").metrics
    # Chapter 4, "Analyse": JSNAs, data packs, market profiles, inspections, case reviews, feedback
    types = dict(guidance().choices("evidence_types"))
    assert {"jsna", "ohid_data_pack", "drugs_market_profile", "community_safety_assessment",
            "inspection_cqc", "inspection_ofsted", "inspection_hmip", "inspection_hmicfrs",
            "case_review_homicide", "case_review_safeguarding", "service_user_feedback"} <= set(types)


def test_milestone_deadlines_match_the_checklist():
    g = guidance()
    deadlines = {m.key: m.deadline for m in g.milestones}
    assert deadlines["sro_nominated"] == dt.date(2022, 8, 1)
    assert deadlines["terms_of_reference"] == dt.date(2022, 9, 30)
    assert deadlines["needs_assessment"] == dt.date(2022, 11, 30)
    assert deadlines["delivery_plan"] == dt.date(2022, 12, 31)
    assert deadlines["progress_report"] == dt.date(2023, 4, 30)
    assert g.milestone("needs_assessment").recurrence_months == 36
    assert g.milestone("progress_report").recurrence_months == 12
    assert g.milestone("progress_report").anchor == "deadline"
