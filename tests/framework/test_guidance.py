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
                 "commitments"):
        entries = getattr(g, name)
        assert all(e.source.strip() for e in entries), name
        keys = [e.key for e in entries]
        assert len(keys) == len(set(keys)), name


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
