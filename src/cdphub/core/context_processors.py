"""Values every page template needs: the service name and the navigation for this user."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def _navigation(request) -> list[dict]:
    user = request.user
    items = [("Home", "core:home", "core.view_public")]
    items += [
        ("Partnerships", "partnerships:list", "partnerships.view_partnership_list"),
        ("Areas", "geography:index", "geography.view_area"),
        ("Metrics", "outcomes:metrics", "outcomes.view_metric"),
        ("Data loads", "outcomes:loads", "outcomes.view_loads"),
        ("Roles", "accounts:roles", "accounts.manage_roles"),
        ("Audit log", "accounts:audit-log", "accounts.view_audit_log"),
    ]
    if user.is_authenticated:
        items.append(("Your account", "accounts:account", "core.view_signed_in"))
    else:
        items.append(("Sign in", "accounts:sign-in", "core.view_public"))
    path = request.path
    result = []
    for label, name, permission in items:
        if not user.has_perm(permission):
            continue
        url = reverse(name)
        current = path == url if url == "/" else path.startswith(url)
        result.append({"label": label, "url": url, "current": current})
    return result


def service(request) -> dict:
    return {
        "service_name": settings.CDPHUB_SERVICE_NAME,
        "service_phase": settings.CDPHUB_PHASE,
        "demo_mode": settings.CDPHUB_DEMO_ENABLED,
        "nav_items": _navigation(request) if hasattr(request, "user") else [],
    }
