"""Refuse request bodies larger than ``CDPHUB_MAX_UPLOAD_BYTES`` before reading them; mark
every response that belongs to one visitor as private."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.CDPHUB_MAX_UPLOAD_BYTES
        if length > limit:
            return render(request, "413.html", {"limit_mb": limit // (1024 * 1024)}, status=413)
        return self.get_response(request)


class PrivateResponseMiddleware:
    """``Cache-Control: private, no-store`` on every response that belongs to one visitor: a
    signed-in user's pages, API answers to a token (``Authorization``), anything sent to a
    visitor with a session (part-way through signing in, say), any page holding a CSRF token
    and any response that sets a cookie.

    ``private`` keeps shared caches (proxies, CDNs) from serving one person's page to another;
    ``no-store`` keeps restricted partnership data and people's contact details off the disk
    of a shared computer's browser. Public pages seen signed out carry neither, so they can
    still be cached. It sits outside the session middleware, so it sees the cookies that
    middleware sets.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_private(request, response):
            patch_cache_control(response, private=True, no_store=True)
            response.headers.pop("Expires", None)
        return response


def is_private(request, response) -> bool:
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    return bool(
        request.META.get("HTTP_AUTHORIZATION")
        or (session is not None and session.session_key)
        or (user is not None and user.is_authenticated)
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or response.cookies
    )
