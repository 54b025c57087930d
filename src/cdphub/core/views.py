"""Service-wide pages: accessibility statement, cookies, privacy, feedback, errors. (The home
page shows the user's roles, so it is ``accounts.views.home``.)"""

from __future__ import annotations

from django.http import HttpResponseServerError
from django.shortcuts import render

from .access import PUBLIC, access


@access(PUBLIC)
def accessibility(request):
    return render(request, "core/accessibility.html")


@access(PUBLIC)
def cookies(request):
    return render(request, "core/cookies.html")


@access(PUBLIC)
def privacy(request):
    return render(request, "core/privacy.html")


@access(PUBLIC)
def feedback(request):
    return render(request, "core/feedback.html")


def error_403(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    """The GOV.UK "problem with the service" page; if even that cannot be drawn (the fault
    may be in what every page needs, such as the database), the same words in plain HTML."""
    try:
        return render(request, "500.html", status=500)
    except Exception:  # noqa: BLE001 - the last resort must not fail itself
        return HttpResponseServerError(
            "<!DOCTYPE html><html lang=\"en\"><title>Sorry, there is a problem with the service"
            "</title><h1>Sorry, there is a problem with the service</h1><p>Try again later.</p>")


def error_400(request, exception=None):
    return render(request, "400.html", status=400)
