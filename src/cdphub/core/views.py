"""Service-wide pages: accessibility statement, cookies, privacy, feedback, errors. (The home
page shows the user's roles, so it is ``accounts.views.home``.)"""

from __future__ import annotations

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
    return render(request, "500.html", status=500)


def error_400(request, exception=None):
    return render(request, "400.html", status=400)
