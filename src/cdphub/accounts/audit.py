"""Recording security events (see ``AuditEvent``)."""

from __future__ import annotations

import ipaddress

from django.conf import settings

from .models import AuditEvent


def client_ip(request) -> str | None:
    """The network address the request came from, as recorded in the audit log and used by
    sign-in throttling.

    With ``CDPHUB_TRUSTED_PROXIES = 0`` (no proxy in front), the address that connected,
    ``REMOTE_ADDR``; ``X-Forwarded-For`` is then the client's to write, so it is never read.
    With N proxies in front, each appends the address it received the request from to
    ``X-Forwarded-For``, so the client's address is the Nth entry from the right: anything
    further left was written by the client and is ignored. If the header has fewer than N
    entries, or that entry is not an address, the answer is ``REMOTE_ADDR`` (the nearest
    proxy), never an address the client chose."""
    if request is None:
        return None
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.CDPHUB_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < proxies:
        return remote
    return _address(forwarded[-proxies]) or remote


def _address(value: str) -> str | None:
    """A valid IP address in its usual form, or None. Takes "203.0.113.9:51234" and
    "[2001:db8::7]:443" (address with port) as some proxies write them."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1:value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def record(kind: str, *, request=None, actor=None, actor_email: str = "", target: str = "",
           partnership_id: int | None = None, **detail) -> AuditEvent:
    """Write one audit event. ``actor`` defaults to the request's signed-in user."""
    # A named email (a failed sign-in for some account) wins over whoever is signed in.
    if (actor is None and not actor_email and request is not None
            and getattr(request, "user", None) is not None):
        if request.user.is_authenticated:
            actor = request.user
    return AuditEvent.objects.create(
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        actor_email=(getattr(actor, "email", "") or actor_email or "").lower()[:254],
        ip_address=client_ip(request),
        target=target[:300],
        partnership_id=partnership_id,
        detail=detail,
    )
