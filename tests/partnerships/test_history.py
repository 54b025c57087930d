"""The History page: one entry per save with the fields it changed, filtered by record type
and by who made the change, a page at a time."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from cdphub.framework import guidance
from cdphub.partnerships import history
from cdphub.partnerships.changesets import change_set
from cdphub.partnerships.meetings import (
    NewAction,
    record_meeting,
    set_action_status,
    update_meeting,
    withdraw_meeting,
)
from cdphub.partnerships.models import Appointment, Person, TermsOfReference
from tests.conftest import sign_in


def history_url(partnership, query: str = "") -> str:
    return reverse("partnerships:history", args=[partnership.slug]) + query


def entries_of(body: str) -> list[str]:
    """The text of each History entry on the page made by someone signed in (the test world's
    partnerships and people are made with no one signed in)."""
    return [entry for entry in
            re.findall(r'<li class="app-timeline__item">(.*?)\n  </li>', body, re.S)
            if "by the system" not in entry]


def date_fields(prefix: str, date: dt.date) -> dict:
    return {f"{prefix}_0": str(date.day), f"{prefix}_1": str(date.month),
            f"{prefix}_2": str(date.year)}


def appoint(partnership, name: str, sector: str) -> Person:
    person = Person.objects.create(partnership=partnership, full_name=name)
    Appointment.objects.create(partnership=partnership, person=person, position="core_member",
                               sector=sector, start_date="2022-08-01")
    return person


@pytest.fixture
def member(client, world):
    sign_in(client, world.member_a)
    return world.member_a


def test_one_save_of_the_terms_of_reference_is_one_entry(client, world, member):
    """It used to be 11: the version and its 10 checklist items each had an entry."""
    first = guidance().terms_of_reference_contents[0].key
    data = {**date_fields("agreed_on", dt.date(2023, 1, 10)), "notes": "Adopted by the board",
            f"addressed_{first}": "on", f"where_{first}": "Section 2"}
    response = client.post(reverse("partnerships:tor-create", args=[world.partnership_a.slug]),
                           data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TermsOfReference.objects.get().items.count() == 10
    body = client.get(history_url(world.partnership_a)).content.decode()
    entries = entries_of(body)
    assert len(entries) == 1
    assert "Terms of reference added: version 1" in entries[0]
    assert "Terms of reference checklist added:" in entries[0]
    assert entries[0].count("<li>") >= 10  # each checklist item named inside the one entry
    assert f"by {world.member_a.full_name}" in entries[0]
    assert "2 changes." in body  # this save, and the partnership's own creation


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_a_meeting_changed_on_its_page_is_one_entry_listing_each_change(client, world, member):
    p = world.partnership_a
    police, lived = appoint(p, "Pat Police", "police"), appoint(p, "Lee Lived", "lived_experience")
    meeting = record_meeting(partnership=p, held_on=dt.date(2023, 5, 10), title="Board",
                             attendees=[police], decisions=["Agreed the plan."],
                             by=world.member_a)
    client.post(reverse("partnerships:meeting-edit", args=[p.slug, meeting.pk]), {
        **date_fields("held_on", dt.date(2023, 5, 9)), "title": "Partnership board",
        "attendees": [lived.pk], "notes": "", "decisions": "Agreed the plan in full.",
        "action_1_description": "Publish the plan"})
    entries = entries_of(client.get(history_url(p)).content.decode())
    assert len(entries) == 2  # recorded, then changed
    changed = entries[0]
    assert "Meeting changed: Partnership board, 9 May 2023" in changed
    assert "date: 10 May 2023 → 9 May 2023" in changed
    assert "title: Board → Partnership board" in changed
    assert "attendees added: Lee Lived" in changed and "attendees removed: Pat Police" in changed
    assert "Decision changed:" in changed
    assert "text: Agreed the plan. → Agreed the plan in full." in changed
    assert "Action added:</span> Publish the plan" in changed
    assert "Meeting added: Board, 10 May 2023" in entries[1]


@override_settings(CDPHUB_TODAY="2023-07-15")
def test_a_withdrawal_is_one_entry_with_its_reason_and_the_actions_cancelled(world, client,
                                                                           member):
    p = world.partnership_a
    meeting = record_meeting(partnership=p, held_on=dt.date(2023, 5, 10), title="Board",
                             actions=[NewAction("Publish the plan")])
    withdraw_meeting(meeting, reason="Recorded twice", by=world.sro_a)
    entries = entries_of(client.get(history_url(p)).content.decode())
    assert "Meeting withdrawn: Board, 10 May 2023" in entries[0]
    assert "Reason: Recorded twice" in entries[0]
    assert "status: Not started → Cancelled" in entries[0]
    assert f"by {world.sro_a.full_name}" in entries[0]


def test_a_change_set_made_outside_a_page_is_credited_and_grouped(world):
    p = world.partnership_a
    meeting = record_meeting(partnership=p, held_on=dt.date(2023, 5, 10), title="Board",
                             decisions=["One", "Two"], actions=[NewAction("Act")],
                             by=world.member_a)
    versions = history.versions(p.pk)
    assert len(versions) == 1 + 4  # the partnership; the meeting, 2 decisions, 1 action
    saves = history.groups(versions, person=str(world.member_a.pk))
    assert len(saves) == 1 and len(saves[0].versions) == 4
    set_action_status(meeting.actions.get(), "done", dt.date(2023, 5, 12), by=world.sro_a)
    saves = history.groups(history.versions(p.pk))
    assert [s.user_id for s in saves] == [world.sro_a.pk, world.member_a.pk, None]


def test_change_sets_started_at_the_same_moment_are_still_two_saves(world, monkeypatch):
    from cdphub.partnerships import changesets

    moment = changesets.timezone.now()
    monkeypatch.setattr(changesets.timezone, "now", lambda: moment)  # a clock that stands still
    for version in (1, 2):
        with change_set(by=world.member_a):
            TermsOfReference.objects.create(partnership=world.partnership_a, version=version)
    saves = history.groups(history.versions(world.partnership_a.pk),
                           person=str(world.member_a.pk))
    assert len(saves) == 2


def test_terms_recorded_outside_a_page_are_one_save(world):
    """As the demo records Greater Manchester's terms of reference (the 11 entries seen)."""
    from cdphub.partnerships.governance import create_terms

    create_terms(partnership=world.partnership_a, checklist={}, uploaded_by=world.member_a)
    saves = history.groups(history.versions(world.partnership_a.pk),
                           person=str(world.member_a.pk))
    assert [len(save.versions) for save in saves] == [11]


