"""Sign-in throttling by account and by network address (``cdphub.accounts.throttle``),
and which network address a request comes from (``cdphub.accounts.audit.client_ip``)."""

from __future__ import annotations

import re
import runpy
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from cdphub.accounts import forms
from cdphub.accounts.audit import client_ip
from cdphub.accounts.models import AuditEvent
from tests.conftest import PASSWORD, make_user

SIGN_IN = reverse("accounts:sign-in")
WRONG_PASSWORD = "not-the-right-password"
ACCOUNT_LIMIT_TEXT = "too many failed attempts to sign in to this account"
ADDRESS_LIMIT_TEXT = "too many failed attempts to sign in from your network"
INVALID_LOGIN_TEXT = "Enter a correct email address and password"


def post_sign_in(client, email, password, address="198.51.100.20", **headers):
    return client.post(SIGN_IN, {"email": email, "password": password},
                       REMOTE_ADDR=address, **headers)


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def events(kind, **filters):
    return AuditEvent.objects.filter(kind=kind, **filters)


def fail_with_made_up_emails(address: str, count: int) -> None:
    """``count`` failed sign-ins with made-up email addresses from ``address``."""
    client = Client()
    for n in range(count):
        response = post_sign_in(client, f"made-up-{n}@example.net", WRONG_PASSWORD, address)
        assert INVALID_LOGIN_TEXT in response.content.decode()
    assert events(AuditEvent.Kind.SIGN_IN_FAILED, ip_address=address).count() == count


# --- one account, many attempts at once ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_for_one_account_are_counted_one_by_one(monkeypatch):
    """12 wrong passwords for one account at once, each from its own address: only 5 (the
    limit) are checked, the rest are refused, and then so is the right password.

    The test forces the worst case: no password is checked until every attempt has passed
    (or been refused by) the throttle. On PostgreSQL the attempts reach the throttle at the
    same moment. SQLite's in-memory test database cannot make one writer wait for another
    (it fails with "database table is locked" at once), so there each attempt takes its turn
    at the database, with the password checks still held back until all have been decided.
    """
    user = make_user("racer@example.org")
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    attempts = limit + 7
    serial = connection.vendor == "sqlite"
    db_turn = threading.Lock()
    start = threading.Barrier(attempts)
    decided = threading.Condition()
    counts = {"checking": 0, "refused": 0}
    pages: list[str] = []
    real_authenticate = forms.authenticate

    def all_decided() -> bool:
        return counts["checking"] + counts["refused"] == attempts

    def held_authenticate(*args, **kwargs):
        with decided:
            counts["checking"] += 1
            decided.notify_all()
        if serial:
            db_turn.release()
        with decided:
            assert decided.wait_for(all_decided, timeout=60)
        if serial:
            db_turn.acquire()
        return real_authenticate(*args, **kwargs)

    monkeypatch.setattr(forms, "authenticate", held_authenticate)

    def attempt(n: int) -> None:
        try:
            client = Client()
            start.wait(timeout=60)
            if serial:
                db_turn.acquire()
            try:
                response = post_sign_in(client, user.email, WRONG_PASSWORD, f"203.0.113.{n}")
            finally:
                if serial:
                    db_turn.release()
            page = f"{response.status_code} {response.content.decode()}"
            pages.append(page)
            if ACCOUNT_LIMIT_TEXT in page.lower():
                with decided:
                    counts["refused"] += 1
                    decided.notify_all()
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(pages) == attempts
    assert all(page.startswith("200 ") for page in pages)
    checked = [p for p in pages if INVALID_LOGIN_TEXT in p]
    refused = [p for p in pages if ACCOUNT_LIMIT_TEXT in p.lower()]
    assert (len(checked), len(refused)) == (limit, attempts - limit)
    assert events(AuditEvent.Kind.SIGN_IN_FAILED, actor_email=user.email).count() == limit
    assert events(AuditEvent.Kind.SIGN_IN_THROTTLED,
                  actor_email=user.email).count() == attempts - limit

    monkeypatch.setattr(forms, "authenticate", real_authenticate)
    right = post_sign_in(Client(), user.email, PASSWORD, "203.0.113.200")

    assert ACCOUNT_LIMIT_TEXT in right.content.decode().lower()
    assert not events(AuditEvent.Kind.SIGN_IN).exists()


def test_the_right_password_works_again_once_the_window_has_passed(clock, world):
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    client = Client()
    for _ in range(limit):
        post_sign_in(client, world.member_a.email, WRONG_PASSWORD)
    clock.advance(seconds=settings.CDPHUB_SIGN_IN_WINDOW.total_seconds() - 1)
    early = post_sign_in(client, world.member_a.email, PASSWORD)
    assert ACCOUNT_LIMIT_TEXT in early.content.decode().lower()
    assert "Wait 1 minute " in early.content.decode()

    clock.advance(seconds=1)
    response = post_sign_in(client, world.member_a.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.member_a.pk)


