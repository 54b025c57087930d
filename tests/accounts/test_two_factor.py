"""Two-factor sign-in for central, SRO and lead roles: the code step, backup codes and set-up."""

from __future__ import annotations

import base64
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdphub.accounts.models import AuditEvent, Membership, Role, User
from cdphub.accounts.roles import active_memberships, all_memberships, pending_two_factor_roles
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

TWO_FACTOR = reverse("accounts:two-factor")
SET_UP = reverse("accounts:two-factor-set-up")


def code_for(device: TOTPDevice, steps_from_now: int = 0) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.time = time.time() + steps_from_now * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    """A code that is not accepted now, whatever the tolerance."""
    near = {code_for(device, offset) for offset in range(-3, 4)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444",
                            "555555", "666666", "777777", "888888") if c not in near)


def partnership_url(world) -> str:
    return reverse("partnerships:detail", args=[world.partnership_a.slug])


@pytest.fixture
def device(world) -> TOTPDevice:
    return TOTPDevice.objects.create(user=world.sro_a, name="phone", confirmed=True)


@pytest.fixture
def sro_client(world, device) -> Client:
    client = Client()
    sign_in(client, world.sro_a, verified=False)
    return client


def events(kind, **filters):
    return AuditEvent.objects.filter(kind=kind, **filters)


def assert_sent_to(response, path: str, next_url: str | None = None):
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == path
    if next_url is not None:
        assert parse_qs(location.query).get("next") == [next_url]


# --- before the second factor -------------------------------------------------------------


def test_unverified_sro_is_redirected_to_the_code_step_with_next(sro_client, world):
    url = partnership_url(world)

    response = sro_client.get(url)

    assert_sent_to(response, TWO_FACTOR, next_url=url)


def test_unverified_central_admin_cannot_reach_roles(world):
    TOTPDevice.objects.create(user=world.central_admin, name="phone", confirmed=True)
    client = Client()
    sign_in(client, world.central_admin, verified=False)

    response = client.get(reverse("accounts:roles"))

    assert_sent_to(response, TWO_FACTOR, next_url=reverse("accounts:roles"))


def test_unverified_user_without_a_device_is_sent_to_set_up(world):
    client = Client()
    sign_in(client, world.sro_a, verified=False)
    url = partnership_url(world)

    response = client.get(url)

    assert_sent_to(response, SET_UP, next_url=url)


def test_home_page_also_waits_for_the_second_factor(sro_client, world):
    response = sro_client.get(reverse("core:home"))

    assert_sent_to(response, TWO_FACTOR)


def test_public_pages_and_sign_out_stay_reachable_before_verification(sro_client, world):
    assert sro_client.get(reverse("core:accessibility")).status_code == 200
    assert sro_client.get(reverse("core:privacy")).status_code == 200
    assert sro_client.get(TWO_FACTOR).status_code == 200
    response = sro_client.post(reverse("accounts:sign-out"))
    assert response.status_code == 302
    assert "_auth_user_id" not in sro_client.session


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def test_two_factor_roles_are_not_in_force_before_verification(world):
    # A user holding a two-factor role (SRO in A) and a plain member role (in B).
    Membership.objects.create(user=world.sro_a, role=Role.MEMBER,
                              partnership=world.partnership_b)

    unverified = _fresh(world.sro_a)
    unverified.is_verified = lambda: False  # as OTPMiddleware sets it
    assert {m.role for m in all_memberships(unverified)} == {Role.SRO, Role.MEMBER}
    assert [(m.role, m.partnership_id) for m in active_memberships(unverified)] == [
        (Role.MEMBER, world.partnership_b.pk)]
    assert [m.role for m in pending_two_factor_roles(unverified)] == [Role.SRO]
    assert not unverified.has_perm("partnerships.view_partnership", world.partnership_a)
    assert unverified.has_perm("partnerships.view_partnership", world.partnership_b)
    assert not unverified.has_perm("partnerships.change_partnership", world.partnership_a)

    verified = _fresh(world.sro_a)
    verified.is_verified = lambda: True
    assert {m.role for m in active_memberships(verified)} == {Role.SRO, Role.MEMBER}
    assert pending_two_factor_roles(verified) == []
    assert verified.has_perm("partnerships.view_partnership", world.partnership_a)
    assert verified.has_perm("partnerships.change_partnership", world.partnership_a)


