"""Sign-in throttling, kept in the database so it holds across any number of web processes.

Two limits, each answering a different attack (OWASP: the Authentication and Credential
Stuffing cheat sheets), designed so that one person's failures never lock out everyone:

**Per account** (``CDPHUB_SIGN_IN_MAX_FAILURES``, 5): after 5 failed password checks for one
email address within the window (``CDPHUB_SIGN_IN_WINDOW``, 15 minutes), from whatever
addresses, further attempts for that address are refused, even with the right password,
until the oldest of those failures leaves the window. This bounds password guessing against
any one account, however many addresses the guesser uses. The count is kept in a
``SignInCounter`` row, and each attempt is counted *before* its password is checked, under a
lock on that row (``select_for_update`` on PostgreSQL; SQLite runs the whole transaction
with the database's write lock, ``transaction_mode = IMMEDIATE``), so parallel attempts are
counted one by one and no more than 5 passwords are ever checked. A successful sign-in, or
a password reset (which proves the owner has the mailbox, and makes old guesses moot),
clears the count. Made-up email addresses are counted in the same way, so the answers never
tell whether an account exists. The cost: anyone can hold one account back for 15 minutes
with 5 wrong passwords; its owner can end that at once by resetting their password.

**Per network address** (``CDPHUB_SIGN_IN_MAX_FAILURES_PER_IP``, 30): one address trying many
accounts (password spraying, credential stuffing) gets only a few tries at each, which the
per-account limit does not stop. After 30 failures from one address within the window,
that address may no longer try accounts that are *new to it*; an account that has signed in
from that address within ``CDPHUB_SIGN_IN_KNOWN_ADDRESS_AGE`` (30 days), or had its
password reset from there, is not refused by this limit. So failures for made-up or other
people's accounts from a shared address (an office, a home network, or every user when the
proxy count is set wrong) never stop people who use cdphub from there; someone new to the
address is asked to wait or reset their password, after which they sign in at once. Made-up
and new-to-the-address accounts get the same refusal, so it tells nothing about which
accounts exist. This limit is read from the audit log without a lock: a burst of parallel
attempts can overshoot it by a few, which the per-account limit still bounds.

The address is the client's as seen through ``CDPHUB_TRUSTED_PROXIES`` proxies
(``cdphub.accounts.audit.client_ip``), never one the client can choose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, SignInCounter

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused (``ACCOUNT`` or ``ADDRESS``) and how long until it may
    be made again."""

    limit: str
    wait: dt.timedelta


def normalise(email: str) -> str:
    return (email or "").strip().lower()


def begin(email: str, ip_address: str | None) -> Refusal | None:
    """Call before checking a password: the reason this attempt is refused, or None if the
    password may be checked, in which case the check has already been counted as a failure
    for the account; call ``succeeded`` if the password is right."""
    email = normalise(email)
    now = timezone.now()
    if ip_address:
        wait = _address_wait(email, ip_address, now)
        if wait is not None:
            return Refusal(ADDRESS, wait)
    return _count_check(email, now)


def succeeded(email: str) -> None:
    """The password was right: forget the account's recent failures."""
    SignInCounter.objects.filter(email=normalise(email)).delete()


def password_reset(email: str) -> None:
    """The password was reset: earlier guesses were against the old one, so forget them."""
    SignInCounter.objects.filter(email=normalise(email)).delete()


def _count_check(email: str, now: dt.datetime) -> Refusal | None:
    window = settings.CDPHUB_SIGN_IN_WINDOW
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES
    with transaction.atomic():
        # INSERT ... ON CONFLICT DO NOTHING: two first attempts at once both find the row.
        SignInCounter.objects.bulk_create([SignInCounter(email=email)], ignore_conflicts=True)
        counter = SignInCounter.objects.select_for_update().get(email=email)
        recent = [t for t in map(dt.datetime.fromisoformat, counter.checks) if t > now - window]
        if len(recent) >= limit:
            # Refused until the oldest of the last `limit` failures leaves the window.
            return Refusal(ACCOUNT, recent[-limit] + window - now)
        recent.append(now)
        counter.checks = [t.isoformat() for t in recent[-limit:]]
        counter.save(update_fields=["checks", "updated_at"])
    return None


def _address_wait(email: str, ip_address: str, now: dt.datetime) -> dt.timedelta | None:
    limit = settings.CDPHUB_SIGN_IN_MAX_FAILURES_PER_IP
    window = settings.CDPHUB_SIGN_IN_WINDOW
    failures = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED, ip_address=ip_address,
                                  created_at__gt=now - window)
        .order_by("-created_at").values_list("created_at", flat=True)[:limit])
    if len(failures) < limit or _known_at(email, ip_address, now):
        return None
    return failures[-1] + window - now


def _known_at(email: str, ip_address: str, now: dt.datetime) -> bool:
    """Has this account signed in, or had its password reset, from this address lately?"""
    return AuditEvent.objects.filter(
        kind__in=[AuditEvent.Kind.SIGN_IN, AuditEvent.Kind.PASSWORD_CHANGED],
        actor_email=email, ip_address=ip_address,
        created_at__gt=now - settings.CDPHUB_SIGN_IN_KNOWN_ADDRESS_AGE,
    ).exists()
