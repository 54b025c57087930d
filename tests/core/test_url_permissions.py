"""Walk every URL pattern as every kind of user and assert exactly who gets what.

Each URL name must appear in EXPECTED below: a new view without an entry fails this test, so
every feature declares its audience here as well as on the view.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cdphub.core.access import declared_permission
from tests.conftest import sign_in

ALLOWED, SIGN_IN, FORBIDDEN = "allowed", "sign-in", "forbidden"
USERS = ["anonymous", "member_a", "member_b", "adviser", "central_admin"]


def expect(anonymous, member_a, member_b, adviser, central_admin):
    return dict(zip(USERS, [anonymous, member_a, member_b, adviser, central_admin], strict=True))


EVERYONE = expect(ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
SIGNED_IN = expect(SIGN_IN, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
CENTRAL_ADMIN = expect(SIGN_IN, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED)
PARTNERSHIP_A = expect(SIGN_IN, ALLOWED, FORBIDDEN, ALLOWED, ALLOWED)

# url name -> (keyword arguments, expected outcome per user)
EXPECTED = {
    "core:home": ({}, EVERYONE),
    "core:accessibility": ({}, EVERYONE),
    "core:cookies": ({}, EVERYONE),
    "core:privacy": ({}, EVERYONE),
    "core:feedback": ({}, EVERYONE),
    "accounts:sign-in": ({}, EVERYONE),
    "accounts:sign-out": ({}, EVERYONE),
    "accounts:password-reset": ({}, EVERYONE),
    "accounts:password-reset-sent": ({}, EVERYONE),
    "accounts:password-reset-confirm": ({"uidb64": "MQ", "token": "set-password"}, EVERYONE),
    "accounts:password-reset-done": ({}, EVERYONE),
    "accounts:account": ({}, SIGNED_IN),
    "accounts:password-change": ({}, SIGNED_IN),
    "accounts:two-factor": ({}, SIGNED_IN),
    "accounts:two-factor-set-up": ({}, SIGNED_IN),
    "accounts:backup-codes": ({}, SIGNED_IN),
    "accounts:roles": ({}, CENTRAL_ADMIN),
    "accounts:revoke-role": ({"pk": "membership"}, CENTRAL_ADMIN),
    "accounts:audit-log": ({}, CENTRAL_ADMIN),
    "accounts:audit-log-csv": ({}, CENTRAL_ADMIN),
    "geography:index": ({}, EVERYONE),
    "geography:area": ({"code": "E10000006"}, EVERYONE),
    "partnerships:list": ({}, SIGNED_IN),
    "partnerships:detail": ({"slug": "partnership_a"}, PARTNERSHIP_A),
}


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
    return names


def test_every_url_pattern_is_named_and_listed_here():
    names = all_url_names()
    assert sorted(names) == sorted(EXPECTED), "add new URLs to EXPECTED with who may use them"


@pytest.mark.parametrize("name", sorted(all_url_names()))
def test_every_view_declares_its_permission(name):
    pattern = all_url_names()[name]
    assert declared_permission(pattern.callback), f"{name} does not declare who may use it"


def _concrete_kwargs(kwargs, world):
    from cdphub.accounts.models import Membership

    resolved = {}
    for key, value in kwargs.items():
        if value == "partnership_a":
            resolved[key] = world.partnership_a.slug
        elif value == "membership":
            resolved[key] = Membership.objects.filter(user=world.member_b).first().pk
        else:
            resolved[key] = value
    return resolved


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
