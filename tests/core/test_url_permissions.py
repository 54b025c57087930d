"""Walk every URL pattern as every kind of user and assert exactly who gets what.

Each URL name must appear in an ``EXPECTED`` table in a ``tests/**/url_expectations*.py``
module: a new view without an entry fails this test, so every feature declares its audience
there as well as on the view.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cdphub.core.access import declared_permission
from tests.conftest import sign_in
from tests.url_expectations import ALLOWED, FORBIDDEN, SIGN_IN, USERS, all_expectations

EXPECTED = all_expectations()


def all_url_names() -> dict[str, URLPattern]:
    names: dict[str, URLPattern] = {}

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                names[f"{namespace}{entry.name}"] = entry

    walk(get_resolver().url_patterns)
    # The REST API declares and tests its access per operation: tests/api/.
    return {name: p for name, p in names.items() if not name.startswith("api:")}


def test_every_url_pattern_is_named_and_listed_here():
    names = all_url_names()
    assert sorted(names) == sorted(EXPECTED), "add new URLs to EXPECTED with who may use them"


@pytest.mark.parametrize("name", sorted(all_url_names()))
def test_every_view_declares_its_permission(name):
    pattern = all_url_names()[name]
    assert declared_permission(pattern.callback), f"{name} does not declare who may use it"


def _concrete_kwargs(kwargs, world):
    """Placeholders may be callables of the test world (to create the object a URL names)."""
    return {key: value(world) if callable(value) else value for key, value in kwargs.items()}


def outcome(response) -> str:
    if response.status_code == 302 and "/account/sign-in/" in response["Location"]:
        return SIGN_IN
    if response.status_code == 403:
        return FORBIDDEN
    assert response.status_code in (200, 302, 405), response.status_code
    return ALLOWED


@pytest.mark.parametrize("user_key", USERS)
def test_url_walk(client, world, user_key):
    from django.urls import reverse

    if user_key != "anonymous":
        sign_in(client, getattr(world, user_key))
    mismatches = []
    for name, (kwargs, expected) in EXPECTED.items():
        url = reverse(name, kwargs=_concrete_kwargs(kwargs, world))
        got = outcome(client.get(url))
        if got != expected[user_key]:
            mismatches.append(f"{url} ({name}): expected {expected[user_key]}, got {got}")
    assert not mismatches, "\n".join(mismatches)


def test_member_cannot_see_other_partnership_but_adviser_of_its_region_can(client, world):
    from django.urls import reverse

    url_b = reverse("partnerships:detail", args=[world.partnership_b.slug])
    sign_in(client, world.member_a)
    assert client.get(url_b).status_code == 403
    sign_in(client, world.adviser)  # North West adviser; B is in the South East
    assert client.get(url_b).status_code == 403
    sign_in(client, world.member_b)
    assert client.get(url_b).status_code == 200
