"""Walk every URL pattern as every kind of user and assert exactly who gets what.

Each URL name must appear in an ``EXPECTED`` table in a ``tests/**/url_expectations*.py``
module: a new view without an entry fails this test, so every feature declares its audience
there as well as on the view. The walk visits every URL as a visitor, as someone signed in
with no role, and as a holder of each role (tests/url_expectations.py ``USERS``), each signed
in both with the second factor given and without it: one test per URL, user and second factor,
named for example ``partnerships:create-central_analyst-with-2fa``.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdphub.accounts.models import Role
from cdphub.core.access import declared_permission
from tests.conftest import World, build_world, make_user, sign_in
from tests.url_expectations import (
    ALLOWED,
    FORBIDDEN,
    SECOND_FACTOR,
    SIGN_IN,
    SIGNED_IN_USERS,
    all_expectations,
    without_second_factor,
)

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
    if response.status_code == 302:
        location = urlsplit(response["Location"]).path
        if location == reverse("accounts:sign-in"):
            return SIGN_IN
        if location in (reverse("accounts:two-factor"), reverse("accounts:two-factor-set-up")):
            return SECOND_FACTOR
    if response.status_code == 403:
        return FORBIDDEN
    assert response.status_code in (200, 302, 405), response.status_code
    return ALLOWED


def _cases():
    """(url name, user, second factor given?, expected outcome), with a readable test id.

    Whether a user may use a URL is decided by the same Python whichever database holds the
    memberships, so ./dev test's PostgreSQL pass walks each URL once, as the first user
    allowed to use it (which runs the view itself on PostgreSQL), and leaves the other users'
    cases to the SQLite pass (marked ``one_database``)."""
    for name, (_kwargs, outcomes) in sorted(EXPECTED.items()):
        cases = [(name, "anonymous", False, outcomes["anonymous"], f"{name}-anonymous")]
        for user in SIGNED_IN_USERS:
            cases.append((name, user, True, outcomes[user], f"{name}-{user}-with-2fa"))
            cases.append((name, user, False, without_second_factor(name, outcomes, user),
                          f"{name}-{user}-without-2fa"))
        kept = next((case for case in cases if case[3] == ALLOWED), cases[0])
        for case in cases:
            yield pytest.param(*case[:4], id=case[4],
                               marks=() if case is kept else pytest.mark.one_database)


@dataclass
class Walk:
    world: World
    urls: dict[str, str]  # url name → the URL walked
    sessions: dict[tuple[str, bool], str]  # (user, second factor given) → session key
    client: Client


# The roles the shared world (tests/conftest.py) has no user for.
MORE_LEADS = {"partnership_lead_a": Role.PARTNERSHIP_LEAD, "data_lead_a": Role.DATA_LEAD,
              "involvement_lead_a": Role.PUBLIC_INVOLVEMENT_LEAD}


class TestUrlWalk:
    """One world, its objects and a signed-in session per user, built once for the class in a
    transaction that is rolled back after the last walk; each walk runs in its own savepoint
    (the ``db`` fixture), so whatever a request writes is undone before the next. One client
    too: a new client loads the middleware afresh (WhiteNoise indexes every static file)."""

    @pytest.fixture(scope="class")
    @classmethod
    def walk(cls, django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), transaction.atomic():
            world = build_world()
            users = {user: getattr(world, user) for user in SIGNED_IN_USERS
                     if user not in MORE_LEADS}
            users |= {user: make_user(f"{user}@example.org", role, partnership=world.partnership_a)
                      for user, role in MORE_LEADS.items()}
            sessions = {}
            for user, account in users.items():
                # Every user has set up an authenticator app (tests/url_expectations.py).
                TOTPDevice.objects.create(user=account, name="walk", confirmed=True)
                for verified in (True, False):
                    client = Client()
                    sign_in(client, account, verified=verified)
                    sessions[user, verified] = client.cookies[settings.SESSION_COOKIE_NAME].value
            urls = {name: reverse(name, kwargs=_concrete_kwargs(kwargs, world))
                    for name, (kwargs, _outcomes) in EXPECTED.items()}
            yield Walk(world=world, urls=urls, sessions=sessions, client=Client())
            transaction.set_rollback(True)

    @pytest.mark.parametrize(("name", "user", "verified", "expected"), list(_cases()))
    def test_url(self, walk, db, name, user, verified, expected):
        client = walk.client
        client.cookies = SimpleCookie()
        if user != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = walk.sessions[user, verified]
        url = walk.urls[name]
        assert outcome(client.get(url)) == expected, url


def test_every_kind_of_user_is_walked():
    """Every role of the service is held by some user of the walk (a new role must join it)."""
    walked = {role for user, role in MORE_LEADS.items()} | {
        Role.MEMBER, Role.SRO, Role.REGIONAL_ADVISER, Role.CENTRAL_ANALYST, Role.CENTRAL_ADMIN}
    assert walked == set(Role)


def test_member_cannot_see_other_partnership_but_adviser_of_its_region_can(client, world):
    from django.urls import reverse

    url_b = reverse("partnerships:detail", args=[world.partnership_b.slug])
    sign_in(client, world.member_a)
    assert client.get(url_b).status_code == 403
    sign_in(client, world.adviser)  # North West adviser; B is in the South East
    assert client.get(url_b).status_code == 403
    sign_in(client, world.member_b)
    assert client.get(url_b).status_code == 200
