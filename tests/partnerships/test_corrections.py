"""Records that can be corrected: a meeting changed or withdrawn (with a reason), an action's
wording, owner and due date changed, and the day it was done recorded in the past."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from cdphub.accounts.models import AuditEvent
from cdphub.partnerships.actions import RegisterError
from cdphub.partnerships.meetings import NewAction, record_meeting, withdraw_meeting
from cdphub.partnerships.models import Action, Decision, Meeting
from tests.conftest import sign_in
from tests.partnerships.test_meetings import appoint


def url(name: str, partnership, **kwargs) -> str:
    return reverse(f"partnerships:{name}", kwargs={"slug": partnership.slug, **kwargs})


def date_fields(prefix: str, date: str) -> dict:
    year, month, day = date.split("-")
    return {f"{prefix}_0": day, f"{prefix}_1": month, f"{prefix}_2": year}


@pytest.fixture
def member(client, world):
    sign_in(client, world.member_a)
    return world.member_a


@pytest.fixture
def board(world):
    """A board meeting of 10 May 2023 with two attendees, two decisions and three actions."""
    p = world.partnership_a
    police, lived = appoint(p, "Pat Police", "police"), appoint(p, "Lee Lived", "lived_experience")
    nhs = appoint(p, "Nadia NHS", "nhs")
    meeting = record_meeting(
        partnership=p, held_on=dt.date(2023, 5, 10), title="Partnership board",
        attendees=[police, lived], notes="Quorate.",
        decisions=["Agreed the needs assessment.", "Approved the plan."],
        actions=[NewAction("Draft the annual report", owner=police, due_on=dt.date(2023, 7, 1)),
                 NewAction("Invite the coroner", due_on=dt.date(2023, 6, 1)),
                 NewAction("Book the venue")])
    done = meeting.actions.get(description="Book the venue")
    done.status, done.completed_on = Action.Status.DONE, dt.date(2023, 5, 12)
    done.save()
    return {"meeting": meeting, "police": police, "lived": lived, "nhs": nhs, "done": done,
            "report": meeting.actions.get(description="Draft the annual report"),
            "coroner": meeting.actions.get(description="Invite the coroner")}


def edit_data(board, **extra) -> dict:
    data = {**date_fields("held_on", "2023-05-10"), "title": "Partnership board",
            "attendees": [board["police"].pk, board["lived"].pk], "notes": "Quorate.",
            "decisions": "Agreed the needs assessment.\nApproved the plan."}
    data.update(extra)
    return data


# --- changing a meeting --------------------------------------------------------------------


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_the_change_form_starts_from_what_is_recorded(client, world, member, board):
    body = client.get(url("meeting-edit", world.partnership_a,
                          pk=board["meeting"].pk)).content.decode()
    assert "Change the meeting" in body
    assert 'value="Partnership board"' in body and "Quorate." in body
    assert "Agreed the needs assessment.\nApproved the plan." in body
    checked = set(re.findall(r'name="attendees" value="(\d+)"[^>]* checked', body))
    assert checked == {str(board["police"].pk), str(board["lived"].pk)}
    assert re.search(r'name="held_on_0"[^>]* value="10"', body)


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_every_field_of_a_meeting_can_be_corrected(client, world, member, board):
    meeting = board["meeting"]
    response = client.post(url("meeting-edit", world.partnership_a, pk=meeting.pk), edit_data(
        board, **date_fields("held_on", "2023-05-09"), title="Extraordinary board",
        attendees=[board["police"].pk, board["nhs"].pk], notes="Not quorate.",
        decisions="Agreed the needs assessment in full.\nApproved the plan.\nNoted the risks.",
        action_1_description="Write to the coroner", action_1_owner=board["nhs"].pk,
        **date_fields("action_1_due", "2023-08-01")))
    assert response["Location"] == url("meeting-detail", world.partnership_a, pk=meeting.pk)
    meeting.refresh_from_db()
    assert (meeting.held_on, meeting.title, meeting.notes) == (
        dt.date(2023, 5, 9), "Extraordinary board", "Not quorate.")
    assert {p.full_name for p in meeting.attendees.all()} == {"Pat Police", "Nadia NHS"}
    assert list(meeting.decisions.order_by("pk").values_list("text", flat=True)) == [
        "Agreed the needs assessment in full.", "Approved the plan.", "Noted the risks."]
    new = meeting.actions.get(description="Write to the coroner")
    assert (new.owner, new.due_on, new.status) == (board["nhs"], dt.date(2023, 8, 1), "open")
    assert meeting.actions.count() == 4
    # Removing decision lines removes those decisions.
    client.post(url("meeting-edit", world.partnership_a, pk=meeting.pk), edit_data(
        board, **date_fields("held_on", "2023-05-09"), decisions="Approved the plan."))
    assert list(meeting.decisions.values_list("text", flat=True)) == ["Approved the plan."]


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_a_meeting_cannot_move_after_its_actions_or_into_the_future(client, world, member,
                                                                   board):
    meeting = board["meeting"]
    late = client.post(url("meeting-edit", world.partnership_a, pk=meeting.pk),
                       edit_data(board, **date_fields("held_on", "2023-06-02")))
    body = late.content.decode()
    assert late.status_code == 200 and "There is a problem" in body
    assert ("The action \u201cInvite the coroner\u201d is due on 1 June 2023, before 2 June "
            "2023. Enter the date the meeting was held, or first change the dates of that "
            "action.") in body
    future = client.post(url("meeting-edit", world.partnership_a, pk=meeting.pk),
                         edit_data(board, **date_fields("held_on", "2023-06-16")))
    assert "The date of the meeting must be today or in the past." in future.content.decode()
    meeting.refresh_from_db()
    assert meeting.held_on == dt.date(2023, 5, 10)


# --- withdrawing a meeting -----------------------------------------------------------------


@override_settings(CDPHUB_TODAY="2023-07-15")
def test_withdrawing_needs_a_reason(client, world, member, board):
    target = url("meeting-withdraw", world.partnership_a, pk=board["meeting"].pk)
    page = client.get(target).content.decode()
    assert "2 open actions agreed at this meeting will be cancelled" in page
    for reason in ("", "   "):
        body = client.post(target, {"reason": reason}).content.decode()
        assert "There is a problem" in body
        assert "Enter why the meeting is being withdrawn" in body
    with pytest.raises(RegisterError, match="Enter why"):
        withdraw_meeting(board["meeting"], reason=" \n ", by=world.member_a)
    board["meeting"].refresh_from_db()
    assert not board["meeting"].is_withdrawn


@override_settings(CDPHUB_TODAY="2023-07-15")
def test_a_withdrawn_meeting_stays_in_the_record_and_leaves_the_counts(client, world, member,
                                                                      board):
    p, meeting = world.partnership_a, board["meeting"]
    before = client.get(url("meetings", p)).content.decode()
    assert "2 actions are overdue" in before  # the report and the coroner, both due by 1 July

    response = client.post(url("meeting-withdraw", p, pk=meeting.pk),
                           {"reason": "Recorded twice: see the board of 11 May."})
    assert response["Location"] == url("meeting-detail", p, pk=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.is_withdrawn and meeting.withdrawn_by == world.member_a
    assert meeting.withdrawal_reason == "Recorded twice: see the board of 11 May."
    # Its open actions are cancelled; the one already done keeps its status and date.
    statuses = dict(meeting.actions.values_list("description", "status"))
    assert statuses == {"Draft the annual report": "cancelled", "Invite the coroner": "cancelled",
                        "Book the venue": "done"}
    board["done"].refresh_from_db()
    assert board["done"].completed_on == dt.date(2023, 5, 12)
    # Nothing of it is lost.
    assert meeting.attendees.count() == 2 and meeting.decisions.count() == 2

    index = client.get(url("meetings", p)).content.decode()
    assert "action" not in index.split("Open actions")[0].split("</h1>")[1]  # no overdue warning
    listed = index[index.index("Withdrawn meetings"):]
    assert "Partnership board" in listed and "Recorded twice: see the board of 11 May." in listed
    assert "Meetings, newest first" not in index  # it was the only meeting held
    assert "No meetings are recorded." in index

    detail = client.get(url("meeting-detail", p, pk=meeting.pk)).content.decode()
    assert "This meeting was withdrawn on" in detail and "member.a" in detail
    assert "Reason: Recorded twice: see the board of 11 May." in detail
    assert url("meeting-edit", p, pk=meeting.pk) not in detail

    event = AuditEvent.objects.get(kind=AuditEvent.Kind.RECORD_WITHDRAWN)
    assert (event.actor_id, event.partnership_id) == (world.member_a.pk, p.pk)
    assert event.detail == {"meeting_id": meeting.pk, "reason": meeting.withdrawal_reason,
                            "actions_cancelled": 2}


@override_settings(CDPHUB_TODAY="2023-07-15")
def test_a_withdrawn_meeting_cannot_be_changed_or_withdrawn_again(client, world, member, board):
    meeting = board["meeting"]
    withdraw_meeting(meeting, reason="Did not take place", by=world.member_a)
    for name, data in [("meeting-edit", edit_data(board, title="Renamed")),
                       ("meeting-withdraw", {"reason": "Again"})]:
        response = client.post(url(name, world.partnership_a, pk=meeting.pk), data)
        assert response["Location"] == url("meeting-detail", world.partnership_a, pk=meeting.pk)
    meeting.refresh_from_db()
    assert (meeting.title, meeting.withdrawal_reason) == ("Partnership board",
                                                          "Did not take place")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.RECORD_WITHDRAWN).count() == 1


@override_settings(CDPHUB_TODAY="2023-07-15")
def test_a_withdrawn_meeting_counts_no_core_sectors_and_other_meetings_still_do(
        client, world, member, board):
    other = record_meeting(partnership=world.partnership_a, held_on=dt.date(2023, 6, 20),
                           title="Summer board", attendees=[board["police"]])
    withdraw_meeting(board["meeting"], reason="Recorded twice", by=world.member_a)
    assert list(Meeting.objects.not_withdrawn()) == [other]
    index = client.get(url("meetings", world.partnership_a)).content.decode()
    held = index[index.index("Meetings, newest first"):index.index("Withdrawn meetings")]
    assert "Summer board" in held and "Partnership board" not in held


# --- changing an action --------------------------------------------------------------------


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_an_actions_wording_owner_and_due_date_can_be_changed(client, world, member, board):
    action = board["report"]
    form = client.get(url("action-edit", world.partnership_a, pk=action.pk)).content.decode()
    assert "Draft the annual report" in form
    response = client.post(url("action-edit", world.partnership_a, pk=action.pk), {
        "description": "Draft and publish the annual report", "owner": board["lived"].pk,
        **date_fields("due_on", "2023-09-30")})
    assert response["Location"] == url("actions", world.partnership_a)
    action.refresh_from_db()
    assert (action.description, action.owner, action.due_on, action.status) == (
        "Draft and publish the annual report", board["lived"], dt.date(2023, 9, 30), "open")
    # The owner and due date can be cleared.
    client.post(url("action-edit", world.partnership_a, pk=action.pk),
                {"description": "Draft and publish the annual report", "owner": ""})
    action.refresh_from_db()
    assert (action.owner, action.due_on) == (None, None)


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_an_action_needs_wording_and_a_due_date_not_before_its_meeting(client, world, member,
                                                                      board):
    action = board["report"]
    target = url("action-edit", world.partnership_a, pk=action.pk)
    empty = client.post(target, {"description": "  ", "owner": ""}).content.decode()
    assert "Enter what needs doing." in empty
    early = client.post(target, {"description": "Draft it", "owner": "",
                                 **date_fields("due_on", "2023-05-09")}).content.decode()
    assert ("The due date must be on or after 10 May 2023, the date of the meeting that agreed "
            "the action.") in early
    action.refresh_from_db()
    assert (action.description, action.due_on) == ("Draft the annual report",
                                                    dt.date(2023, 7, 1))


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_an_overdue_action_given_a_later_due_date_is_no_longer_overdue(client, world, member,
                                                                       board):
    action = board["coroner"]  # due 1 June 2023
    assert action.is_overdue(dt.date(2023, 6, 15))
    client.post(url("action-edit", world.partnership_a, pk=action.pk), {
        "description": "Invite the coroner", "owner": "", **date_fields("due_on", "2023-07-01")})
    action.refresh_from_db()
    assert not action.is_overdue(dt.date(2023, 6, 15))
    assert "No actions are overdue." in client.get(
        url("actions", world.partnership_a) + "?show=overdue").content.decode()


# --- the day an action was done ------------------------------------------------------------


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_done_can_be_recorded_on_an_earlier_day(client, world, member, board):
    action = board["report"]
    response = client.post(url("action-update", world.partnership_a, pk=action.pk),
                           {"status": "done", **date_fields("completed_on", "2023-05-31")})
    assert response["Location"] == url("actions", world.partnership_a)
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", dt.date(2023, 5, 31))
    # A wrong day can be corrected, and the meeting's own day is allowed.
    client.post(url("action-update", world.partnership_a, pk=action.pk),
                {"status": "done", **date_fields("completed_on", "2023-05-10")})
    action.refresh_from_db()
    assert action.completed_on == dt.date(2023, 5, 10)
    page = client.get(url("action-update", world.partnership_a, pk=action.pk)).content.decode()
    assert re.search(r'name="completed_on_0"[^>]* value="10"', page)


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_done_cannot_be_in_the_future_or_before_the_meeting(client, world, member, board):
    action = board["report"]
    target = url("action-update", world.partnership_a, pk=action.pk)
    future = client.post(target, {"status": "done", **date_fields("completed_on", "2023-06-16")})
    assert ("The date the action was done must be today or in the past. If it is not done yet, "
            "choose Not started or In progress.") in future.content.decode()
    early = client.post(target, {"status": "done", **date_fields("completed_on", "2023-05-09")})
    assert ("The date the action was done must be on or after 10 May 2023, the meeting that "
            "agreed it.") in early.content.decode()
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("open", None)


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_the_day_done_is_ignored_unless_the_action_is_done(client, world, member, board):
    action = board["done"]
    client.post(url("action-update", world.partnership_a, pk=action.pk),
                {"status": "in_progress", **date_fields("completed_on", "2023-05-12")})
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("in_progress", None)


def test_an_action_recorded_outside_a_meeting_cannot_be_done_before_it_was_recorded(world):
    from cdphub.partnerships.meetings import completion_problem

    action = Action.objects.create(partnership=world.partnership_a, description="Standalone")
    recorded = action.history.get().history_date.date()
    today = recorded + dt.timedelta(days=30)
    assert completion_problem(action, recorded, today) is None
    assert "the day it was recorded" in completion_problem(
        action, recorded - dt.timedelta(days=1), today)


# --- who may correct -----------------------------------------------------------------------


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_readers_see_no_change_or_withdraw_links_and_cannot_post(client, world, board):
    sign_in(client, world.adviser)
    meeting = board["meeting"]
    detail = client.get(url("meeting-detail", world.partnership_a, pk=meeting.pk)).content.decode()
    assert url("meeting-edit", world.partnership_a, pk=meeting.pk) not in detail
    assert url("meeting-withdraw", world.partnership_a, pk=meeting.pk) not in detail
    actions = client.get(url("actions", world.partnership_a)).content.decode()
    assert url("action-edit", world.partnership_a, pk=board["report"].pk) not in actions
    assert client.post(url("meeting-withdraw", world.partnership_a, pk=meeting.pk),
                       {"reason": "Adviser"}).status_code == 403
    meeting.refresh_from_db()
    assert not meeting.is_withdrawn


@override_settings(CDPHUB_TODAY="2023-06-15")
def test_members_see_change_and_withdraw_links(client, world, member, board):
    meeting = board["meeting"]
    detail = client.get(url("meeting-detail", world.partnership_a, pk=meeting.pk)).content.decode()
    assert url("meeting-edit", world.partnership_a, pk=meeting.pk) in detail
    assert url("meeting-withdraw", world.partnership_a, pk=meeting.pk) in detail
    assert url("action-edit", world.partnership_a, pk=board["report"].pk) in detail


def test_decisions_of_a_corrected_meeting_keep_their_records(world, board):
    """A corrected line changes that decision (its history continues) rather than replacing
    every decision."""
    from cdphub.partnerships.meetings import update_meeting

    meeting = board["meeting"]
    first = meeting.decisions.order_by("pk").first()
    update_meeting(meeting, held_on=meeting.held_on, title=meeting.title,
                   attendees=[board["police"], board["lived"]], notes=meeting.notes,
                   decisions=["Agreed the needs assessment, with changes.", "Approved the plan."])
    assert Decision.objects.get(pk=first.pk).text == "Agreed the needs assessment, with changes."
    assert first.history.count() == 2
