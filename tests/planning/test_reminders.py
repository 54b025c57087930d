"""Reminders of quarterly updates (planning/reminders.py): what is sent, to whom (the owner;
the partnership lead once overdue), on which days (the window's boundary days), never twice,
and a failed send records nothing and is tried again."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from cdphub.planning.models import Plan, PlanAction, ReminderSent
from cdphub.planning.reminders import reminders_due, send_reminders
from tests.conftest import make_user
from tests.planning.updates_world import (
    DEADLINE,
    Q1,
    REMIND_FROM,
    D,
    action,
    appoint_lead,
    person,
    plan_for,
    update,
)

DAY = dt.timedelta(days=1)


@pytest.fixture
def gm(world, settings):
    """Greater Manchester's agreed plan: one action owned by Amira, a lead (Lee)."""
    settings.CDPHUB_SITE_URL = "https://cdphub.example.org"
    settings.CDPHUB_TODAY = "2026-07-20"  # record_update's clock; reminders take their day
    p = world.partnership_a
    plan = plan_for(p)
    amira = person(p, "Amira Khan", "amira@example.org")
    lead = person(p, "Lee Lead", "lee@example.org")
    appoint_lead(p, lead)
    naloxone = action(plan, amira, "Expand naloxone supply")
    return world, plan, amira, lead, naloxone


def sent_to(kind: str) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for record in ReminderSent.objects.filter(kind=kind):
        found.setdefault(record.recipient, set()).add(record.action_id)
    return found


def test_nothing_before_the_window_due_soon_on_its_first_and_last_day_overdue_after(gm):
    _world, _plan, _amira, _lead, naloxone = gm
    assert REMIND_FROM == DEADLINE - 7 * DAY
    assert reminders_due(REMIND_FROM - DAY).emails == []  # the day before the window

    for day in (REMIND_FROM, DEADLINE):  # both ends of the window, included
        [email] = reminders_due(day).emails
        assert (email.kind, email.recipient) == ("due_soon", "amira@example.org")
        assert [line.action for line in email.lines.values()] == [naloxone]

    overdue = reminders_due(DEADLINE + DAY).emails  # the day after the deadline
    assert {(e.kind, e.recipient) for e in overdue} == {
        ("overdue", "amira@example.org"), ("overdue", "lee@example.org")}


def test_the_lead_is_not_told_while_an_update_is_only_due_soon(gm):
    send_reminders(DEADLINE)
    assert [m.to for m in mail.outbox] == [["amira@example.org"]]
    assert sent_to("due_soon") == {"amira@example.org": {gm[4].pk}}
    assert sent_to("overdue") == {}


def test_the_lead_gets_one_email_listing_every_overdue_action_of_the_partnership(gm):
    world, plan, amira, _lead, naloxone = gm
    bola = person(world.partnership_a, "Bola Ade", "bola@example.org")
    housing = action(plan, bola, "Recovery housing pathway")
    batch = send_reminders(DEADLINE + DAY)

    assert batch.counts(batch.sent) == {"due_soon": 0, "overdue": 3}
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"amira@example.org", "bola@example.org", "lee@example.org"}
    lead_mail = by_recipient["lee@example.org"].body
    assert "Expand naloxone supply" in lead_mail and "Recovery housing pathway" in lead_mail
    assert "Owner: Amira Khan" in lead_mail and "Owner: Bola Ade" in lead_mail
    assert "Recovery housing pathway" not in by_recipient["amira@example.org"].body
    assert sent_to("overdue") == {"amira@example.org": {naloxone.pk},
                                  "bola@example.org": {housing.pk},
                                  "lee@example.org": {naloxone.pk, housing.pk}}


