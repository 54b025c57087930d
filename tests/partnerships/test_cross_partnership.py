"""A member of partnership B attacks partnership A's records through B's own pages.

The URL × role walk (tests/core/test_url_permissions.py) checks who may open each URL; it
cannot see a form in B's URL that reaches A's records through an e-mail address or an id in
the POST data. Every form or lookup here aims at A's people, appointments, sub-groups,
meetings, actions, terms of reference or footprint from B's pages, and each must be refused
(or handled within B) with nothing of A's changed or shown.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cdphub.accounts.models import Role
from cdphub.geography.models import Area
from cdphub.partnerships import actions, returns
from cdphub.partnerships.governance import save_sub_group
from cdphub.partnerships.meetings import (
    NewAction,
    record_meeting,
    set_action_status,
    update_action,
    update_meeting,
)
from cdphub.partnerships.models import (
    Action,
    Appointment,
    Coverage,
    Decision,
    FootprintChange,
    Meeting,
    Organisation,
    Person,
    SubGroup,
    TermsOfReference,
)
from tests.conftest import make_user, sign_in

START = dt.date(2022, 8, 1)


def dates(prefix: str, value: dt.date) -> dict[str, str]:
    return {f"{prefix}_0": str(value.day), f"{prefix}_1": str(value.month),
            f"{prefix}_2": str(value.year)}


def url(name: str, partnership, **kwargs) -> str:
    return reverse(f"partnerships:{name}", kwargs={"slug": partnership.slug, **kwargs})


@pytest.fixture
def a_records(world):
    """Partnership A (Greater Manchester) with an SRO, a core member, a sub-group, a meeting, an
    action, terms of reference and a footprint; B (Berkshire West) with a footprint and one
    person of its own."""
    a, b = world.partnership_a, world.partnership_b
    Coverage.objects.create(partnership=a, area=Area.objects.get(code="E08000003"),
                            valid_from=START)
    Coverage.objects.create(partnership=b, area=Area.objects.get(code="E06000038"),
                            valid_from=START)
    council = Organisation.objects.create(name="Manchester City Council",
                                          sector="local_authority_officials")
    sro = Person.objects.create(partnership=a, full_name="Sally Owner",
                                job_title="Director of Public Health", organisation=council,
                                email="sro@example.org")
    sro_role = actions.appoint(partnership=a, person=sro, position="sro",
                               sector="local_authority_officials", start_date=START,
                               sro_role="la_director")
    police = Person.objects.create(partnership=a, full_name="Pat Police",
                                   email="pat@police.example")
    actions.appoint(partnership=a, person=police, position="core_member", sector="police",
                    start_date=START)
    group = save_sub_group(SubGroup(partnership=a, name="Treatment group", chair=sro),
                           members=[sro, police])
    meeting = record_meeting(partnership=a, held_on=dt.date(2023, 5, 10), title="Board",
                             attendees=[sro, police],
                             actions=[NewAction("Publish the plan", owner=police)])
    TermsOfReference.objects.create(partnership=a, version=1, notes="A's terms")
    change = FootprintChange.objects.create(partnership=a, effective_from=dt.date(2026, 4, 1),
                                            rationale="A's proposal")
    own = Person.objects.create(partnership=b, full_name="Bea Berkshire",
                                email="bea@berkshire.example")
    actions.appoint(partnership=b, person=own, position="core_member", sector="police",
                    start_date=START)
    return {"sro": sro, "police": police, "sro_role": sro_role, "group": group,
            "meeting": meeting, "action": meeting.actions.get(), "change": change, "own": own}


def snapshot(partnership) -> dict:
    """Everything of a partnership's that an attack could change."""
    return {
        "people": sorted(Person.objects.filter(partnership=partnership).values_list(
            "pk", "full_name", "job_title", "organisation_id", "email", "user_id")),
        "people_in_appointments": sorted(Appointment.objects.filter(
            partnership=partnership).values_list("pk", "person_id", "person__full_name",
                                                 "person__job_title", "position", "end_date")),
        "sub_groups": sorted(SubGroup.objects.filter(partnership=partnership).values_list(
            "pk", "name", "chair_id", "reports_to_id")),
        "sub_group_members": sorted(SubGroup.members.through.objects.filter(
            subgroup__partnership=partnership).values_list("subgroup_id", "person_id")),
        "meetings": sorted(Meeting.objects.filter(partnership=partnership).values_list(
            "pk", "title", "held_on", "notes", "withdrawn_at", "withdrawn_by_id",
            "withdrawal_reason")),
        "decisions": sorted(Decision.objects.filter(meeting__partnership=partnership)
                            .values_list("pk", "meeting_id", "text")),
        "attendees": sorted(Meeting.attendees.through.objects.filter(
            meeting__partnership=partnership).values_list("meeting_id", "person_id")),
        "actions": sorted(Action.objects.filter(partnership=partnership).values_list(
            "pk", "description", "owner_id", "due_on", "status", "completed_on", "meeting_id")),
        "terms": sorted(TermsOfReference.objects.filter(partnership=partnership).values_list(
            "pk", "version", "notes")),
        "coverage": sorted(Coverage.objects.filter(partnership=partnership).values_list(
            "pk", "area_id", "valid_to")),
        "footprint_changes": sorted(FootprintChange.objects.filter(
            partnership=partnership).values_list("pk", "status", "rationale")),
        "return": returns.build_return(partnership).as_row(),
    }


