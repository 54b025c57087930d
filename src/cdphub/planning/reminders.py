"""E-mail reminders of quarterly updates (``cdphub send_reminders``).

For every agreed plan, the updates not yet recorded for the last quarter that has ended
(``plans.updates_due``) are reminded:

* **due soon** from ``plan.reminder_days`` days before the deadline to the deadline itself
  (both days included), to the action's owner;
* **overdue** from the day after the deadline, to the action's owner and to the partnership's
  lead(s) (whoever holds a current partnership lead appointment), who get every overdue
  action of their partnership.

Each recipient gets one e-mail of each kind per run, listing their actions (plain text and
HTML, with a link to record each update built on ``settings.CDPHUB_SITE_URL``). An owner's
address is their person record's e-mail address, else their cdphub account's; a person with
neither is reported (``Batch.without_address``), never skipped in silence.

Every (action, quarter, kind, recipient) sent is written to ``ReminderSent`` in the same
transaction as the e-mail is handed to Django's mail backend, so a second run sends nothing
twice, and an e-mail the backend fails to send records nothing: it is tried again on the next
run. (Should the database fail to commit after the mail server took the message, it would be
sent again next run: a reminder twice rather than never.)
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cdphub.partnerships.models import Appointment, Partnership, Person, Position

from .models import Plan, ReminderSent
from .plans import UpdateDue, updates_due

logger = logging.getLogger(__name__)

KIND = ReminderSent.Kind
OWNER, LEAD = "owner", "partnership lead"


def address_of(person: Person) -> str:
    """Where to e-mail ``person``: their own e-mail address, else their cdphub account's
    (lower case, so one address is one recipient); "" when they have neither."""
    address = (person.email or (person.user.email if person.user_id else "") or "").strip()
    return address.lower()


def kind_on(due: UpdateDue, reminder_days: int, today: dt.date) -> str | None:
    """``overdue`` after the deadline, ``due_soon`` from ``reminder_days`` days before it to
    the deadline itself, else None (too early to remind)."""
    if due.overdue:
        return KIND.OVERDUE
    if due.deadline - dt.timedelta(days=reminder_days) <= today <= due.deadline:
        return KIND.DUE_SOON
    return None


def current_leads(partnership: Partnership, today: dt.date) -> list[Person]:
    """The people holding a partnership lead appointment on ``today``."""
    appointments = (Appointment.objects.filter(partnership=partnership,
                                               position=Position.PARTNERSHIP_LEAD,
                                               start_date__lte=today)
                    .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
                    .select_related("person__user").order_by("person__full_name", "pk"))
    return [appointment.person for appointment in appointments]


def record_link(due: UpdateDue) -> str:
    """The full address of the page that records ``due``'s update, for that quarter."""
    path = reverse("partnerships:plan-update-record",
                   args=[due.action.plan.partnership.slug, due.action.pk])
    return f"{settings.CDPHUB_SITE_URL}{path}?{urlencode({'quarter': due.quarter.code})}"


@dataclass
class Line:
    """One action in an e-mail, and why this recipient hears of it (owner, lead or both)."""

    due: UpdateDue
    as_owner: bool = False
    as_lead: bool = False

    @property
    def action(self):
        return self.due.action

    @property
    def link(self) -> str:
        return record_link(self.due)


@dataclass
class Email:
    kind: str
    recipient: str
    name: str
    lines: dict[tuple[int, dt.date], Line] = field(default_factory=dict)

    def add(self, due: UpdateDue, role: str) -> None:
        line = self.lines.setdefault((due.action.pk, due.quarter.start), Line(due))
        if role == OWNER:
            line.as_owner = True
        else:
            line.as_lead = True

    @property
    def kind_label(self) -> str:
        return KIND(self.kind).label

    def owned(self) -> list[Line]:
        return [line for line in self.lines.values() if line.as_owner]

    def led(self) -> list[tuple[Partnership, list[Line]]]:
        """The overdue actions of the partnerships this recipient leads, by partnership (those
        they own themselves are listed once, as theirs)."""
        groups: dict[int, tuple[Partnership, list[Line]]] = {}
        for line in sorted(self.lines.values(),
                           key=lambda line: (line.due.deadline, line.action.pk)):
            if line.as_lead and not line.as_owner:
                partnership = line.action.plan.partnership
                groups.setdefault(partnership.pk, (partnership, []))[1].append(line)
        return list(groups.values())

    def subject(self) -> str:
        return render_to_string("planning/email/reminder_subject.txt", self.context()).strip()

    def context(self) -> dict:
        lines = sorted(self.lines.values(), key=lambda line: (line.due.deadline, line.action.pk))
        return {"email": self, "name": self.name, "kind": self.kind,
                "overdue": self.kind == KIND.OVERDUE, "count": len(lines),
                "deadlines": sorted({line.due.deadline for line in lines}),
                "owned": [line for line in lines if line.as_owner], "led": self.led(),
                "updates_url": settings.CDPHUB_SITE_URL,
                "service_name": settings.CDPHUB_SERVICE_NAME}

    def message(self, connection=None) -> EmailMultiAlternatives:
        context = self.context()
        text = render_to_string("planning/email/reminder.txt", context)
        message = EmailMultiAlternatives(
            subject=self.subject(), body=re.sub(r"\n{3,}", "\n\n", text).strip() + "\n",
            to=[self.recipient], connection=connection)
        message.attach_alternative(render_to_string("planning/email/reminder.html", context),
                                   "text/html")
        return message

    def records(self, sent_at) -> list[ReminderSent]:
        return [ReminderSent(action=line.action, quarter_start=line.due.quarter.start,
                             kind=self.kind, recipient=self.recipient, sent_at=sent_at)
                for line in self.lines.values()]


