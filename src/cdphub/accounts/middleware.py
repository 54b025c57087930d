"""Two-factor sign-in for central and SRO/lead roles.

A signed-in user whose roles need a second factor, and who has not yet given one in this
session, can reach only public pages, the two-factor pages and sign-out until they do.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import resolve

from cdphub.core.access import declared_permission

from .roles import needs_two_factor

ALLOWED_URL_NAMES = {
    "accounts:two-factor",
    "accounts:two-factor-set-up",
    "accounts:backup-codes",
    "accounts:sign-out",
}


def has_confirmed_device(user) -> bool:
    from django_otp import devices_for_user

    return any(True for _ in devices_for_user(user, confirmed=True))


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified() or not needs_two_factor(user):
            return None
        if request.path_info.startswith("/api/"):
            return None  # the API answers in JSON; unverified sessions just lack those roles
        match = resolve(request.path_info)
        permission = declared_permission(view_func)
        if match.view_name in ALLOWED_URL_NAMES or (
            permission and match.view_name != "core:home"
            and AnonymousUser().has_perm(permission)  # pages open to everyone
        ):
            return None
        target = "accounts:two-factor" if has_confirmed_device(user) else "accounts:two-factor-set-up"
        response = redirect(target)
        response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response