@pytest.fixture
def attacker(client, world, a_records):
    """Signed in as a member of B, with A's records and their state before the attack."""
    sign_in(client, world.member_b)
    return {"a": snapshot(world.partnership_a), "b": snapshot(world.partnership_b)}


def assert_a_unchanged(world, attacker):
    assert snapshot(world.partnership_a) == attacker["a"]


def assert_b_unchanged(world, attacker):
    assert snapshot(world.partnership_b) == attacker["b"]


# --- adding a person -----------------------------------------------------------------------


def add_person(client, partnership, **fields):
    data = {"full_name": "Mallory Attacker", "job_title": "", "organisation": "", "email": "",
            "position": "core_member", "sector": "police", **dates("start_date", START)}
    data.update(fields)
    return client.post(url("appoint", partnership), data)


def test_adding_a_person_with_another_partnerships_email_never_changes_their_person(
        client, world, a_records, attacker):
    response = add_person(client, world.partnership_b, email="SRO@example.org")
    assert response.status_code == 302
    # A's SRO keeps their name, job title and organisation: in the register, in A's return
    # (CSV, XLSX and API are all built from it) and on A's people page.
    assert_a_unchanged(world, attacker)
    row = returns.build_return(world.partnership_a).as_row()
    assert (row["sro_name"], row["sro_job_title"], row["sro_organisation"]) == (
        "Sally Owner", "Director of Public Health", "Manchester City Council")
    # B has a person of its own, with only what the attacker entered.
    mallory = Person.objects.get(partnership=world.partnership_b, email__iexact="sro@example.org")
    assert mallory.pk != a_records["sro"].pk
    assert (mallory.full_name, mallory.job_title, mallory.organisation) == (
        "Mallory Attacker", "", None)
    # What A downloads and what the API gives central government.
    sign_in(client, world.member_a)
    csv_text = client.get(url("return-csv", world.partnership_a)).content.decode()
    assert "Sally Owner" in csv_text and "Mallory" not in csv_text
    sign_in(client, world.central_admin)
    api = client.get(f"/api/v1/partnerships/{world.partnership_a.slug}/return").content.decode()
    assert "Sally Owner" in api and "Mallory" not in api


def test_adding_a_person_with_another_partnerships_email_shows_nothing_of_theirs(
        client, world, a_records, attacker):
    add_person(client, world.partnership_b, email="sro@example.org")
    page = client.get(url("people", world.partnership_b)).content.decode()
    assert "Mallory Attacker" in page
    for secret in ("Sally Owner", "Director of Public Health", "Manchester City Council"):
        assert secret not in page


