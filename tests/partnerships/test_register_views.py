"""The register's pages: forms validate, write through the actions, and show the result."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import override_settings
from django.urls import reverse

from cdphub.accounts.models import Role
from cdphub.geography.models import Area
from cdphub.partnerships import actions
from cdphub.partnerships.models import (
    Appointment,
    Coverage,
    FootprintChange,
    Partnership,
    Person,
)
from tests.conftest import make_user, sign_in


def date_fields(name: str, value: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(value.day), f"{name}_1": str(value.month), f"{name}_2": str(value.year)}


def ids(*codes):
    return [Area.objects.get(code=c).pk for c in codes]


@pytest.fixture
def registered(world):
    """Partnership A with a footprint (the world fixture's partnerships have none)."""
    Coverage.objects.create(partnership=world.partnership_a,
                            area=Area.objects.get(code="E08000003"), valid_from="2022-08-01")
    return world


def test_central_admin_registers_a_partnership(client, world):
    sign_in(client, world.central_admin)
    response = client.post(reverse("partnerships:create"), {
        "name": "Tees Valley Combating Drugs Partnership",
        "authorities": ids("E06000001", "E06000002"),
        **date_fields("valid_from", dt.date(2022, 8, 1)),
        "rationale": "Shared police force and treatment provider",
    })
    partnership = Partnership.objects.get(name="Tees Valley Combating Drugs Partnership")
    assert response.status_code == 302 and response["Location"] == partnership.get_absolute_url()
    assert partnership.slug == "tees-valley"
    assert partnership.region.code == "E12000001"
    assert set(partnership.coverages.values_list("area__code", flat=True)) == {
        "E06000001", "E06000002"}


def test_registering_a_covered_authority_names_the_partnership_and_saves_nothing(client,
                                                                              registered):
    sign_in(client, registered.central_admin)
    response = client.post(reverse("partnerships:create"), {
        "name": "Manchester City", "authorities": ids("E08000003"),
        **date_fields("valid_from", dt.date(2023, 1, 1)), "rationale": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "already covered by Greater Manchester CDP" in page
    assert not Partnership.objects.filter(name="Manchester City").exists()


def test_a_bad_date_is_reported_on_its_field(client, world):
    sign_in(client, world.central_admin)
    response = client.post(reverse("partnerships:create"), {
        "name": "X", "authorities": ids("E06000001"),
        "valid_from_0": "31", "valid_from_1": "2", "valid_from_2": "2023", "rationale": "x"})
    page = response.content.decode()
    assert 'href="#id_valid_from_0"' in page
    assert "Footprint starts must be a real date" in page
    assert not Partnership.objects.filter(name="X").exists()


def test_a_member_adds_the_sro_and_sees_them_on_the_people_page(client, registered):
    sign_in(client, registered.member_a)
    response = client.post(reverse("partnerships:appoint", args=["greater-manchester"]), {
        "full_name": "Andy Burnham", "job_title": "Mayor", "organisation": "GMCA",
        "email": "mayor@gmca.example", "position": "sro", "sector": "elected_members",
        "sro_role": "elected_mayor", "elected_tier": "combined",
        **date_fields("start_date", dt.date(2022, 7, 1))})
    assert response.status_code == 302
    appointment = Appointment.objects.get(partnership=registered.partnership_a, position="sro")
    assert (appointment.person.full_name, appointment.sro_role) == ("Andy Burnham",
                                                                    "elected_mayor")
    page = client.get(reverse("partnerships:people", args=["greater-manchester"])).content
    assert b"Andy Burnham" in page and b"Elected mayor" in page


def test_the_sro_form_asks_for_the_role_and_an_email(client, registered):
    sign_in(client, registered.member_a)
    response = client.post(reverse("partnerships:appoint", args=["greater-manchester"]), {
        "full_name": "No Role", "position": "sro", "sector": "pcc",
        **date_fields("start_date", dt.date(2022, 7, 1))})
    page = response.content.decode()
    assert "Choose the role the SRO holds." in page
    assert "Enter an email address" in page
    assert not Appointment.objects.exists()


def test_a_member_of_b_cannot_add_people_to_a(client, registered):
    sign_in(client, registered.member_b)
    response = client.post(reverse("partnerships:appoint", args=["greater-manchester"]), {
        "full_name": "Intruder", "position": "core_member", "sector": "police",
        **date_fields("start_date", dt.date(2022, 7, 1))})
    assert response.status_code == 403
    assert not Appointment.objects.exists()


def test_a_lead_proposes_and_central_agrees_a_footprint_change(client, registered):
    lead = make_user("lead.a@example.org", Role.PARTNERSHIP_LEAD,
                     partnership=registered.partnership_a)
    sign_in(client, lead)
    response = client.post(reverse("partnerships:footprint-propose", args=["greater-manchester"]),
                           {"add_areas": ids("E08000001"),
                            **date_fields("effective_from", dt.date(2024, 4, 1)),
                            "rationale": "Bolton joins"})
    assert response.status_code == 302
    change = FootprintChange.objects.get()
    assert change.status == "proposed" and change.proposed_by == lead
    # The lead cannot decide; the central administrator can.
    decide = reverse("partnerships:footprint-decide", args=["greater-manchester", change.pk])
    assert client.post(decide, {"decision": "agreed"}).status_code == 403
    sign_in(client, registered.central_admin)
    assert client.post(decide, {"decision": "agreed", "note": "Fine"}).status_code == 302
    change.refresh_from_db()
    assert change.status == "agreed"
    assert registered.partnership_a.coverages.filter(area__code="E08000001").exists()


@override_settings(CDPHUB_TODAY="2023-06-01")
def test_national_milestones_filter_shows_only_overdue(client, registered):
    sign_in(client, registered.central_admin)
    actions.appoint(partnership=registered.partnership_a,
                    person=Person.objects.create(partnership=registered.partnership_a,
                                                 full_name="Sam SRO"), position="sro", sector="pcc",
                    start_date=dt.date(2022, 7, 1), sro_role="pcc")
    response = client.get(reverse("partnerships:national-milestones") + "?show=overdue")
    page = response.content.decode()
    assert "Greater Manchester CDP" in page  # its terms of reference are overdue
    assert "Overdue" in page
    # Regional advisers see their region only: B (South East) is not on their table.
    sign_in(client, registered.adviser)
    page = client.get(reverse("partnerships:national-milestones")).content.decode()
    assert "Greater Manchester CDP" in page and "Berkshire West CDP" not in page


def test_history_shows_who_changed_what(client, registered):
    sign_in(client, registered.member_a)
    client.post(reverse("partnerships:appoint", args=["greater-manchester"]), {
        "full_name": "Pat Police", "position": "core_member", "sector": "police",
        **date_fields("start_date", dt.date(2022, 7, 1))})
    appointment = Appointment.objects.get()
    client.post(reverse("partnerships:end-appointment", args=["greater-manchester",
                                                             appointment.pk]),
                date_fields("end_date", dt.date(2023, 7, 1)))
    page = client.get(reverse("partnerships:history", args=["greater-manchester"])).content
    text = page.decode()
    assert "Role added" in text and "Role changed" in text
    assert "end date: (empty) → 1 Jul 2023" in text
    assert f"by {registered.member_a.full_name}" in text


def test_partnership_list_for_a_member_is_only_their_own(client, registered):
    sign_in(client, registered.member_a)
    page = client.get(reverse("partnerships:list")).content.decode()
    assert "Greater Manchester CDP" in page and "Berkshire West CDP" not in page


@override_settings(CDPHUB_TODAY="2023-06-01")
def test_national_milestones_download_as_csv_is_audited(client, registered):
    from cdphub.accounts.models import AuditEvent

    sign_in(client, registered.central_admin)
    response = client.get(reverse("partnerships:national-milestones") + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ("Partnership,Partnership code,Region,Region code,Milestone,Due on,"
                        "Status,Completed on,Evidence")
    assert any(line.startswith("Greater Manchester CDP,greater-manchester,North West,E12000002,"
                               "Agree terms of reference")
               and ",Overdue," in line for line in lines)
    assert len(lines) == 1 + 2 * 8  # two partnerships, eight milestones each
    assert AuditEvent.objects.filter(kind="export", target__contains="milestone").exists()


@override_settings(CDPHUB_TODAY="2022-06-01")
def test_national_milestones_csv_says_due_only_within_the_window_as_the_page_does(
        client, registered):
    sign_in(client, registered.central_admin)
    response = client.get(reverse("partnerships:national-milestones") + "?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    on = dt.date(2022, 6, 1)
    statuses = {(row["Status"], (dt.date.fromisoformat(row["Due on"]) - on).days > 90)
                for row in rows if row["Status"] in {"Due", "Not yet due"}}
    # Due only within 90 days of its date; further away, "Not yet due" (as the tag says).
    assert ("Not yet due", True) in statuses and ("Due", False) in statuses
    assert ("Due", True) not in statuses and ("Not yet due", False) not in statuses


def test_history_includes_checklist_items_and_decisions(client, registered):
    from cdphub.partnerships.models import Decision, Meeting, TermsOfReference, TermsOfReferenceItem

    terms = TermsOfReference.objects.create(partnership=registered.partnership_a, version=1)
    TermsOfReferenceItem.objects.create(terms=terms, content_key="meeting_frequency",
                                        addressed=True, where="Section 5")
    meeting = Meeting.objects.create(partnership=registered.partnership_a, held_on="2023-01-10")
    Decision.objects.create(meeting=meeting, text="Adopt the treatment workforce plan")
    other = Meeting.objects.create(partnership=registered.partnership_b, held_on="2023-01-10")
    Decision.objects.create(meeting=other, text="Something in Berkshire")
    sign_in(client, registered.member_a)
    text = client.get(reverse("partnerships:history", args=["greater-manchester"])).content.decode()
    assert "Terms of reference checklist added" in text
    assert "Decision added: Adopt the treatment workforce plan" in text
    assert "Something in Berkshire" not in text


def test_history_makes_a_fixed_number_of_queries(client, registered):
    from cdphub.partnerships.models import Person

    person = Person.objects.create(partnership=registered.partnership_a, full_name="Pat Police")
    appointment = actions.appoint(partnership=registered.partnership_a, person=person,
                                  position="core_member", sector="police",
                                  start_date=dt.date(2022, 7, 1))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, registered.member_a)
    url = reverse("partnerships:history", args=["greater-manchester"])

    def queries_after(edits: int) -> tuple[int, str]:
        for year in range(2023, 2023 + edits):
            appointment.start_date = dt.date(year, 1, 1)
            appointment.save()
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        return len(captured), page

    one, _ = queries_after(1)
    many, page = queries_after(10)
    assert page.count("start date:") == 10  # the first of the ten repeats 1 Jan 2023
    assert many <= one + 2  # no diff lookup or display name per version
