"""``cdphub send_reminders``: e-mail the quarterly-update reminders that are due.

    cdphub send_reminders [--date YYYY-MM-DD] [--dry-run] [--partnership SLUG]

Run it once a day (cron or a systemd timer: README, "Quarterly update reminders"). It sends
each reminder once (``planning.reminders``): running it again the same day sends nothing more.
It prints how many e-mails of each kind it sent, to whom, and anyone who should have been
reminded but has no e-mail address. It exits with status 1 only when an e-mail could not be
sent (it is tried again on the next run), so that cron or systemd reports the failure.
"""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError

from cdphub.core.clock import today
from cdphub.partnerships.models import Partnership
from cdphub.planning.reminders import KIND, send_reminders


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"'{value}' is not a date in the form YYYY-MM-DD") from None


#: How the summary line names each kind of reminder.
WORDS = {KIND.DUE_SOON: "due soon", KIND.OVERDUE: "overdue"}


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


class Command(BaseCommand):
    help = "E-mail the reminders of quarterly updates due soon or overdue (each once)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD",
                            help="The day to remind as of (default: today).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Say what would be sent; send and record nothing.")
        parser.add_argument("--partnership", metavar="SLUG", default=None,
                            help="Only this partnership's plan (its identifier, as in its "
                                 "addresses: greater-manchester).")

    def handle(self, *args, date=None, dry_run=False, partnership=None, **options):
        on = date or today()
        chosen = None
        if partnership:
            chosen = Partnership.objects.filter(slug=partnership).first()
            if chosen is None:
                raise CommandError(f"No partnership has the identifier '{partnership}'.")
        batch = send_reminders(on, chosen, dry_run=dry_run)
        out = self.stdout.write
        where = f" for {chosen.name}" if chosen else ""
        out(f"Quarterly update reminders as of {on:%-d %B %Y}{where}"
            + (" (dry run: nothing sent or recorded)" if dry_run else "") + ".")
        emails = batch.emails if dry_run else batch.sent
        verb = "Would send" if dry_run else "Sent"
        counts = batch.counts(emails)
        out(f"{verb} {_plural(len(emails), 'e-mail', 'e-mails')}: "
            + ", ".join(f"{counts[kind]} {WORDS[kind]}" for kind in KIND.values)
            + ".")
        for email in emails:
            out(f"  {KIND(email.kind).label}: {email.recipient} "
                f"({_plural(len(email.lines), 'action', 'actions')})")
        for email in batch.raced:
            out(f"  Already sent by another run: {KIND(email.kind).label.lower()} to "
                f"{email.recipient}")
        if batch.without_address:
            out(f"No e-mail address for {_plural(len(batch.without_address), 'person', 'people')}"
                " who should be reminded (add one on the partnership's People and roles page):")
            for missing in batch.without_address:
                titles = "; ".join(action.title for action in missing.actions)
                out(f"  {missing.person.full_name} ({missing.role}, {missing.partnership.name}): "
                    f"{titles}")
        if batch.failed:
            for email, error in batch.failed:
                self.stderr.write(f"Not sent (tried again next run): "
                                  f"{KIND(email.kind).label.lower()} to {email.recipient}: "
                                  f"{error}")
            raise CommandError(f"{_plural(len(batch.failed), 'e-mail', 'e-mails')} could not "
                               "be sent.")