def test_a_password_reset_lifts_the_account_limit(world):
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    email = world.member_a.email
    client = Client()
    for _ in range(limit):
        post_sign_in(client, email, WRONG_PASSWORD)
    assert ACCOUNT_LIMIT_TEXT in post_sign_in(client, email, PASSWORD).content.decode().lower()

    new_password = "a-brand-new-long-passphrase"
    reset_password(client, email, new_password)
    response = post_sign_in(client, email, new_password)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.member_a.pk)


def reset_password(client, email: str, new_password: str, address="198.51.100.20") -> None:
    """Follow the emailed link from ``address`` and choose a new password."""
    mail.outbox.clear()
    client.post(reverse("accounts:password-reset"), {"email": email}, REMOTE_ADDR=address)
    (link,) = re.findall(r"https?://testserver(/\S+)", mail.outbox[0].body)
    set_password_url = client.get(link, REMOTE_ADDR=address)["Location"]
    done = client.post(set_password_url,
                       {"new_password1": new_password, "new_password2": new_password},
                       REMOTE_ADDR=address)
    assert done["Location"] == reverse("accounts:password-reset-done")


# --- one network address, many accounts ------------------------------------------------------


def test_made_up_emails_from_one_address_do_not_stop_a_colleagues_right_password(world):
    """Someone at a shared address (an office, or every user when the proxy count is wrong)
    fails with made-up emails past the address limit; a colleague who has signed in from
    there before still signs in with the right password."""
    office = "198.51.100.20"
    colleague = Client()
    assert post_sign_in(colleague, world.member_b.email, PASSWORD, office).status_code == 302
    colleague.post(reverse("accounts:sign-out"))

    fail_with_made_up_emails(office, settings.CDPHUB_SIGN_IN_MAX_FAILURES_PER_IP)
    more = post_sign_in(Client(), "yet-another-made-up@example.net", WRONG_PASSWORD, office)
    assert ADDRESS_LIMIT_TEXT in more.content.decode().lower()

    response = post_sign_in(colleague, world.member_b.email, PASSWORD, office)
    assert response.status_code == 302
    assert signed_in_user_id(colleague) == str(world.member_b.pk)
    # A wrong password for that colleague is checked (and counted) as usual, not refused.
    wrong = post_sign_in(Client(), world.member_b.email, WRONG_PASSWORD, office)
    assert INVALID_LOGIN_TEXT in wrong.content.decode()


def test_failures_from_one_address_do_not_stop_anyone_at_another_address(world):
    fail_with_made_up_emails("203.0.113.66", settings.CDPHUB_SIGN_IN_MAX_FAILURES_PER_IP)

    client = Client()
    response = post_sign_in(client, world.member_a.email, PASSWORD, "198.51.100.20")

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.member_a.pk)


def test_an_address_past_its_limit_is_refused_for_accounts_new_to_it(world):
    """The address limit still stops one address trying many accounts; someone who has not
    signed in from there lately is refused too, but a password reset from there lets them
    in at once."""
    attacker = "203.0.113.66"
    fail_with_made_up_emails(attacker, settings.CDPHUB_SIGN_IN_MAX_FAILURES_PER_IP)
    client = Client()

    refused = post_sign_in(client, world.member_a.email, PASSWORD, attacker)

    page = refused.content.decode()
    assert ADDRESS_LIMIT_TEXT in page.lower()
    assert "reset your password" in page
    assert signed_in_user_id(client) is None
    throttled = events(AuditEvent.Kind.SIGN_IN_THROTTLED, actor_email=world.member_a.email).get()
    assert throttled.ip_address == attacker
    assert throttled.detail == {"limit": "address"}
    # Made-up emails are refused in the same way, so the refusal says nothing about
    # whether an account exists.
    made_up = post_sign_in(Client(), "another-made-up@example.net", PASSWORD, attacker)
    assert ADDRESS_LIMIT_TEXT in made_up.content.decode().lower()

    reset_password(client, world.member_a.email, "a-brand-new-long-passphrase", attacker)
    response = post_sign_in(client, world.member_a.email, "a-brand-new-long-passphrase",
                            attacker)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.member_a.pk)


def test_an_old_sign_in_from_the_address_no_longer_counts(clock, world):
    address = "198.51.100.20"
    assert post_sign_in(Client(), world.member_b.email, PASSWORD, address).status_code == 302
    clock.advance(seconds=settings.CDPHUB_SIGN_IN_KNOWN_ADDRESS_AGE.total_seconds() + 1)
    fail_with_made_up_emails(address, settings.CDPHUB_SIGN_IN_MAX_FAILURES_PER_IP)

    response = post_sign_in(Client(), world.member_b.email, PASSWORD, address)

    assert ADDRESS_LIMIT_TEXT in response.content.decode().lower()