@dataclass(frozen=True)
class WithoutAddress:
    """Someone who should have been reminded but has no e-mail address."""

    person: Person
    role: str  # OWNER or LEAD
    partnership: Partnership
    actions: tuple


@dataclass
class Batch:
    today: dt.date
    emails: list[Email] = field(default_factory=list)
    without_address: list[WithoutAddress] = field(default_factory=list)
    sent: list[Email] = field(default_factory=list)
    failed: list[tuple[Email, str]] = field(default_factory=list)
    #: E-mails another run sent first (their records were written meanwhile).
    raced: list[Email] = field(default_factory=list)

    def counts(self, emails: list[Email] | None = None) -> dict[str, int]:
        """E-mails of each kind (every kind, zeros too)."""
        emails = self.emails if emails is None else emails
        return {kind: sum(1 for e in emails if e.kind == kind) for kind in KIND.values}


def _plans(partnership: Partnership | None):
    plans = Plan.objects.agreed().select_related("partnership").order_by("partnership__name")
    return plans.filter(partnership=partnership) if partnership is not None else plans


def reminders_due(today: dt.date, partnership: Partnership | None = None) -> Batch:
    """What a run on ``today`` sends: the e-mails, each listing only the reminders not sent
    before, and the people who have no address."""
    batch = Batch(today)
    emails: dict[tuple[str, str], Email] = {}
    missing: dict[tuple[int, str], list] = {}
    people: dict[int, Person] = {}

    def add(person: Person, role: str, kind: str, due: UpdateDue) -> None:
        address = address_of(person)
        if not address:
            people[person.pk] = person
            missing.setdefault((person.pk, role), []).append(due.action)
            return
        email = emails.get((address, kind))
        if email is None:
            email = emails[address, kind] = Email(kind, address, person.full_name)
        email.add(due, role)

    for plan in _plans(partnership):
        reminded = [(due, kind_on(due, plan.reminder_days, today))
                    for due in updates_due(plan, today)]
        reminded = [(due, kind) for due, kind in reminded if kind is not None]
        for due, kind in reminded:
            add(due.action.owner, OWNER, kind, due)
        overdue = [due for due, kind in reminded if kind == KIND.OVERDUE]
        if overdue:
            for lead in current_leads(plan.partnership, today):
                for due in overdue:
                    add(lead, LEAD, KIND.OVERDUE, due)

    already = set(ReminderSent.objects.filter(
        recipient__in={address for address, _kind in emails}).values_list(
        "action_id", "quarter_start", "kind", "recipient"))
    for email in emails.values():
        email.lines = {key: line for key, line in email.lines.items()
                       if (key[0], key[1], email.kind, email.recipient) not in already}
    batch.emails = sorted((e for e in emails.values() if e.lines),
                          key=lambda e: (e.kind, e.recipient))
    for (person_pk, role), actions in missing.items():
        person = people[person_pk]
        unique = tuple(dict.fromkeys(actions))
        batch.without_address.append(
            WithoutAddress(person, role, person.partnership, unique))
    return batch


def send_reminders(today: dt.date, partnership: Partnership | None = None, *,
                   dry_run: bool = False) -> Batch:
    """Send what is due on ``today`` (``dry_run``: work it out, send and record nothing). Each
    e-mail and its ``ReminderSent`` records are one transaction: a failed send records
    nothing, and the other e-mails are still sent."""
    batch = reminders_due(today, partnership)
    if dry_run:
        return batch
    for email in batch.emails:
        try:
            with transaction.atomic():
                ReminderSent.objects.bulk_create(email.records(timezone.now()))
                email.message().send(fail_silently=False)
        except IntegrityError:
            batch.raced.append(email)  # another run recorded these first: it sent them
        except Exception as error:  # noqa: BLE001 - any failure of the mail backend (SMTP,
            # network, a full outbox) must leave the reminder to be tried again, and the
            # other e-mails must still go
            logger.warning("Reminder to %s not sent: %s", email.recipient, error)
            batch.failed.append((email, f"{type(error).__name__}: {error}"))
        else:
            batch.sent.append(email)
    return batch