def test_user_object_without_otp_is_treated_as_unverified(world):
    # Without OTPMiddleware there is no is_verified(): the second factor was never given.
    user = _fresh(world.central_admin)
    assert not hasattr(user, "is_verified")
    assert active_memberships(user) == []
    assert not user.has_perm("accounts.manage_roles")


# --- the code step ------------------------------------------------------------------------


def test_wrong_code_is_refused_and_recorded(sro_client, world, device):
    url = partnership_url(world)

    response = sro_client.post(TWO_FACTOR, {"token": wrong_code_for(device), "next": url})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The security code is not right" in page
    assert "token" in response.context["form"].errors
    failures = events(AuditEvent.Kind.TWO_FACTOR_FAILED)
    assert failures.count() == 1
    assert failures.get().actor_id == world.sro_a.pk
    assert not events(AuditEvent.Kind.TWO_FACTOR_VERIFIED).exists()
    assert DEVICE_ID_SESSION_KEY not in sro_client.session
    assert_sent_to(sro_client.get(url), TWO_FACTOR, next_url=url)


def test_correct_code_verifies_the_session(sro_client, world, device):
    url = partnership_url(world)
    assert sro_client.get(url).status_code == 302

    response = sro_client.post(TWO_FACTOR, {"token": code_for(device), "next": url})

    assert response.status_code == 302
    assert response["Location"] == url
    assert sro_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    verified = events(AuditEvent.Kind.TWO_FACTOR_VERIFIED)
    assert verified.count() == 1
    assert verified.get().actor_id == world.sro_a.pk
    assert verified.get().detail.get("device") == "TOTPDevice"
    assert not events(AuditEvent.Kind.TWO_FACTOR_FAILED).exists()

    page = sro_client.get(url)
    assert page.status_code == 200
    assert world.partnership_a.name in page.content.decode()


def test_code_with_spaces_is_accepted(sro_client, world, device):
    code = code_for(device)
    spaced = f"{code[:3]} {code[3:]}"

    response = sro_client.post(TWO_FACTOR, {"token": spaced})

    assert response.status_code == 302
    assert sro_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_the_same_code_cannot_be_used_twice(world, device):
    code = code_for(device)
    first, second = Client(), Client()
    sign_in(first, world.sro_a, verified=False)
    sign_in(second, world.sro_a, verified=False)

    assert first.post(TWO_FACTOR, {"token": code}).status_code == 302
    replay = second.post(TWO_FACTOR, {"token": code})

    assert replay.status_code == 200
    assert DEVICE_ID_SESSION_KEY not in second.session
    assert events(AuditEvent.Kind.TWO_FACTOR_FAILED).count() == 1


def test_offsite_next_after_code_goes_home(sro_client, world, device):
    response = sro_client.post(TWO_FACTOR, {"token": code_for(device),
                                            "next": "https://evil.example.com/"})

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


# --- backup codes -------------------------------------------------------------------------