def test_an_owner_who_is_also_the_lead_gets_one_email_of_each_kind(gm):
    world, plan, _amira, lead, _naloxone = gm
    action(plan, lead, "Lead's own action")
    send_reminders(DEADLINE + DAY)
    to_lead = [m for m in mail.outbox if m.to == ["lee@example.org"]]
    assert len(to_lead) == 1
    assert "Your actions" in to_lead[0].body  # the action they own, then the partnership's
    assert "Other overdue updates in Greater Manchester CDP" in to_lead[0].body
    assert to_lead[0].body.count("Lead's own action") == 1  # listed once, as theirs


def test_a_lead_whose_appointment_has_ended_is_not_told(gm):
    world, _plan, _amira, lead, _naloxone = gm
    lead.appointments.update(end_date=DEADLINE)  # ended the day before the reminders
    send_reminders(DEADLINE + DAY)
    assert [m.to for m in mail.outbox] == [["amira@example.org"]]


def test_actions_not_asked_for_an_update_get_no_reminder(gm):
    """Not started by the quarter's end, complete before it began, withdrawn, or already
    updated: none of them is reminded."""
    world, plan, amira, _lead, naloxone = gm
    action(plan, amira, "Starts next quarter", starts_on=D(2026, 7, 1))
    action(plan, amira, "Done before the quarter", starts_on=D(2026, 1, 1),
           due_on=D(2026, 3, 31), status=PlanAction.Status.COMPLETE,
           completed_on=D(2026, 3, 20))
    action(plan, amira, "Withdrawn", withdrawn_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    updated = action(plan, amira, "Already updated")
    update(updated)
    [email] = reminders_due(DEADLINE).emails
    assert [line.action for line in email.lines.values()] == [naloxone]


def test_a_draft_plan_gets_no_reminders(world):
    p = world.partnership_a
    plan = plan_for(p, status=Plan.Status.DRAFT)
    owner = person(p, "Amira Khan", "amira@example.org")
    appoint_lead(p, person(p, "Lee Lead", "lee@example.org"))
    action(plan, owner)
    assert send_reminders(DEADLINE).emails == []
    assert send_reminders(DEADLINE + DAY).emails == []
    assert mail.outbox == [] and not ReminderSent.objects.exists()


def test_a_superseded_plan_gets_no_reminders(world):
    p = world.partnership_a
    plan = plan_for(p, status=Plan.Status.SUPERSEDED)
    action(plan, person(p, "Amira Khan", "amira@example.org"))
    assert send_reminders(DEADLINE + DAY).emails == []


def test_running_twice_sends_nothing_twice(gm):
    _world, _plan, _amira, _lead, naloxone = gm
    first = send_reminders(DEADLINE + DAY)
    assert len(first.sent) == 2 and len(mail.outbox) == 2
    second = send_reminders(DEADLINE + DAY)
    assert second.emails == [] and second.sent == []
    assert len(mail.outbox) == 2
    # nor on the following days, for the same quarter and kind
    assert send_reminders(DEADLINE + 5 * DAY).emails == []
    assert ReminderSent.objects.count() == 2


def test_due_soon_then_overdue_are_two_reminders_and_a_new_action_is_reminded_alone(gm):
    world, plan, amira, _lead, naloxone = gm
    send_reminders(DEADLINE)  # due soon
    send_reminders(DEADLINE + DAY)  # overdue: to Amira and the lead
    assert [(m.to[0], "overdue" in m.subject.lower()) for m in mail.outbox] == [
        ("amira@example.org", False), ("amira@example.org", True), ("lee@example.org", True)]
    late = action(plan, amira, "Added late")
    mail.outbox.clear()
    batch = send_reminders(DEADLINE + 2 * DAY)
    # one e-mail each, listing only the action not reminded before
    assert {e.recipient: [line.action for line in e.lines.values()] for e in batch.sent} == {
        "amira@example.org": [late], "lee@example.org": [late]}
    assert "Expand naloxone supply" not in mail.outbox[0].body


class FailingBackend(LocmemBackend):
    """Refuses every message to one address (as an SMTP server might); sends the rest."""

    refuse = "amira@example.org"

    def send_messages(self, messages):
        if any(self.refuse in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({self.refuse: (550, b"mailbox unavailable")})
        return super().send_messages(messages)


def test_a_failed_send_records_nothing_and_is_sent_on_the_next_run(gm, settings):
    settings.EMAIL_BACKEND = "tests.planning.test_reminders.FailingBackend"
    batch = send_reminders(DEADLINE + DAY)
    assert [(e.recipient, "SMTPRecipientsRefused" in error) for e, error in batch.failed] == [
        ("amira@example.org", True)]
    assert [m.to for m in mail.outbox] == [["lee@example.org"]]  # the other still went
    assert sent_to("overdue") == {"lee@example.org": {gm[4].pk}}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = send_reminders(DEADLINE + DAY)
    assert [e.recipient for e in retry.sent] == ["amira@example.org"]
    assert sent_to("overdue") == {"amira@example.org": {gm[4].pk},
                                  "lee@example.org": {gm[4].pk}}


def test_an_owner_without_an_address_is_reported_and_an_account_address_is_used(gm):
    world, plan, _amira, _lead, _naloxone = gm
    nobody = person(world.partnership_a, "No Address")
    action(plan, nobody, "Unreachable action")
    account = make_user("kim.account@example.org")
    kim = person(world.partnership_a, "Kim Account", user=account)
    action(plan, kim, "Kim's action")

    batch = reminders_due(DEADLINE)
    assert {e.recipient for e in batch.emails} == {"amira@example.org",
                                                   "kim.account@example.org"}
    [missing] = batch.without_address
    assert (missing.person, missing.role) == (nobody, "owner")
    assert [a.title for a in missing.actions] == ["Unreachable action"]


def test_a_lead_without_an_address_is_reported(gm):
    world, _plan, _amira, lead, _naloxone = gm
    lead.email = ""
    lead.save()
    batch = reminders_due(DEADLINE + DAY)
    assert [(m.person, m.role) for m in batch.without_address] == [(lead, "partnership lead")]


def test_the_email_has_plain_text_and_html_with_full_links_to_record_each_update(gm):
    _world, _plan, _amira, _lead, naloxone = gm
    send_reminders(DEADLINE - DAY)
    [message] = mail.outbox
    link = (f"https://cdphub.example.org/partnerships/greater-manchester/plan/updates/"
            f"{naloxone.pk}/record/?quarter=2026-27+Q1")
    assert message.subject == "Reminder: quarterly update due by 14 July 2026"
    assert message.to == ["amira@example.org"]
    assert "Dear Amira Khan," in message.body
    assert "Your quarterly update is due by 14 July 2026." in message.body
    assert f"Record the update: {link}" in message.body
    assert Q1.label in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert f'href="{link}"' in html
    assert "Expand naloxone supply" in html


def test_html_escapes_what_people_typed(gm):
    _world, _plan, _amira, _lead, naloxone = gm
    naloxone.title = "<script>alert(1)</script> & more"
    naloxone.save()
    send_reminders(DEADLINE)
    [(html, _kind)] = mail.outbox[0].alternatives
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script> & more" in mail.outbox[0].body  # plain text as typed


def test_a_dry_run_sends_and_records_nothing(gm):
    batch = send_reminders(DEADLINE + DAY, dry_run=True)
    assert len(batch.emails) == 2 and batch.sent == []
    assert mail.outbox == [] and not ReminderSent.objects.exists()


def test_only_the_partnership_asked_for(gm):
    world, _plan, _amira, _lead, _naloxone = gm
    b = world.partnership_b
    action(plan_for(b), person(b, "Berkshire Owner", "owner@berkshire.example.org"))
    assert {e.recipient for e in reminders_due(DEADLINE).emails} == {
        "amira@example.org", "owner@berkshire.example.org"}
    assert {e.recipient for e in reminders_due(DEADLINE, b).emails} == {
        "owner@berkshire.example.org"}
