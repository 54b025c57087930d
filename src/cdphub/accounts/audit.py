"""Recording security events (see ``AuditEvent``)."""

from __future__ import annotations

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