def test_a_backup_code_works_once_and_not_twice(world, device):
    static = StaticDevice.objects.create(user=world.sro_a, name="Backup codes")
    StaticToken.objects.create(device=static, token="bk7q2m9x")
    StaticToken.objects.create(device=static, token="zz4p8w3r")
    url = partnership_url(world)

    first = Client()
    sign_in(first, world.sro_a, verified=False)
    response = first.post(TWO_FACTOR, {"token": "bk7q2m9x", "next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    assert first.session[DEVICE_ID_SESSION_KEY] == static.persistent_id
    assert first.get(url).status_code == 200
    assert list(static.token_set.values_list("token", flat=True)) == ["zz4p8w3r"]
    verified = events(AuditEvent.Kind.TWO_FACTOR_VERIFIED).get()
    assert verified.detail.get("device") == "StaticDevice"

    # A backup code is never tried on the authenticator app, so it counts no wrong app code.
    device.refresh_from_db()
    assert device.throttling_failure_count == 0

    second = Client()
    sign_in(second, world.sro_a, verified=False)
    again = second.post(TWO_FACTOR, {"token": "bk7q2m9x", "next": url})
    assert again.status_code == 200
    assert "The security code is not right" in again.content.decode()
    assert DEVICE_ID_SESSION_KEY not in second.session
    assert events(AuditEvent.Kind.TWO_FACTOR_FAILED).count() == 1
    assert_sent_to(second.get(url), TWO_FACTOR, next_url=url)


# --- setting up an authenticator app ------------------------------------------------------


def _secret_on(page: str) -> str:
    match = re.search(r'id="totp-secret"[^>]*>([^<]+)<', page)
    assert match, "the set-up page shows the key to type"
    return match.group(1)


def _key_from(secret: str) -> bytes:
    raw = secret.replace(" ", "")
    return base64.b32decode(raw + "=" * (-len(raw) % 8))


def test_set_up_journey(world):
    user = world.sro_a
    assert not TOTPDevice.objects.filter(user=user).exists()
    client = Client()
    sign_in(client, user, verified=False)
    url = partnership_url(world)

    page = client.get(SET_UP, {"next": url})

    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r"<svg\b", html), "the set-up page shows an SVG QR code"
    unconfirmed = TOTPDevice.objects.get(user=user)
    assert unconfirmed.confirmed is False
    assert _key_from(_secret_on(html)) == unconfirmed.bin_key
    # Looking again shows the same key rather than making another device.
    again = client.get(SET_UP)
    assert _key_from(_secret_on(again.content.decode())) == unconfirmed.bin_key
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(SET_UP, {"token": code_for(unconfirmed), "next": url})

    assert response.status_code == 200
    unconfirmed.refresh_from_db()
    assert unconfirmed.confirmed is True
    listing = re.search(r'<ul[^>]*id="backup-codes"[^>]*>(.*?)</ul>',
                        response.content.decode(), re.S)
    assert listing
    shown = re.findall(r"<li>\s*([^<\s]+)\s*</li>", listing.group(1))
    assert len(shown) == 10
    assert len(set(shown)) == 10
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == set(shown)
    assert events(AuditEvent.Kind.TWO_FACTOR_SET_UP, actor_id=user.pk).count() == 1
    issued = events(AuditEvent.Kind.BACKUP_CODES_ISSUED, actor_id=user.pk)
    assert issued.count() == 1
    assert issued.get().detail.get("count") == 10
    # The session is now verified: the partnership page opens.
    assert client.session[DEVICE_ID_SESSION_KEY] == unconfirmed.persistent_id
    assert client.get(url).status_code == 200


def test_set_up_with_wrong_code_confirms_nothing(world):
    client = Client()
    sign_in(client, world.sro_a, verified=False)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=world.sro_a)

    response = client.post(SET_UP, {"token": wrong_code_for(device)})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert not StaticToken.objects.filter(device__user=world.sro_a).exists()
    assert not events(AuditEvent.Kind.TWO_FACTOR_SET_UP).exists()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_set_up_is_not_a_way_round_an_existing_device(sro_client, world, device):
    """Someone with only the password cannot replace the owner's authenticator."""
    response = sro_client.get(SET_UP)

    assert_sent_to(response, TWO_FACTOR)
    assert TOTPDevice.objects.filter(user=world.sro_a).count() == 1


# --- roles without two-factor -------------------------------------------------------------


def test_member_is_not_asked_for_a_second_factor(world):
    client = Client()
    sign_in(client, world.member_a, verified=False)
    url = partnership_url(world)

    response = client.get(url)

    assert response.status_code == 200
    assert world.partnership_a.name in response.content.decode()
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get(reverse("accounts:account")).status_code == 200