# --- which address a request comes from --------------------------------------------------


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post(SIGN_IN, **extra)


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    # No proxies: the header is the client's to write, so it is never read.
    (0, "203.0.113.9", None, "203.0.113.9"),
    (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),
    # One proxy (a load balancer) appends the address it saw.
    (1, "10.0.0.5", "203.0.113.9", "203.0.113.9"),
    (1, "10.0.0.5", "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # client wrote the first
    (1, "10.0.0.5", "1.1.1.1,2.2.2.2 , 203.0.113.9", "203.0.113.9"),
    # Two proxies: the second appends the first's address, so the client is 2nd from right.
    (2, "10.0.0.6", "203.0.113.9, 10.0.0.5", "203.0.113.9"),
    (2, "10.0.0.6", "198.51.100.1, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
    # Ports and IPv6.
    (1, "10.0.0.5", "203.0.113.9:51234", "203.0.113.9"),
    (1, "10.0.0.5", "[2001:db8::7]:443", "2001:db8::7"),
    (1, "10.0.0.5", "2001:DB8:0:0::7", "2001:db8::7"),
    # Too short or malformed: the proxy's own address, never something the client chose.
    (2, "10.0.0.6", "203.0.113.9", "10.0.0.6"),
    (1, "10.0.0.5", None, "10.0.0.5"),
    (1, "10.0.0.5", "", "10.0.0.5"),
    (1, "10.0.0.5", "203.0.113.9, not-an-address", "10.0.0.5"),
    (1, "10.0.0.5", "203.0.113.9,", "10.0.0.5"),
    (1, "10.0.0.5", "999.1.1.1", "10.0.0.5"),
])
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.CDPHUB_TRUSTED_PROXIES = proxies

    assert client_ip(request_from(remote, forwarded)) == expected


def test_client_address_without_any_address_is_none(settings):
    settings.CDPHUB_TRUSTED_PROXIES = 1
    request = RequestFactory().post(SIGN_IN, REMOTE_ADDR="")

    assert client_ip(request) is None
    assert client_ip(None) is None


def test_behind_a_load_balancer_each_client_has_its_own_limit(settings, world):
    """Every request arrives from the load balancer's address; with the proxy counted, the
    attacker's failures count against the attacker's own address, whatever they write in
    X-Forwarded-For, and nobody else is refused."""
    settings.CDPHUB_TRUSTED_PROXIES = 1
    balancer = "10.0.0.5"
    attacker = Client()
    for n in range(settings.CDPHUB_SIGN_IN_MAX_FAILURES_PER_IP):
        post_sign_in(attacker, f"made-up-{n}@example.net", WRONG_PASSWORD, balancer,
                     HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.66")
    failures = events(AuditEvent.Kind.SIGN_IN_FAILED)
    assert set(failures.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    spoofed = post_sign_in(attacker, "made-up@example.net", PASSWORD, balancer,
                           HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.66")
    assert ADDRESS_LIMIT_TEXT in spoofed.content.decode().lower()

    newcomer = Client()
    response = post_sign_in(newcomer, world.member_a.email, PASSWORD, balancer,
                            HTTP_X_FORWARDED_FOR="192.0.2.44")

    assert response.status_code == 302
    assert signed_in_user_id(newcomer) == str(world.member_a.pk)
    assert events(AuditEvent.Kind.SIGN_IN).get().ip_address == "192.0.2.44"


# --- the production setting ---------------------------------------------------------------


def production_settings(monkeypatch, proxies: str | None) -> dict:
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/unused.sqlite3")
    monkeypatch.setenv("ALLOWED_HOSTS", "cdphub.example.org")
    if proxies is None:
        monkeypatch.delenv("CDPHUB_TRUSTED_PROXIES", raising=False)
    else:
        monkeypatch.setenv("CDPHUB_TRUSTED_PROXIES", proxies)
    return runpy.run_module("cdphub.config.settings.production")


@pytest.mark.parametrize(("value", "expected"), [(None, 0), ("0", 0), ("1", 1), (" 2 ", 2)])
def test_production_reads_the_number_of_trusted_proxies(monkeypatch, value, expected):
    assert production_settings(monkeypatch, value)["CDPHUB_TRUSTED_PROXIES"] == expected


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_production_refuses_a_bad_number_of_trusted_proxies(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match="CDPHUB_TRUSTED_PROXIES"):
        production_settings(monkeypatch, value)
