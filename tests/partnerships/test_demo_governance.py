"""The governance demo data (cdphub.demo.governance)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from cdphub.demo.governance import build_governance_demo
from cdphub.geography.models import Area
from cdphub.partnerships.models import (
    Action,
    Appointment,
    Decision,
    LocalBodyLink,
    Meeting,
    Partnership,
    Person,
    SubGroup,
    TermsOfReference,
    TermsOfReferenceItem,
)

TODAY = dt.date(2025, 6, 30)
SECTORS = ["elected_members", "local_authority_officials", "nhs", "jobcentre_plus",
           "treatment_providers", "police", "pcc", "probation", "lived_experience",
           "secure_estate"]
# Sept 2022 to June 2025, quarterly: Sep, Dec 2022; 4 in each of 2023 and 2024; Mar, Jun 2025.
QUARTERS = 12


@pytest.fixture
def partnerships(world):
    """Eight partnerships: six with people (some of whom left), two with nobody."""
    region = Area.objects.get(code="E12000002")
    result = [world.partnership_a, world.partnership_b]
    for n in range(6):
        result.append(Partnership.objects.create(name=f"Demo {n} Combating Drugs Partnership",
                                                 slug=f"demo-{n}", region=region))
    for partnership in result[:-2]:
        for n, sector in enumerate(SECTORS):
            person = Person.objects.create(partnership=partnership,
                                           full_name=f"{partnership.slug} person {n}")
            left = dt.date(2023, 12, 31) if n % 4 == 0 else None
            Appointment.objects.create(partnership=partnership, person=person,
                                       position="core_member", sector=sector,
                                       start_date=dt.date(2022, 8, 1), end_date=left)
            if left:
                successor = Person.objects.create(
                    partnership=partnership, full_name=f"{partnership.slug} successor {n}")
                Appointment.objects.create(partnership=partnership, person=successor,
                                           position="core_member", sector=sector,
                                           start_date=dt.date(2024, 1, 1))
    return result


def snapshot(partnerships) -> list:
    """Everything the demo wrote, in a form that compares across runs."""
    rows = []
    for p in partnerships:
        rows.append([(t.version, t.agreed_on, t.review_due,
                      sorted((i.content_key, i.addressed, i.where) for i in t.items.all()))
                     for t in p.terms_of_reference.order_by("version")])
        rows.append(sorted((g.name, g.reports_to.name if g.reports_to else None,
                            g.chair.full_name if g.chair else None,
                            sorted(m.full_name for m in g.members.all()))
                           for g in p.sub_groups.all()))
        rows.append(sorted((link.body_type, link.name, link.relationship)
                           for link in p.local_links.all()))
        rows.append([(m.held_on, sorted(a.full_name for a in m.attendees.all()),
                      sorted(d.text for d in m.decisions.all()),
                      sorted((a.description, a.status, a.due_on, a.completed_on,
                              a.owner.full_name if a.owner else None)
                             for a in m.actions.all()))
                     for m in p.meetings.order_by("held_on")])
    return rows


def clear_governance() -> None:
    for model in (Action, Decision, Meeting, TermsOfReference, LocalBodyLink):
        model.objects.all().delete()
    SubGroup.objects.exclude(reports_to=None).delete()  # reports_to protects the others
    SubGroup.objects.all().delete()


def test_builds_plausible_governance_for_each_partnership(partnerships):
    build_governance_demo(partnerships, random.Random(2022), TODAY)
    for p in partnerships:
        versions = list(p.terms_of_reference.order_by("version"))
        assert [t.version for t in versions] == list(range(1, len(versions) + 1))
        assert len(versions) <= 3
        for terms in versions:
            assert terms.agreed_on <= TODAY < dt.date(2026, 1, 1)
            assert terms.review_due > terms.agreed_on
            assert terms.items.count() == 10
            for item in terms.items.all():
                assert bool(item.where) == item.addressed
        if versions:
            assert dt.date(2022, 8, 1) <= versions[0].agreed_on <= dt.date(2023, 12, 31)
        assert 1 <= p.sub_groups.count() <= 4
        assert 3 <= p.local_links.count() <= 6
        assert {"csp", "hwb"} <= set(p.local_links.values_list("body_type", flat=True))
        meetings = list(p.meetings.order_by("held_on"))
        assert len(meetings) == QUARTERS
        assert meetings[0].held_on.year == 2022 and meetings[0].held_on.month == 9
        assert all(m.held_on <= TODAY for m in meetings)
        for meeting in meetings:
            assert 1 <= meeting.decisions.count() <= 3
            assert meeting.actions.count() <= 3


def test_only_people_appointed_in_the_partnership_take_part(partnerships):
    build_governance_demo(partnerships, random.Random(7), TODAY)
    for p in partnerships:
        appointments = list(p.appointments.all())
        appointed = {a.person_id for a in appointments}
        for meeting in p.meetings.prefetch_related("attendees"):
            for person in meeting.attendees.all():
                assert any(a.person_id == person.pk and a.is_current_on(meeting.held_on)
                           for a in appointments), (p, meeting, person)
        for group in p.sub_groups.all():
            assert {m.pk for m in group.members.all()} <= appointed
            assert group.chair_id is None or group.chair_id in appointed
        owners = set(p.actions.exclude(owner=None).values_list("owner_id", flat=True))
        assert owners <= appointed


def test_partnerships_without_people_get_records_but_meetings_without_attendees(partnerships):
    build_governance_demo(partnerships, random.Random(7), TODAY)
    for p in partnerships[-2:]:
        assert p.meetings.count() == QUARTERS
        assert not Meeting.attendees.through.objects.filter(meeting__partnership=p).exists()
        assert not p.sub_groups.exclude(chair=None).exists()
        assert not p.actions.exclude(owner=None).exists()
        assert p.sub_groups.exists() and p.local_links.exists()
    with_people = partnerships[0]
    assert Meeting.attendees.through.objects.filter(meeting__partnership=with_people).count() \
        > QUARTERS * 3


def test_actions_are_mostly_done_some_open_a_few_overdue(partnerships):
    build_governance_demo(partnerships, random.Random(7), TODAY)
    actions = list(Action.objects.filter(partnership__in=partnerships))
    assert len(actions) > 50
    done = [a for a in actions if a.status == Action.Status.DONE]
    overdue = [a for a in actions if a.is_overdue(TODAY)]
    still_open = [a for a in actions if a.status in ("open", "in_progress")]
    assert len(done) > len(actions) / 2
    assert 0 < len(overdue) < len(actions) / 5
    assert len(still_open) > len(overdue)
    for action in actions:
        assert (action.completed_on is not None) == (action.status == Action.Status.DONE)
        if action.completed_on:
            assert action.meeting.held_on <= action.completed_on <= TODAY
        assert action.due_on > action.meeting.held_on


def test_sub_groups_report_within_their_partnership_and_history_is_kept(partnerships):
    build_governance_demo(partnerships, random.Random(11), TODAY)
    for group in SubGroup.objects.exclude(reports_to=None).select_related("reports_to"):
        assert group.reports_to.partnership_id == group.partnership_id
        assert group.reports_to.reports_to_id is None
    assert SubGroup.history.count() == SubGroup.objects.count()
    assert Meeting.history.count() == Meeting.objects.count()
    assert TermsOfReferenceItem.history.count() == TermsOfReferenceItem.objects.count()


def test_same_seed_same_data_and_each_partnership_independent_of_the_others(partnerships):
    build_governance_demo(partnerships, random.Random(99), TODAY)
    first = snapshot(partnerships)
    clear_governance()
    assert not SubGroup.objects.exists()
    # The same seed, the partnerships in another order and only some of them at first.
    build_governance_demo(list(reversed(partnerships))[:3], random.Random(99), TODAY)
    build_governance_demo(partnerships, random.Random(99), TODAY)
    assert snapshot(partnerships) == first


def test_different_seed_different_data(partnerships):
    build_governance_demo(partnerships[:1], random.Random(1), TODAY)
    first = snapshot(partnerships[:1])
    clear_governance()
    build_governance_demo(partnerships[:1], random.Random(2), TODAY)
    assert snapshot(partnerships[:1]) != first


def test_running_again_adds_nothing(partnerships):
    build_governance_demo(partnerships, random.Random(3), TODAY)
    counts = [model.objects.count() for model in (TermsOfReference, SubGroup, LocalBodyLink,
                                                  Meeting, Decision, Action)]
    build_governance_demo(partnerships, random.Random(3), TODAY)
    assert [model.objects.count() for model in (TermsOfReference, SubGroup, LocalBodyLink,
                                                Meeting, Decision, Action)] == counts


def test_before_the_first_meeting_there_are_none(partnerships):
    build_governance_demo(partnerships, random.Random(5), dt.date(2022, 8, 20))
    assert not Meeting.objects.exists()
    assert all(t.agreed_on <= dt.date(2022, 8, 20) for t in TermsOfReference.objects.all())