def test_nested_change_sets_are_one(world):
    with change_set(by=world.member_a) as outer:
        with change_set(by=world.sro_a) as inner:
            assert inner is outer


def test_sensitive_values_are_only_said_to_have_changed(client, world, member):
    person = Person.objects.create(partnership=world.partnership_a, full_name="Pat Police",
                                   email="pat.old@police.example")
    with change_set(by=world.member_a):
        person.email = "pat.new@police.example"
        person.job_title = "Inspector"
        person.save()
    body = client.get(history_url(world.partnership_a)).content.decode()
    assert "email: changed (not shown)" in body
    assert "job title: (empty) → Inspector" in body
    assert "pat.old@" not in body and "pat.new@" not in body


def test_filter_by_record_type_and_by_person(client, world, member):
    p = world.partnership_a
    with change_set(by=world.member_a):
        TermsOfReference.objects.create(partnership=p, version=1, notes="Members' terms")
    record_meeting(partnership=p, held_on=dt.date(2023, 5, 10), title="SRO's board",
                   by=world.sro_a)
    everything = client.get(history_url(p)).content.decode()
    assert len(entries_of(everything)) == 2
    # The filter offers the people who made changes, by name.
    assert f'<option value="{world.sro_a.pk}">{world.sro_a.full_name}</option>' in everything

    meetings = entries_of(client.get(history_url(p, "?type=meetings")).content.decode())
    assert len(meetings) == 1 and "SRO&#x27;s board" in meetings[0]
    terms = entries_of(client.get(history_url(p, "?type=terms")).content.decode())
    assert len(terms) == 1 and "Terms of reference added" in terms[0]
    by_sro = entries_of(client.get(history_url(p, f"?person={world.sro_a.pk}")).content.decode())
    assert len(by_sro) == 1 and "Meeting added" in by_sro[0]
    both = client.get(history_url(p, f"?type=terms&person={world.sro_a.pk}")).content.decode()
    assert entries_of(both) == [] and "No changes match the filters." in both
    # Values not offered are ignored rather than hiding everything.
    assert len(entries_of(client.get(history_url(p, "?type=nonsense&person=999999"))
                          .content.decode())) == 2


def test_another_partnerships_people_are_not_offered_or_shown(client, world, member):
    record_meeting(partnership=world.partnership_b, held_on=dt.date(2023, 5, 10),
                   title="Berkshire board", by=world.member_b)
    body = client.get(history_url(world.partnership_a)).content.decode()
    assert "Berkshire board" not in body
    assert world.member_b.full_name not in body


def test_history_is_paged(client, world, member):
    p = world.partnership_a
    for n in range(history.PER_PAGE + 5):
        with change_set(by=world.member_a):
            TermsOfReference.objects.create(partnership=p, version=n + 1)
    first = client.get(history_url(p)).content.decode()
    assert len(entries_of(first)) == history.PER_PAGE
    assert "version 25" in first and "version 5<" not in first
    assert 'class="govuk-pagination"' in first and 'rel="next"' in first
    second = client.get(history_url(p, "?page=2")).content.decode()
    assert len(entries_of(second)) == 5
    assert "version 5<" in second and "version 1<" in second
    assert "page 2 of 2" in second
    # Filters are kept from page to page.
    filtered = client.get(history_url(p, "?type=terms")).content.decode()
    assert "type=terms&amp;page=2" in filtered or "page=2&amp;type=terms" in filtered


def test_unchanged_saves_are_left_out(client, world, member):
    meeting = record_meeting(partnership=world.partnership_a, held_on=dt.date(2023, 5, 10),
                             title="Board", by=world.member_a)
    update_meeting(meeting, held_on=meeting.held_on, title="Board", by=world.member_a)
    meeting.save()  # a save that changes nothing still writes a version
    entries = entries_of(client.get(history_url(world.partnership_a)).content.decode())
    assert len(entries) == 1 and "Meeting added" in entries[0]
