"""Password sign-in, its audit trail, throttling, and sign-out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdphub.accounts.models import AuditEvent
from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
WRONG_PASSWORD = "not-the-right-password"
INVALID_LOGIN_TEXT = "Enter a correct email address and password"


def post_sign_in(client, email, password, **extra):
    return client.post(SIGN_IN, {"email": email, "password": password, **extra})


def events(kind, **filters):
    return AuditEvent.objects.filter(kind=kind, **filters)


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


# --- success and failure ------------------------------------------------------------------


def test_correct_password_signs_in_records_event_and_creates_session(client, world):
    user = world.member_a

    response = post_sign_in(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert signed_in_user_id(client) == str(user.pk)
    sign_ins = events(AuditEvent.Kind.SIGN_IN)
    assert sign_ins.count() == 1
    event = sign_ins.get()
    assert event.actor_id == user.pk
    assert event.actor_email == user.email
    assert event.ip_address == "127.0.0.1"
    assert not events(AuditEvent.Kind.SIGN_IN_FAILED).exists()


def test_wrong_password_shows_error_records_failure_and_creates_no_session(client, world):
    response = post_sign_in(client, world.member_a.email, WRONG_PASSWORD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "govuk-error-summary" in page
    assert INVALID_LOGIN_TEXT in page
    assert signed_in_user_id(client) is None
    failures = events(AuditEvent.Kind.SIGN_IN_FAILED)
    assert failures.count() == 1
    assert failures.get().actor_email == world.member_a.email
    assert not events(AuditEvent.Kind.SIGN_IN).exists()


def test_unknown_email_is_refused_with_the_same_message(client, world):
    response = post_sign_in(client, "nobody-at-all@example.org", PASSWORD)

    assert response.status_code == 200
    assert INVALID_LOGIN_TEXT in response.content.decode()
    assert signed_in_user_id(client) is None
    assert events(AuditEvent.Kind.SIGN_IN_FAILED,
                  actor_email="nobody-at-all@example.org").count() == 1


def test_empty_form_shows_field_errors_and_no_session(client, world):
    response = client.post(SIGN_IN, {"email": "", "password": ""})

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"email", "password"}
    assert "There is a problem" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_email_address_is_case_insensitive(client, world):
    user = world.member_a
    shouted = user.email.upper()
    assert shouted != user.email

    response = post_sign_in(client, shouted, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)
    assert events(AuditEvent.Kind.SIGN_IN, actor_id=user.pk).count() == 1


def test_password_is_case_sensitive(client, world):
    response = post_sign_in(client, world.member_a.email, PASSWORD.upper())

    assert response.status_code == 200
    assert signed_in_user_id(client) is None


def test_sign_in_goes_to_a_safe_next_page(client, world):
    target = reverse("partnerships:detail", args=[world.partnership_a.slug])

    response = post_sign_in(client, world.member_a.email, PASSWORD, next=target)

    assert response.status_code == 302
    assert response["Location"] == target


def test_sign_in_ignores_an_offsite_next_page(client, world):
    response = post_sign_in(client, world.member_a.email, PASSWORD,
                            next="https://evil.example.com/phish")

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_two_factor_user_is_sent_on_to_the_code_step(client, world):
    TOTPDevice.objects.create(user=world.sro_a, name="phone", confirmed=True)

    response = post_sign_in(client, world.sro_a.email, PASSWORD)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:two-factor")
    assert parse_qs(location.query)["next"] == [reverse("core:home")]
    # Signed in with the password, but not yet verified.
    assert signed_in_user_id(client) == str(world.sro_a.pk)


def test_two_factor_user_without_a_device_is_sent_to_set_up(client, world):
    response = post_sign_in(client, world.central_admin.email, PASSWORD)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("accounts:two-factor-set-up")


# --- throttling ---------------------------------------------------------------------------


def fail(client, email, times):
    for _ in range(times):
        response = post_sign_in(client, email, WRONG_PASSWORD)
        assert response.status_code == 200
        assert signed_in_user_id(client) is None


def test_after_too_many_failures_even_the_right_password_is_refused(client, world):
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    assert limit >= 2
    email = world.member_a.email
    fail(client, email, limit)
    assert events(AuditEvent.Kind.SIGN_IN_FAILED, actor_email=email).count() == limit

    response = post_sign_in(client, email, PASSWORD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "too many failed attempts" in page.lower()
    assert "There is a problem" in page
    assert signed_in_user_id(client) is None
    assert not events(AuditEvent.Kind.SIGN_IN).exists()
    assert events(AuditEvent.Kind.SIGN_IN_THROTTLED, actor_email=email).count() == 1
    # A refused attempt never reaches the password check, so it is not another failure.
    assert events(AuditEvent.Kind.SIGN_IN_FAILED, actor_email=email).count() == limit


def test_one_failure_fewer_than_the_limit_still_allows_sign_in(client, world):
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    fail(client, world.member_a.email, limit - 1)

    response = post_sign_in(client, world.member_a.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.member_a.pk)
    assert not events(AuditEvent.Kind.SIGN_IN_THROTTLED).exists()


def test_throttling_counts_failures_whatever_the_case_of_the_email(client, world):
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    email = world.member_a.email
    variants = [email.upper(), email.title(), email]
    for n in range(limit):
        post_sign_in(client, variants[n % len(variants)], WRONG_PASSWORD)

    response = post_sign_in(client, email, PASSWORD)

    assert "too many failed attempts" in response.content.decode().lower()
    assert signed_in_user_id(client) is None


def test_throttling_is_per_account(client, world):
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    fail(client, world.member_a.email, limit)

    response = post_sign_in(client, world.member_b.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.member_b.pk)


def test_a_successful_sign_in_resets_the_failure_count(world):
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    email = world.member_a.email
    # The test means something only if the failures in total would reach the limit.
    assert 2 * (limit - 1) >= limit

    first = Client()
    fail(first, email, limit - 1)
    assert post_sign_in(first, email, PASSWORD).status_code == 302

    second = Client()
    fail(second, email, limit - 1)
    response = post_sign_in(second, email, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(second) == str(world.member_a.pk)
    assert events(AuditEvent.Kind.SIGN_IN_FAILED, actor_email=email).count() == 2 * (limit - 1)
    assert events(AuditEvent.Kind.SIGN_IN, actor_id=world.member_a.pk).count() == 2
    assert not events(AuditEvent.Kind.SIGN_IN_THROTTLED).exists()


def test_failures_after_a_success_count_again(world):
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    email = world.member_a.email
    first = Client()
    assert post_sign_in(first, email, PASSWORD).status_code == 302

    second = Client()
    fail(second, email, limit)
    response = post_sign_in(second, email, PASSWORD)

    assert "too many failed attempts" in response.content.decode().lower()
    assert signed_in_user_id(second) is None


# --- sign-out -----------------------------------------------------------------------------


def test_sign_out_refuses_get(client, world):
    sign_in(client, world.member_a)

    response = client.get(reverse("accounts:sign-out"))

    assert response.status_code == 405
    assert signed_in_user_id(client) == str(world.member_a.pk)
    assert not events(AuditEvent.Kind.SIGN_OUT).exists()


def test_sign_out_by_post_ends_the_session_and_is_recorded(client, world):
    sign_in(client, world.member_a)
    assert signed_in_user_id(client) == str(world.member_a.pk)

    response = client.post(reverse("accounts:sign-out"))

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert signed_in_user_id(client) is None
    sign_outs = events(AuditEvent.Kind.SIGN_OUT)
    assert sign_outs.count() == 1
    assert sign_outs.get().actor_id == world.member_a.pk
    # A signed-in-only page now sends the visitor to sign in.
    account = client.get(reverse("accounts:account"))
    assert account.status_code == 302
    assert urlsplit(account["Location"]).path == SIGN_IN


def test_sign_out_when_not_signed_in_records_nothing(client, world):
    response = client.post(reverse("accounts:sign-out"))

    assert response.status_code == 302
    assert not events(AuditEvent.Kind.SIGN_OUT).exists()
