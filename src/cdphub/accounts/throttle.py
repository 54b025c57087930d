"""Sign-in throttling, kept in the database (``AuditEvent``) so it holds across any number of
web processes: after repeated failures for one email address, or from one network address,
further attempts are refused until the window has passed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from .models import AuditEvent


def _failures(**filters):
    since = timezone.now() - settings.CDPHUB_SIGN_IN_WINDOW
    events = AuditEvent.objects.filter(created_at__gte=since, **filters)
    last_success = (
        events.filter(kind=AuditEvent.Kind.SIGN_IN).aggregate(at=Max("created_at"))["at"]
        if "actor_email" in filters
        else None
    )
    failed = events.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED)
    if last_success:
        failed = failed.filter(created_at__gt=last_success)
    return failed


def retry_after(email: str, ip_address: str | None) -> dt.timedelta | None:
    """How long until this email/address may try again, or None if it may try now."""
    email = (email or "").strip().lower()
    limits = [(_failures(actor_email=email), settings.CDPHUB_SIGN_IN_MAX_FAILURES)]
    if ip_address:
        limits.append(
            (_failures(ip_address=ip_address), settings.CDPHUB_SIGN_IN_MAX_FAILURES_PER_IP)
        )
    waits = []
    for failures, limit in limits:
        times = list(failures.order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(times) >= limit:
            # Blocked until the oldest of the last `limit` failures leaves the window.
            waits.append(times[-1] + settings.CDPHUB_SIGN_IN_WINDOW - timezone.now())
    return max(waits) if waits else None
