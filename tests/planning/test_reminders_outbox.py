"""The outbox: the e-mail backend that keeps messages in the database (development and the
demo), and the pages where central administrators read them."""

from __future__ import annotations

import importlib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from cdphub.accounts.models import OutboxMessage, Role
from cdphub.planning.models import ReminderSent
from cdphub.planning.reminders import send_reminders
from tests.conftest import make_user, sign_in
from tests.planning.test_reminders import gm  # noqa: F401 - the fixture
from tests.planning.updates_world import DEADLINE

OUTBOX = "cdphub.accounts.outbox.OutboxBackend"


def test_the_backend_keeps_each_message_with_its_html_version(db, settings):
    settings.EMAIL_BACKEND = OUTBOX
    message = EmailMultiAlternatives("Hello", "Plain words.", "from@example.org",
                                     ["a@example.org", "b@example.org"], cc=["c@example.org"])
    message.attach_alternative("<p>HTML words.</p>", "text/html")
    assert message.send() == 1
    mail.send_mail("Second", "Only text.", "from@example.org", ["d@example.org"])
    second, first = OutboxMessage.objects.all()  # newest first
    assert (first.subject, first.to, first.cc, first.body, first.html_body) == (
        "Hello", "a@example.org, b@example.org", "c@example.org", "Plain words.",
        "<p>HTML words.</p>")
    assert (second.subject, second.to, second.html_body) == ("Second", "d@example.org", "")


def test_reminders_sent_through_the_outbox_are_kept_and_recorded_together(gm, settings):  # noqa: F811
    settings.EMAIL_BACKEND = OUTBOX
    send_reminders(DEADLINE)
    [kept] = OutboxMessage.objects.all()
    assert kept.to == "amira@example.org"
    assert kept.subject == "Reminder: quarterly update due by 14 July 2026"
    assert "Record the update: https://cdphub.example.org/" in kept.body
    assert 'href="https://cdphub.example.org/' in kept.html_body
    assert ReminderSent.objects.count() == 1


def test_the_demo_and_development_keep_mail_in_the_outbox_tests_and_production_do_not(
        monkeypatch, settings):
    monkeypatch.delenv("EMAIL_BACKEND", raising=False)
    from cdphub.config.settings import base

    assert importlib.reload(base).EMAIL_BACKEND == OUTBOX
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    production = (importlib.import_module("cdphub.config.settings.base").BASE_DIR
                  / "src/cdphub/config/settings/production.py").read_text()
    assert '"django.core.mail.backends.smtp.EmailBackend"' in production


@pytest.fixture
def kept(db):
    older = OutboxMessage.objects.create(from_email="no-reply@example.org",
                                         to="amira@example.org", subject="Older reminder",
                                         body="First line.\nhttps://example.org/record/")
    newer = OutboxMessage.objects.create(from_email="no-reply@example.org",
                                         to="lee@example.org", subject="Newer reminder",
                                         body="Overdue.", html_body="<p>Overdue.</p>")
    return older, newer


def test_central_administrators_read_the_outbox_newest_first(client, world, kept):
    older, newer = kept
    sign_in(client, world.central_admin)
    page = client.get(reverse("accounts:outbox")).content.decode()
    assert page.index("Newer reminder") < page.index("Older reminder")
    assert "In production, mail goes to the configured mail server" in page
    assert "nothing here reached anyone" not in page  # the tests use locmem, not the outbox
    message = client.get(reverse("accounts:outbox-message", args=[older.pk])).content.decode()
    assert "Older reminder" in message and "amira@example.org" in message
    assert "First line.<br>https://example.org/record/" in message
    assert "&lt;p&gt;Overdue.&lt;/p&gt;" in client.get(
        reverse("accounts:outbox-message", args=[newer.pk])).content.decode()
    assert client.get(reverse("accounts:outbox-message", args=[newer.pk + 1])).status_code == 404


def test_the_page_says_when_this_machine_keeps_its_mail(client, world, kept, settings):
    settings.EMAIL_BACKEND = OUTBOX
    sign_in(client, world.central_admin)
    assert "so nothing here reached anyone" in client.get(reverse("accounts:outbox")).content \
        .decode().replace("\u2019", "'")


@pytest.mark.parametrize("who", ["central_analyst", "member_a", "sro_a", "adviser", "no_role"])
def test_only_central_administrators(client, world, kept, who):
    sign_in(client, getattr(world, who))
    assert client.get(reverse("accounts:outbox")).status_code == 403
    assert client.get(reverse("accounts:outbox-message", args=[kept[0].pk])).status_code == 403


def test_a_lead_is_not_a_central_administrator(client, world, kept):
    lead = make_user("lead@example.org", Role.PARTNERSHIP_LEAD, partnership=world.partnership_a)
    sign_in(client, lead)
    assert client.get(reverse("accounts:outbox")).status_code == 403


def test_the_audit_log_links_to_the_outbox(client, world):
    sign_in(client, world.central_admin)
    assert reverse("accounts:outbox") in client.get(reverse("accounts:audit-log")).content \
        .decode()