def test_within_a_partnership_the_same_email_is_the_same_person(client, world, a_records,
                                                                attacker):
    response = add_person(client, world.partnership_b, full_name="Bea Berkshire-Jones",
                          email="BEA@berkshire.example", position="wider_partner")
    assert response.status_code == 302
    bea = a_records["own"]
    bea.refresh_from_db()
    assert bea.full_name == "Bea Berkshire-Jones"
    assert set(bea.appointments.values_list("position", flat=True)) == {"core_member",
                                                                         "wider_partner"}
    assert Person.objects.filter(partnership=world.partnership_b).count() == 1
    assert_a_unchanged(world, attacker)


def test_a_member_of_b_cannot_use_as_pages_at_all(client, world, a_records, attacker):
    response = add_person(client, world.partnership_a, email="sro@example.org")
    assert response.status_code == 403
    assert_a_unchanged(world, attacker)


# --- ids of A's records in B's URLs and forms ----------------------------------------------


def test_ending_as_appointment_through_bs_url_is_not_found(client, world, a_records, attacker):
    target = url("end-appointment", world.partnership_b, pk=a_records["sro_role"].pk)
    assert client.get(target).status_code == 404
    assert client.post(target, dates("end_date", dt.date(2023, 1, 1))).status_code == 404
    assert_a_unchanged(world, attacker)


