"""Password reset by email: one email with a working link, no account enumeration, audited."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cdphub.accounts.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password-reset")
NEW_PASSWORD = "a-brand-new-long-passphrase-42"
LINK = re.compile(r"https?://testserver(/\S+)")


def request_reset(client, email):
    return client.post(RESET, {"email": email})


def link_in(message) -> str:
    links = LINK.findall(message.body)
    assert len(links) == 1, message.body
    assert links[0].startswith(RESET)
    return links[0]


def test_known_email_gets_one_email_with_a_link(client, world):
    response = request_reset(client, world.member_a.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-sent")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.member_a.email]
    assert "reset" in message.subject.lower()
    link_in(message)


def test_email_address_is_matched_whatever_its_case(client, world):
    request_reset(client, world.member_a.email.upper())

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.member_a.email]


def test_reset_request_is_recorded(client, world):
    request_reset(client, world.member_a.email)

    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PASSWORD_RESET_REQUESTED)
    assert event.actor_email == world.member_a.email


def test_following_the_link_sets_a_new_password(client, world):
    user = world.member_a
    request_reset(client, user.email)
    link = link_in(mail.outbox[0])

    confirm = client.get(link)
    assert confirm.status_code == 302
    set_password_url = confirm["Location"]
    assert set_password_url != link
    assert set_password_url.startswith(RESET)
    assert "set-password" in set_password_url

    form_page = client.get(set_password_url)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    assert 'name="new_password1"' in form_page.content.decode()

    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD,
                                          "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password-reset-done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    changed = AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED)
    assert changed.count() == 1
    assert changed.get().actor_id == user.pk
    assert changed.get().detail.get("via") == "reset"

    # The new password signs in; the old one does not.
    fresh = Client()
    assert fresh.post(reverse("accounts:sign-in"),
                      {"email": user.email, "password": PASSWORD}).status_code == 200
    assert fresh.post(reverse("accounts:sign-in"),
                      {"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_the_link_works_only_once(client, world):
    request_reset(client, world.member_a.email)
    link = link_in(mail.outbox[0])
    set_password_url = client.get(link)["Location"]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD,
                                   "new_password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)

    assert again.status_code == 200
    assert again.context["validlink"] is False
    assert 'name="new_password1"' not in again.content.decode()


def test_mismatched_passwords_change_nothing(client, world):
    user = world.member_a
    request_reset(client, user.email)
    set_password_url = client.get(link_in(mail.outbox[0]))["Location"]

    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD,
                                              "new_password2": NEW_PASSWORD + "x"})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "new_password2" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED).exists()


def test_a_tampered_link_is_refused(client, world):
    request_reset(client, world.member_a.email)
    link = link_in(mail.outbox[0])
    uid = link[len(RESET):].split("/")[0]
    tampered = reverse("accounts:password-reset-confirm", args=[uid, "c0ffee-0123456789abcdef"])
    assert tampered != link

    response = client.get(tampered, follow=True)

    assert response.context["validlink"] is False


def test_unknown_email_sends_nothing_but_looks_the_same(world):
    known, unknown = Client(), Client()

    known_response = request_reset(known, world.member_a.email)
    mail.outbox.clear()
    unknown_response = request_reset(unknown, "no-such-person@example.org")

    assert len(mail.outbox) == 0
    assert unknown_response.status_code == known_response.status_code == 302
    assert unknown_response["Location"] == known_response["Location"]
    page = unknown.get(unknown_response["Location"])
    assert page.status_code == 200
    assert "Check your email" in page.content.decode()
    known_page = known.get(known_response["Location"]).content.decode()
    assert "Check your email" in known_page
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_RESET_REQUESTED,
                                     actor_email="no-such-person@example.org").exists()


def test_unknown_email_followed_shows_check_your_email(client, world):
    response = client.post(RESET, {"email": "no-such-person@example.org"}, follow=True)

    assert response.status_code == 200
    assert urlsplit(response.redirect_chain[-1][0]).path == reverse(
        "accounts:password-reset-sent")
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []
