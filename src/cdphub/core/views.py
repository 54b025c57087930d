"""Service-wide pages: home, accessibility statement, cookies, privacy, feedback, errors."""

from __future__ import annotations

from django.shortcuts import render

from cdphub.accounts.roles import active_memberships, is_central

from .access import PUBLIC, access


@access(PUBLIC)
def home(request):
    memberships = active_memberships(request.user)
    partnerships = sorted(
        {m.partnership for m in memberships if m.partnership_id}, key=lambda p: p.name
    )
    regions = sorted({m.region for m in memberships if m.region_id}, key=lambda r: r.name)
    return render(
        request,
        "core/home.html",
        {
            "memberships": memberships,
            "my_partnerships": partnerships,
            "my_regions": regions,
            "is_central": is_central(request.user),
        },
    )


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