@pytest.mark.parametrize("fields", [
    lambda r: {"chair": r["sro"].pk},
    lambda r: {"members": [r["sro"].pk, r["police"].pk]},
    lambda r: {"members": [r["own"].pk, r["police"].pk]},
    lambda r: {"reports_to": r["group"].pk},
], ids=["chair", "members", "members-mixed", "reports-to"])
def test_a_sub_group_of_b_cannot_take_as_people_or_groups(client, world, a_records, attacker,
                                                          fields):
    data = {"name": "Mallory's group", "remit": "", **fields(a_records)}
    response = client.post(url("subgroup-create", world.partnership_b), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert_a_unchanged(world, attacker)
    assert_b_unchanged(world, attacker)


def test_as_sub_group_through_bs_url_is_not_found(client, world, a_records, attacker):
    target = url("subgroup-edit", world.partnership_b, pk=a_records["group"].pk)
    assert client.get(target).status_code == 404
    assert client.post(target, {"name": "Renamed", "remit": ""}).status_code == 404
    assert_a_unchanged(world, attacker)


@pytest.mark.parametrize("fields", [
    lambda r: {"attendees": [r["sro"].pk]},
    lambda r: {"attendees": [r["own"].pk, r["police"].pk]},
    lambda r: {"action_1_description": "Steal", "action_1_owner": r["police"].pk},
], ids=["attendee", "attendees-mixed", "action-owner"])
def test_a_meeting_of_b_cannot_take_as_people(client, world, a_records, attacker, fields):
    data = {**dates("held_on", dt.date(2023, 6, 1)), "title": "Board", "notes": "",
            "decisions": "", **fields(a_records)}
    response = client.post(url("meeting-create", world.partnership_b), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert_a_unchanged(world, attacker)
    assert_b_unchanged(world, attacker)


def test_as_meeting_and_action_through_bs_urls_are_not_found(client, world, a_records,
                                                              attacker):
    meeting = url("meeting-detail", world.partnership_b, pk=a_records["meeting"].pk)
    action = url("action-update", world.partnership_b, pk=a_records["action"].pk)
    assert client.get(meeting).status_code == 404
    assert client.get(action).status_code == 404
    assert client.post(action, {"status": "done"}).status_code == 404
    assert_a_unchanged(world, attacker)


def test_as_terms_of_reference_through_bs_url_are_not_found(client, world, a_records,
                                                             attacker):
    # Versions are numbered per partnership: version 1 in B's URL is B's, and B has none.
    assert client.get(url("tor-detail", world.partnership_b, version=1)).status_code == 404
    assert client.get(url("tor-document", world.partnership_b, version=1)).status_code == 404


def test_b_cannot_propose_removing_as_authority(client, world, a_records, attacker):
    sign_in(client, make_user("lead.b@example.org", Role.PARTNERSHIP_LEAD,
                              partnership=world.partnership_b))
    response = client.post(url("footprint-propose", world.partnership_b), {
        "remove_areas": [Area.objects.get(code="E08000003").pk],
        **dates("effective_from", dt.date(2026, 4, 1)), "rationale": "Take it"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert_a_unchanged(world, attacker)
    assert_b_unchanged(world, attacker)


def test_as_footprint_change_through_bs_url_is_not_found(client, world, a_records, attacker):
    sign_in(client, world.central_admin)
    target = url("footprint-decide", world.partnership_b, pk=a_records["change"].pk)
    assert client.get(target).status_code == 404
    assert client.post(target, {"decision": "rejected", "note": "No"}).status_code == 404
    assert_a_unchanged(world, attacker)


# --- the writes themselves refuse another partnership's people ---------------------------


def test_the_actions_refuse_another_partnerships_person(world, a_records):
    b, sro, police = world.partnership_b, a_records["sro"], a_records["police"]
    with pytest.raises(actions.RegisterError, match="this partnership's people"):
        actions.appoint(partnership=b, person=sro, position="wider_partner", sector="police",
                        start_date=START)
    with pytest.raises(actions.RegisterError, match="this partnership's people") as error:
        save_sub_group(SubGroup(partnership=b, name="Group", chair=sro), members=[])
    assert error.value.field == "chair"
    with pytest.raises(actions.RegisterError) as error:
        save_sub_group(SubGroup(partnership=b, name="Group"), members=[a_records["own"], police])
    assert error.value.field == "members"
    with pytest.raises(actions.RegisterError) as error:
        record_meeting(partnership=b, held_on=dt.date(2023, 6, 1), title="Board",
                       attendees=[police])
    assert error.value.field == "attendees"
    with pytest.raises(actions.RegisterError) as error:
        record_meeting(partnership=b, held_on=dt.date(2023, 6, 1), title="Board",
                       actions=[NewAction("Steal", owner=sro)])
    assert error.value.field == "owner"
    assert not Appointment.objects.filter(partnership=b, person__in=[sro, police]).exists()
    assert not SubGroup.objects.filter(partnership=b).exists()
    assert not Meeting.objects.filter(partnership=b).exists()


# --- correcting meetings and actions (changing, withdrawing, back-dating) -----------------


def test_as_meeting_cannot_be_changed_or_withdrawn_through_bs_urls(client, world, a_records,
                                                                   attacker):
    meeting, action = a_records["meeting"].pk, a_records["action"].pk
    edit = url("meeting-edit", world.partnership_b, pk=meeting)
    withdraw = url("meeting-withdraw", world.partnership_b, pk=meeting)
    action_edit = url("action-edit", world.partnership_b, pk=action)
    for target in (edit, withdraw, action_edit):
        assert client.get(target).status_code == 404
    assert client.post(edit, {**dates("held_on", dt.date(2023, 5, 11)), "title": "Stolen",
                              "notes": "", "decisions": "Mallory decides"}).status_code == 404
    assert client.post(withdraw, {"reason": "Mallory says so"}).status_code == 404
    assert client.post(action_edit, {"description": "Stolen", "owner": a_records["own"].pk,
                                     **dates("due_on", dt.date(2023, 7, 1))}).status_code == 404
    assert client.post(url("action-update", world.partnership_b, pk=action), {
        "status": "done", **dates("completed_on", dt.date(2023, 5, 12))}).status_code == 404
    assert_a_unchanged(world, attacker)
    assert_b_unchanged(world, attacker)


def test_a_member_of_b_cannot_post_to_as_correction_pages(client, world, a_records, attacker):
    meeting, action = a_records["meeting"].pk, a_records["action"].pk
    assert client.post(url("meeting-edit", world.partnership_a, pk=meeting), {
        **dates("held_on", dt.date(2023, 5, 11)), "title": "Stolen", "notes": "",
        "decisions": ""}).status_code == 403
    assert client.post(url("meeting-withdraw", world.partnership_a, pk=meeting),
                       {"reason": "Mallory says so"}).status_code == 403
    assert client.post(url("action-edit", world.partnership_a, pk=action),
                       {"description": "Stolen"}).status_code == 403
    assert_a_unchanged(world, attacker)


@pytest.fixture
def b_meeting(world, a_records):
    """B's own meeting and action, for the attacks the other way round."""
    meeting = record_meeting(partnership=world.partnership_b, held_on=dt.date(2023, 5, 3),
                             title="Berkshire board", attendees=[a_records["own"]],
                             decisions=["Berkshire's decision"],
                             actions=[NewAction("Berkshire's action", owner=a_records["own"])])
    return {"meeting": meeting, "action": meeting.actions.get()}


@pytest.fixture
def attacker_a(client, world, a_records, b_meeting):
    """Signed in as a member of A, aiming at B's records."""
    sign_in(client, world.member_a)
    return {"a": snapshot(world.partnership_a), "b": snapshot(world.partnership_b)}


def test_bs_meeting_and_action_through_as_urls_are_not_found(client, world, b_meeting,
                                                             attacker_a):
    meeting, action = b_meeting["meeting"].pk, b_meeting["action"].pk
    for name, pk, data in [
            ("meeting-edit", meeting, {**dates("held_on", dt.date(2023, 5, 4)), "title": "Ours",
                                       "notes": "", "decisions": ""}),
            ("meeting-withdraw", meeting, {"reason": "Not yours"}),
            ("action-edit", action, {"description": "Ours"}),
            ("action-update", action, {"status": "cancelled"})]:
        target = url(name, world.partnership_a, pk=pk)
        assert client.get(target).status_code == 404, name
        assert client.post(target, data).status_code == 404, name
    assert snapshot(world.partnership_b) == attacker_a["b"]
    assert snapshot(world.partnership_a) == attacker_a["a"]


@pytest.mark.parametrize("fields", [
    lambda r: {"attendees": [r["own"].pk]},  # "own" is B's person
    lambda r: {"attendees": [r["sro"].pk, r["own"].pk]},
    lambda r: {"action_1_description": "Theirs", "action_1_owner": r["own"].pk},
], ids=["attendee", "attendees-mixed", "new-action-owner"])
def test_changing_as_meeting_cannot_take_bs_people(client, world, a_records, b_meeting,
                                                   attacker_a, fields):
    data = {**dates("held_on", dt.date(2023, 5, 10)), "title": "Board", "notes": "",
            "decisions": "", **fields(a_records)}
    response = client.post(url("meeting-edit", world.partnership_a,
                               pk=a_records["meeting"].pk), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert snapshot(world.partnership_a) == attacker_a["a"]
    assert snapshot(world.partnership_b) == attacker_a["b"]


def test_as_action_cannot_be_given_to_bs_person(client, world, a_records, b_meeting,
                                                attacker_a):
    response = client.post(url("action-edit", world.partnership_a, pk=a_records["action"].pk),
                           {"description": "Publish the plan", "owner": a_records["own"].pk})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert snapshot(world.partnership_a) == attacker_a["a"]
    assert snapshot(world.partnership_b) == attacker_a["b"]


def test_the_correcting_writes_refuse_another_partnerships_person(world, a_records, b_meeting):
    before = {"a": snapshot(world.partnership_a), "b": snapshot(world.partnership_b)}
    meeting, own = b_meeting["meeting"], a_records["own"]
    with pytest.raises(actions.RegisterError) as error:
        update_meeting(a_records["meeting"], held_on=dt.date(2023, 5, 10), title="Board",
                       attendees=[own])
    assert error.value.field == "attendees"
    with pytest.raises(actions.RegisterError) as error:
        update_meeting(meeting, held_on=dt.date(2023, 5, 3), title="Berkshire board",
                       actions=[NewAction("Theirs", owner=a_records["sro"])])
    assert error.value.field == "owner"
    with pytest.raises(actions.RegisterError) as error:
        update_action(a_records["action"], description="Publish the plan", owner=own,
                      due_on=None)
    assert error.value.field == "owner"
    with pytest.raises(actions.RegisterError):  # done before the meeting that agreed it
        set_action_status(a_records["action"], "done", dt.date(2023, 6, 1),
                          completed_on=dt.date(2023, 5, 9))
    assert {"a": snapshot(world.partnership_a), "b": snapshot(world.partnership_b)} == before
