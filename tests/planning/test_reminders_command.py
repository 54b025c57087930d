"""``cdphub send_reminders``: what it prints, --dry-run, --date, --partnership, and the exit
status when a send fails."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from cdphub.planning.models import ReminderSent
from tests.planning.test_reminders import gm  # noqa: F401 - the fixture
from tests.planning.updates_world import action, person


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_prints_counts_by_kind_recipients_and_owners_without_an_address(gm):  # noqa: F811
    world, plan, _amira, _lead, _naloxone = gm
    action(plan, person(world.partnership_a, "No Address"), "Unreachable action")
    output = run("--date", "2026-07-15")
    assert "Quarterly update reminders as of 15 July 2026." in output
    assert "Sent 2 e-mails: 0 due soon, 2 overdue." in output
    assert "Update overdue: amira@example.org (1 action)" in output
    assert "Update overdue: lee@example.org (2 actions)" in output
    assert "No e-mail address for 1 person who should be reminded" in output
    assert "No Address (owner, Greater Manchester CDP): Unreachable action" in output
    assert len(mail.outbox) == 2


def test_a_second_run_sends_nothing(gm):  # noqa: F811
    run("--date", "2026-07-15")
    output = run("--date", "2026-07-15")
    assert "Sent 0 e-mails: 0 due soon, 0 overdue." in output
    assert len(mail.outbox) == 2 and ReminderSent.objects.count() == 2


def test_dry_run_says_what_would_be_sent_and_sends_and_records_nothing(gm):  # noqa: F811
    output = run("--date", "2026-07-14", "--dry-run")
    assert "(dry run: nothing sent or recorded)" in output
    assert "Would send 1 e-mail: 1 due soon, 0 overdue." in output
    assert "Update due soon: amira@example.org (1 action)" in output
    assert mail.outbox == [] and not ReminderSent.objects.exists()
    # and the real run afterwards sends it
    assert "Sent 1 e-mail: 1 due soon" in run("--date", "2026-07-14")


def test_date_defaults_to_today(gm, settings):  # noqa: F811
    settings.CDPHUB_TODAY = "2026-07-06"  # the day before the window
    assert "Sent 0 e-mails" in run()
    settings.CDPHUB_TODAY = "2026-07-07"
    assert "Sent 1 e-mail: 1 due soon" in run()


def test_only_the_partnership_named(gm):  # noqa: F811
    world, _plan, _amira, _lead, _naloxone = gm
    output = run("--date", "2026-07-15", "--partnership", world.partnership_b.slug)
    assert "for Berkshire West CDP" in output and "Sent 0 e-mails" in output
    with pytest.raises(CommandError, match="No partnership has the identifier 'nowhere'"):
        run("--partnership", "nowhere")


def test_a_bad_date_is_refused(gm):  # noqa: F811
    with pytest.raises(CommandError, match="'15/07/2026' is not a date in the form YYYY-MM-DD"):
        run("--date", "15/07/2026")


def test_a_failed_send_is_reported_and_the_command_fails(gm, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "tests.planning.test_reminders.FailingBackend"
    err = io.StringIO()
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 e-mail could not be sent"):
        call_command("send_reminders", "--date", "2026-07-15", stdout=out, stderr=err)
    assert "Not sent (tried again next run): update overdue to amira@example.org" in \
        err.getvalue()
    assert "Update overdue: lee@example.org" in out.getvalue()
