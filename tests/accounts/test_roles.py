"""Granting and revoking roles (central administrators), the database's own guard on role
scope, and the audit log page and CSV export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from cdphub.accounts.audit import record
from cdphub.accounts.models import AuditEvent, Membership, Role, User
from cdphub.geography.models import Area
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ROLES = reverse("accounts:roles")
NEW_EMAIL = "new.person@example.org"


@pytest.fixture
def admin_client(world) -> Client:
    client = Client()
    sign_in(client, world.central_admin)
    return client


def grant(client, **fields):
    data = {"email": "", "full_name": "", "role": "", "partnership": "", "region": ""}
    data.update({k: ("" if v is None else v) for k, v in fields.items()})
    return client.post(ROLES, data)


def north_west() -> Area:
    return Area.objects.get(code="E12000002")


def snapshot():
    return (Membership.objects.count(), User.objects.count(),
            AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLE_GRANTED).count(), len(mail.outbox))


# --- granting -----------------------------------------------------------------------------


def test_granting_a_role_to_a_new_person_creates_membership_audit_and_invitation(
        admin_client, world):
    response = grant(admin_client, email=NEW_EMAIL, full_name="New Person", role=Role.MEMBER,
                     partnership=world.partnership_a.pk)

    assert response.status_code == 302
    assert response["Location"] == ROLES
    user = User.objects.get(email=NEW_EMAIL)
    assert user.full_name == "New Person"
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.MEMBER
    assert membership.partnership == world.partnership_a
    assert membership.region is None
    assert membership.ended_at is None
    assert membership.granted_by == world.central_admin
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ROLE_GRANTED)
    assert event.actor_id == world.central_admin.pk
    assert event.actor_email == world.central_admin.email
    assert event.partnership_id == world.partnership_a.pk
    assert event.detail["role"] == Role.MEMBER
    assert event.detail["membership_id"] == membership.pk
    assert NEW_EMAIL in event.target
    assert len(mail.outbox) == 1
    invitation = mail.outbox[0]
    assert invitation.to == [NEW_EMAIL]
    link = re.search(r"https?://testserver(/\S+)", invitation.body)
    assert link and link.group(1).startswith(reverse("accounts:password-reset"))
    # The invitation link lets them choose a password.
    chooser = Client().get(link.group(1), follow=True)
    assert chooser.context["validlink"] is True


def test_new_person_email_is_stored_lower_case(admin_client, world):
    grant(admin_client, email="Mixed.Case@Example.org", full_name="Mixed Case",
          role=Role.MEMBER, partnership=world.partnership_a.pk)

    assert User.objects.filter(email="mixed.case@example.org").count() == 1


def test_granting_a_role_to_an_existing_user_sends_no_invitation(admin_client, world):
    response = grant(admin_client, email=world.member_b.email.upper(), role=Role.DATA_LEAD,
                     partnership=world.partnership_a.pk)

    assert response.status_code == 302
    assert Membership.objects.filter(user=world.member_b, role=Role.DATA_LEAD,
                                     partnership=world.partnership_a).count() == 1
    assert User.objects.filter(email__iexact=world.member_b.email).count() == 1
    assert mail.outbox == []


def test_granting_a_regional_adviser(admin_client, world):
    response = grant(admin_client, email=world.no_role.email, role=Role.REGIONAL_ADVISER,
                     region=north_west().pk)

    assert response.status_code == 302
    membership = Membership.objects.get(user=world.no_role)
    assert membership.role == Role.REGIONAL_ADVISER
    assert membership.region == north_west()
    assert membership.partnership is None
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ROLE_GRANTED)
    assert event.detail["region"] == "E12000002"


def test_granting_a_central_role(admin_client, world):
    response = grant(admin_client, email=world.no_role.email, role=Role.CENTRAL_ANALYST)

    assert response.status_code == 302
    membership = Membership.objects.get(user=world.no_role)
    assert (membership.role, membership.partnership, membership.region) == (
        Role.CENTRAL_ANALYST, None, None)


INVALID = {
    "member without partnership": (
        dict(email="m@example.org", full_name="M", role=Role.MEMBER), "partnership"),
    "lead without partnership": (
        dict(email="m@example.org", full_name="M", role=Role.PARTNERSHIP_LEAD), "partnership"),
    "member with a region too": (
        dict(email="m@example.org", full_name="M", role=Role.MEMBER, partnership="A",
             region="NW"), "region"),
    "regional adviser without region": (
        dict(email="r@example.org", full_name="R", role=Role.REGIONAL_ADVISER), "region"),
    "regional adviser with partnership": (
        dict(email="r@example.org", full_name="R", role=Role.REGIONAL_ADVISER, region="NW",
             partnership="A"), "partnership"),
    "central role with partnership": (
        dict(email="c@example.org", full_name="C", role=Role.CENTRAL_ADMIN, partnership="A"),
        "role"),
    "central role with region": (
        dict(email="c@example.org", full_name="C", role=Role.CENTRAL_ANALYST, region="NW"),
        "role"),
    "new email without full name": (
        dict(email="unknown.person@example.org", role=Role.MEMBER, partnership="A"),
        "full_name"),
    "no role": (dict(email="x@example.org", full_name="X", partnership="A"), "role"),
    "bad email": (dict(email="not-an-email", full_name="X", role=Role.MEMBER,
                       partnership="A"), "email"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_grants_show_the_field_error_and_create_nothing(admin_client, world, case):
    fields, bad_field = INVALID[case]
    resolved = dict(fields)
    if resolved.get("partnership") == "A":
        resolved["partnership"] = world.partnership_a.pk
    if resolved.get("region") == "NW":
        resolved["region"] = north_west().pk
    before = snapshot()

    response = grant(admin_client, **resolved)

    assert response.status_code == 200
    form = response.context["form"]
    assert bad_field in form.errors, form.errors
    page = response.content.decode()
    assert "There is a problem" in page
    # The error summary links to the field, and the field is on the page with its message.
    assert f'href="#id_{bad_field}"' in page
    assert f'id="id_{bad_field}"' in page
    assert f'id="id_{bad_field}-error"' in page
    for message in form.errors[bad_field]:
        assert message.replace("'", "&#x27;") in page
    assert snapshot() == before


def test_granting_the_same_active_role_twice_is_refused(admin_client, world):
    fields = dict(email=NEW_EMAIL, full_name="New Person", role=Role.MEMBER,
                  partnership=world.partnership_a.pk)
    assert grant(admin_client, **fields).status_code == 302
    mail.outbox.clear()

    response = grant(admin_client, **fields)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "already has the role" in page
    user = User.objects.get(email=NEW_EMAIL)
    assert Membership.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLE_GRANTED).count() == 1
    assert mail.outbox == []


def test_granting_an_existing_central_role_again_is_refused(admin_client, world):
    response = grant(admin_client, email=world.central_analyst.email,
                     role=Role.CENTRAL_ANALYST)

    assert response.status_code == 200
    assert "already has the role" in response.content.decode()
    assert Membership.objects.filter(user=world.central_analyst,
                                     role=Role.CENTRAL_ANALYST).count() == 1


def test_a_role_can_be_granted_again_after_it_ended(admin_client, world):
    membership = Membership.objects.get(user=world.member_a)
    admin_client.post(reverse("accounts:revoke-role", args=[membership.pk]))

    response = grant(admin_client, email=world.member_a.email, role=Role.MEMBER,
                     partnership=world.partnership_a.pk)

    assert response.status_code == 302
    assert Membership.objects.filter(user=world.member_a).count() == 2
    assert Membership.objects.active().filter(user=world.member_a).count() == 1


def test_only_central_admins_may_grant(world):
    client = Client()
    sign_in(client, world.sro_a)
    before = snapshot()

    response = grant(client, email=NEW_EMAIL, full_name="New Person", role=Role.CENTRAL_ADMIN)

    assert response.status_code == 403
    assert snapshot() == before


# --- revoking -----------------------------------------------------------------------------


def test_revoking_ends_the_role_and_is_recorded(admin_client, world):
    membership = Membership.objects.get(user=world.member_a)

    response = admin_client.post(reverse("accounts:revoke-role", args=[membership.pk]))

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ended_at is not None
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ROLE_REVOKED)
    assert event.actor_id == world.central_admin.pk
    assert event.partnership_id == world.partnership_a.pk
    assert event.detail["membership_id"] == membership.pk
    assert event.detail["role"] == Role.MEMBER
    # The former member can no longer open the partnership.
    member = Client()
    sign_in(member, world.member_a)
    assert member.get(reverse("partnerships:detail",
                              args=[world.partnership_a.slug])).status_code == 403


def test_revoking_twice_changes_nothing_the_second_time(admin_client, world):
    membership = Membership.objects.get(user=world.member_a)
    url = reverse("accounts:revoke-role", args=[membership.pk])
    admin_client.post(url)
    membership.refresh_from_db()
    ended = membership.ended_at

    response = admin_client.post(url, follow=True)

    assert response.status_code == 200
    assert "already ended" in response.content.decode()
    membership.refresh_from_db()
    assert membership.ended_at == ended
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLE_REVOKED).count() == 1


def test_revoke_refuses_get(admin_client, world):
    membership = Membership.objects.get(user=world.member_a)

    response = admin_client.get(reverse("accounts:revoke-role", args=[membership.pk]))

    assert response.status_code == 405
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_revoking_an_unknown_membership_is_404(admin_client, world):
    missing = Membership.objects.order_by("-pk").first().pk + 1000

    response = admin_client.post(reverse("accounts:revoke-role", args=[missing]))

    assert response.status_code == 404


def test_non_admin_cannot_revoke(world):
    client = Client()
    sign_in(client, world.central_analyst)
    membership = Membership.objects.get(user=world.member_a)

    response = client.post(reverse("accounts:revoke-role", args=[membership.pk]))

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.ended_at is None


# --- the database guards role scope itself ------------------------------------------------


def _bad_scopes(world):
    nw = north_west()
    return {
        "central admin with partnership": dict(role=Role.CENTRAL_ADMIN,
                                               partnership=world.partnership_a),
        "central analyst with region": dict(role=Role.CENTRAL_ANALYST, region=nw),
        "adviser without region": dict(role=Role.REGIONAL_ADVISER),
        "adviser with partnership": dict(role=Role.REGIONAL_ADVISER, region=nw,
                                         partnership=world.partnership_a),
        "member without partnership": dict(role=Role.MEMBER),
        "member with region": dict(role=Role.MEMBER, partnership=world.partnership_a,
                                   region=nw),
    }


@pytest.mark.parametrize("case", [
    "central admin with partnership", "central analyst with region", "adviser without region",
    "adviser with partnership", "member without partnership", "member with region",
])
def test_check_constraint_rejects_membership_with_wrong_scope(world, case):
    scope = _bad_scopes(world)[case]
    before = Membership.objects.count()

    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Membership.objects.create(user=world.no_role, **scope)

    assert Membership.objects.count() == before


# --- audit log ----------------------------------------------------------------------------


def _read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark (docs/downloads.md)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


HEADER = ["Time", "Event", "Event code", "Actor email", "Actor ID", "IP address", "Target",
          "Partnership ID", "Detail"]


def test_audit_log_csv_export(admin_client, world):
    record(AuditEvent.Kind.SIGN_IN_FAILED, actor_email="someone@example.org",
           target="marker-failed")
    record(AuditEvent.Kind.ROLE_GRANTED, actor=world.central_admin, target="marker-granted")

    response = admin_client.get(reverse("accounts:audit-log-csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert ".csv" in response["Content-Disposition"]
    rows = _read_csv(response)
    assert rows[0] == HEADER
    assert all(len(row) == len(HEADER) for row in rows)
    by_target = {row[6]: row for row in rows[1:]}
    assert by_target["marker-failed"][2] == "sign_in_failed"
    assert by_target["marker-failed"][3] == "someone@example.org"
    assert by_target["marker-granted"][2] == "role_granted"
    assert by_target["marker-granted"][1] == AuditEvent.Kind.ROLE_GRANTED.label
    assert by_target["marker-granted"][4] == str(world.central_admin.pk)
    export = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert export.actor_id == world.central_admin.pk


def test_audit_log_csv_respects_the_kind_filter(admin_client, world):
    record(AuditEvent.Kind.SIGN_IN_FAILED, actor_email="a@example.org", target="marker-failed")
    record(AuditEvent.Kind.ROLE_GRANTED, actor=world.central_admin, target="marker-granted")

    response = admin_client.get(reverse("accounts:audit-log-csv"), {"kind": "sign_in_failed"})

    rows = _read_csv(response)
    assert rows[0] == HEADER
    assert len(rows) > 1
    assert {row[2] for row in rows[1:]} == {"sign_in_failed"}
    assert "marker-granted" not in {row[6] for row in rows[1:]}
    export = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert export.detail["filters"]["kind"] == "sign_in_failed"


def test_audit_log_csv_is_for_central_admins_only(world):
    client = Client()
    sign_in(client, world.central_analyst)

    response = client.get(reverse("accounts:audit-log-csv"))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).exists()


def test_audit_log_page_filters_by_kind(admin_client, world):
    record(AuditEvent.Kind.SIGN_IN_FAILED, actor_email="a@example.org", target="marker-failed")
    record(AuditEvent.Kind.ROLE_GRANTED, actor=world.central_admin, target="marker-granted")
    record(AuditEvent.Kind.ROLE_GRANTED, actor=world.central_admin, target="marker-granted-2")

    everything = admin_client.get(reverse("accounts:audit-log"))
    filtered = admin_client.get(reverse("accounts:audit-log"), {"kind": "role_granted"})

    assert everything.status_code == filtered.status_code == 200
    all_page = everything.content.decode()
    assert "marker-failed" in all_page and "marker-granted" in all_page
    events = list(filtered.context["page"].object_list)
    assert {e.kind for e in events} == {"role_granted"}
    assert filtered.context["page"].paginator.count == AuditEvent.objects.filter(
        kind="role_granted").count() == 2
    page = filtered.content.decode()
    assert "marker-granted" in page and "marker-granted-2" in page
    assert "marker-failed" not in page
    assert re.search(r'<option value="role_granted"\s+selected', page)


def test_audit_log_page_filters_by_email(admin_client, world):
    record(AuditEvent.Kind.SIGN_IN_FAILED, actor_email="alice@example.org", target="m-alice")
    record(AuditEvent.Kind.SIGN_IN_FAILED, actor_email="bob@example.org", target="m-bob")

    response = admin_client.get(reverse("accounts:audit-log"), {"email": "ALICE"})

    page = response.content.decode()
    assert "m-alice" in page
    assert "m-bob" not in page
