"""Whole-response caching for the public pages (``/public/``), which are the same for every
visitor.

* **What is cached**: every successful GET under ``settings.CDPHUB_PUBLIC_PREFIX`` whose
  response sets no cookie, keyed by the path with its query string and by the *public
  version*.
* **The public version** is a token in the cache (``django.core.cache``). ``changed()``
  replaces it, so every cached public page is stale at once. It is called when something a
  public page shows is saved (the public app connects it to the saves of terms of reference,
  people and roles, footprints, assessments, plans, reports and submissions) and may be called
  by any action that publishes. Anything else (figures loaded or recomputed in bulk) shows
  within ``CDPHUB_PUBLIC_CACHE_SECONDS`` (60 by default): every cached page expires then.
* **Several processes**: with a shared cache backend (database, Redis, memcached) the version
  is shared and a change shows at once everywhere; with the default per-process memory cache
  a process that did not see the change serves its copy until the copy expires (at most
  ``CDPHUB_PUBLIC_CACHE_SECONDS``). Nothing is kept in Python variables between requests.
* **Early**: ``PublicPageCacheMiddleware`` sits right after WhiteNoise, before sessions,
  authentication, CSRF and two-factor checks, so a cached page costs two cache reads.
  Responses it stores or serves carry ``Cache-Control: public, max-age=<seconds>`` (the
  ``PrivateResponseMiddleware`` inside it marks signed-in visitors' responses private; these
  pages are the same for everyone, so they are exempt).
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

VERSION_KEY = "cdphub:public-version"
#: Headers that belong to one response or one visitor: never stored or replayed.
_NOT_STORED = {"set-cookie", "vary", "cache-control", "expires", "content-length"}


def seconds() -> int:
    return int(getattr(settings, "CDPHUB_PUBLIC_CACHE_SECONDS", 60))


def prefix() -> str:
    return getattr(settings, "CDPHUB_PUBLIC_PREFIX", "/public/")


def version() -> str:
    """The current public version ("0" until something changes)."""
    return cache.get(VERSION_KEY) or "0"


def changed(*_args, **_kwargs) -> None:
    """Something a public page shows has changed: every cached public page is now stale.
    (Takes and ignores any arguments, so that it can be a signal receiver.)"""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def page_key(full_path: str, current_version: str) -> str:
    digest = hashlib.sha256(full_path.encode("utf-8", "surrogateescape")).hexdigest()
    return f"cdphub:public-page:{current_version}:{digest}"


def _mark_public(response) -> None:
    response.headers.pop("Expires", None)
    response["Cache-Control"] = f"public, max-age={seconds()}"


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not request.path.startswith(prefix()):
            return self.get_response(request)
        key = page_key(request.get_full_path(), version())
        stored = cache.get(key)
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Public-Cache"] = "hit"
            _mark_public(response)
            return response
        response = self.get_response(request)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        headers = [(name, value) for name, value in response.items()
                   if name.lower() not in _NOT_STORED]
        if request.method == "GET":
            cache.set(key, (response.status_code, headers, response.content), seconds())
        response.headers.pop("Vary", None)
        _mark_public(response)
        return response
