"""Meetings and actions: recording a meeting all or nothing, the core sectors present, and
open and overdue actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from cdphub.partnerships.meetings import core_sectors_present, present_count
from cdphub.partnerships.models import Action, Appointment, Decision, Meeting, Person
from tests.conftest import sign_in


def url(name: str, partnership, **kwargs) -> str:
    return reverse(f"partnerships:{name}", kwargs={"slug": partnership.slug, **kwargs})


def appoint(partnership, name: str, sector: str, start="2022-08-01", end=None,
            position="core_member") -> Person:
    person = Person.objects.create(partnership=partnership, full_name=name)
    Appointment.objects.create(partnership=partnership, person=person, position=position,
                               sector=sector, start_date=start, end_date=end)
    return person


@pytest.fixture
def member(client, world):
    sign_in(client, world.member_a)
    return world.member_a


@pytest.fixture
def people(world):
    p = world.partnership_a
    return {
        "police": appoint(p, "Pat Police", "police"),
        "nhs": appoint(p, "Nadia NHS", "nhs", "2022-08-01", "2023-03-31"),  # left
        "treatment": appoint(p, "Tom Treatment", "treatment_providers", "2023-06-01"),  # later
        "lived": appoint(p, "Lee Lived", "lived_experience"),
        "wider": appoint(p, "Wendy Wider", "vcse", position="wider_partner"),
        "absent": appoint(p, "Abe Absent", "probation"),
    }


def date_fields(prefix: str, date: str) -> dict:
    year, month, day = date.split("-")
    return {f"{prefix}_0": day, f"{prefix}_1": month, f"{prefix}_2": year}


def meeting_data(attendees=(), decisions="", **extra) -> dict:
    data = {**date_fields("held_on", "2023-05-10"), "title": "Partnership board",
            "attendees": [p.pk for p in attendees], "notes": "", "decisions": decisions}
    data.update(extra)
    return data


# --- core sectors present ------------------------------------------------------------------


def test_core_sectors_present_uses_attendees_roles_on_the_meeting_date(world, people):
    meeting = Meeting.objects.create(partnership=world.partnership_a, held_on="2023-05-10")
    meeting.held_on = dt.date(2023, 5, 10)
    meeting.attendees.set([people[k] for k in ("police", "nhs", "treatment", "lived", "wider")])
    presence = core_sectors_present(meeting, world.partnership_a.appointments.all())
    assert len(presence) == 10
    present = {p.sector.key: [person.full_name for person in p.people]
               for p in presence if p.present}
    # NHS had left, treatment not yet appointed, VCSE is not a core sector, probation absent.
    assert present == {"police": ["Pat Police"], "lived_experience": ["Lee Lived"]}
    assert present_count(presence) == 2

    meeting.held_on = dt.date(2023, 3, 31)  # the NHS member's last day
    assert present_count(core_sectors_present(meeting, world.partnership_a.appointments.all())) \
        == 3


def test_a_role_in_another_partnership_does_not_count(world):
    person = appoint(world.partnership_b, "Elsewhere", "police")
    meeting = Meeting.objects.create(partnership=world.partnership_a, held_on="2023-05-10")
    meeting.held_on = dt.date(2023, 5, 10)
    meeting.attendees.set([person])
    assert present_count(core_sectors_present(meeting, world.partnership_a.appointments.all())) \
        == 0


# --- recording a meeting -------------------------------------------------------------------


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_record_a_meeting_with_decisions_and_actions(client, world, member, people):
    data = meeting_data(
        attendees=[people["police"], people["lived"], people["treatment"]],
        decisions="Agreed the needs assessment.\n\n  Approved the plan.  \nNoted the report.",
        action_1_description="Draft the annual report", action_1_owner=people["police"].pk,
        **date_fields("action_1_due", "2023-07-01"),
        action_3_description="Invite the coroner's office")
    response = client.post(url("meeting-create", world.partnership_a), data)
    meeting = Meeting.objects.get()
    assert response["Location"] == url("meeting-detail", world.partnership_a, pk=meeting.pk)
    assert meeting.held_on == dt.date(2023, 5, 10)
    assert [d.text for d in Decision.objects.order_by("pk")] == [
        "Agreed the needs assessment.", "Approved the plan.", "Noted the report."]
    actions = list(Action.objects.order_by("pk"))
    assert [(a.description, a.owner, a.due_on, a.status, a.meeting) for a in actions] == [
        ("Draft the annual report", people["police"], dt.date(2023, 7, 1), "open", meeting),
        ("Invite the coroner's office", None, None, "open", meeting)]
    assert {a.partnership for a in actions} == {world.partnership_a}

    body = client.get(response["Location"]).content.decode()
    # Tom Treatment started on 1 June 2023, after the meeting: 2 of 10 present.
    assert "2 of 10 core sectors were present" in body
    assert "no role in the partnership on that day" in body
    assert "Approved the plan." in body


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_attendees_must_hold_a_current_role(client, world, member, people):
    form = client.get(url("meeting-create", world.partnership_a)).content.decode()
    assert "Pat Police" in form
    assert "Nadia NHS" not in form  # left in March 2023
    response = client.post(url("meeting-create", world.partnership_a),
                           meeting_data(attendees=[people["nhs"]]))
    assert "Select a valid choice" in response.content.decode()
    assert not Meeting.objects.exists()


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_an_action_needs_a_description_if_it_has_an_owner_or_due_date(client, world, member,
                                                                     people):
    response = client.post(url("meeting-create", world.partnership_a), meeting_data(
        decisions="Agreed something", action_2_owner=people["police"].pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter what needs doing for action 2, or clear its owner and due date." in body
    assert not Meeting.objects.exists() and not Decision.objects.exists()


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_dates_are_checked(client, world, member, people):
    future = client.post(url("meeting-create", world.partnership_a),
                         meeting_data(**date_fields("held_on", "2023-06-16")))
    assert "The date of the meeting must be today or in the past." in future.content.decode()
    early = client.post(url("meeting-create", world.partnership_a), meeting_data(
        action_1_description="Something", **date_fields("action_1_due", "2023-05-09")))
    assert "Due date for action 1 must be on or after the meeting." in early.content.decode()
    bad = client.post(url("meeting-create", world.partnership_a), meeting_data(
        action_4_description="Something", **date_fields("action_4_due", "2023-02-30")))
    assert "Due date for action 4 must be a real date" in bad.content.decode()
    assert not Meeting.objects.exists()


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_recording_a_meeting_is_all_or_nothing(client, world, member, people, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Action.objects, "create", fail)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post(url("meeting-create", world.partnership_a), meeting_data(
            attendees=[people["police"]], decisions="One\nTwo",
            action_1_description="Will fail"))
    assert not Meeting.objects.exists()
    assert not Decision.objects.exists()
    assert not Meeting.attendees.through.objects.exists()


def test_meetings_are_listed_newest_first_with_core_sectors_present(client, world, member,
                                                                    people):
    p = world.partnership_a
    for held_on, title, attendees in [
            ("2022-09-20", "First board", [people["police"]]),
            ("2023-05-10", "Third board", [people["police"], people["lived"], people["nhs"]]),
            ("2022-12-13", "Second board", [])]:
        meeting = Meeting.objects.create(partnership=p, held_on=held_on, title=title)
        meeting.attendees.set(attendees)
    body = client.get(url("meetings", p)).content.decode()
    assert body.index("Third board") < body.index("Second board") < body.index("First board")
    rows = body[body.index("Meetings, newest first"):]
    third = rows[rows.index("Third board"):rows.index("Second board")]
    assert "2 of 10" in third  # Nadia NHS had left by May 2023
    assert "0 of 10" in rows[rows.index("Second board"):rows.index("First board")]


# --- actions -------------------------------------------------------------------------------


@pytest.fixture
def actions(world):
    p = world.partnership_a

    def make(description, due, status="open", partnership=p):
        return Action.objects.create(partnership=partnership, description=description,
                                     due_on=dt.date.fromisoformat(due) if due else None,
                                     status=status)

    return {
        "late": make("Late and not started", "2024-04-30"),
        "late_in_progress": make("Late and in progress", "2024-04-01", "in_progress"),
        "due_today": make("Due today", "2024-05-01"),
        "no_date": make("No due date", None),
        "done": make("Done though late", "2024-01-01", "done"),
        "cancelled": make("Cancelled and late", "2024-01-01", "cancelled"),
        "elsewhere": make("Berkshire's late action", "2024-01-01",
                          partnership=world.partnership_b),
    }


@override_settings(CDPHUB_TODAY="2024-05-01")
def test_overdue_means_open_or_in_progress_with_a_due_date_before_today(client, world, member,
                                                                       actions):
    today = dt.date(2024, 5, 1)
    assert {k for k, a in actions.items() if a.is_overdue(today)} == {
        "late", "late_in_progress", "elsewhere"}

    summary = client.get(url("meetings", world.partnership_a)).content.decode()
    assert "2 actions are overdue" in summary

    overdue = client.get(url("actions", world.partnership_a) + "?show=overdue").content.decode()
    assert "Late and not started" in overdue and "Late and in progress" in overdue
    for other in ("Due today", "No due date", "Done though late", "Cancelled and late",
                  "Berkshire"):
        assert other not in overdue
    assert overdue.count(">Overdue</strong>") == 2

    open_page = client.get(url("actions", world.partnership_a)).content.decode()
    for text in ("Late and not started", "Late and in progress", "Due today", "No due date"):
        assert text in open_page
    assert "Done though late" not in open_page
    assert "Open (4)" in open_page and "Overdue (2)" in open_page and "All (6)" in open_page

    everything = client.get(url("actions", world.partnership_a) + "?show=all").content.decode()
    assert "Done though late" in everything and "Cancelled and late" in everything
    assert everything.count(">Overdue</strong>") == 2


@override_settings(CDPHUB_TODAY="2024-05-02")
def test_tomorrow_the_action_due_today_is_overdue(client, world, member, actions):
    body = client.get(url("actions", world.partnership_a) + "?show=overdue").content.decode()
    assert "Due today" in body
    assert "Overdue (3)" in body


@override_settings(CDPHUB_TODAY="2024-05-01")
def test_completing_an_action_records_the_day(client, world, member, actions):
    action = actions["late"]
    response = client.post(url("action-update", world.partnership_a, pk=action.pk),
                           {"status": "done"})
    assert response["Location"] == url("actions", world.partnership_a)
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", dt.date(2024, 5, 1))
    assert not action.is_overdue(dt.date(2024, 5, 1))

    with override_settings(CDPHUB_TODAY="2024-05-09"):  # saving again keeps the first day
        client.post(url("action-update", world.partnership_a, pk=action.pk), {"status": "done"})
    action.refresh_from_db()
    assert action.completed_on == dt.date(2024, 5, 1)

    client.post(url("action-update", world.partnership_a, pk=action.pk),
                {"status": "in_progress"})
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("in_progress", None)


def test_status_must_be_one_of_the_choices(client, world, member, actions):
    action = actions["late"]
    response = client.post(url("action-update", world.partnership_a, pk=action.pk),
                           {"status": "abandoned"})
    assert "Select a valid choice" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"


def test_other_partnerships_cannot_change_or_reach_an_action(client, world, actions):
    action = actions["late"]
    sign_in(client, world.member_b)
    response = client.post(url("action-update", world.partnership_a, pk=action.pk),
                           {"status": "done"})
    assert response.status_code == 403
    action.refresh_from_db()
    assert action.status == "open"
    # Berkshire's own slug does not reach Manchester's action either.
    assert client.get(url("action-update", world.partnership_b, pk=action.pk)).status_code == 404


def test_a_reader_sees_actions_without_change_links(client, world, actions):
    sign_in(client, world.adviser)
    body = client.get(url("actions", world.partnership_a) + "?show=all").content.decode()
    assert "Late and not started" in body
    assert f"/actions/{actions['late'].pk}/" not in body


def test_meeting_of_another_partnership_is_not_found(client, world, member):
    meeting = Meeting.objects.create(partnership=world.partnership_b, held_on="2023-01-01")
    assert client.get(url("meeting-detail", world.partnership_a, pk=meeting.pk)).status_code \
        == 404
