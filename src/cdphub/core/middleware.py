"""Refuse request bodies larger than ``CDPHUB_MAX_UPLOAD_BYTES`` before reading them."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render


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
