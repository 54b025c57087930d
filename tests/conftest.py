"""Shared fixtures: the geography loaded once per test database, the demo built once per test
run for the tests that read it, two partnerships and a user for every kind of role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdphub.accounts.models import Membership, Role, User
from cdphub.geography.loader import load_geography
from cdphub.geography.models import Area
from cdphub.partnerships.models import Partnership

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and loaded files go to a temporary folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped geography once into the test database (tests run in transactions
    that roll back, so it stays for every test)."""
    with django_db_blocker.unblock():
        load_geography()


class SharedDemo:
    """The demo, built once per test run for every test that asks for ``shared_demo``.

    It is built in a transaction that stays open while those tests run, and rolled back after
    the last of them: they run first, one after another (``pytest_collection_modifyitems``),
    and each runs in a savepoint of its own (the ``db`` fixture), so a test that writes sees
    its own writes and leaves the demo as it found it. Tests with ``transactional_db`` (which
    commit) cannot share it; the browser tests have their own copy (tests/functional)."""

    FIXTURE = "shared_demo"

    def __init__(self, blocker):
        self.blocker = blocker
        self.atomic = None
        self.counts: dict[str, int] = {}
        self.steps: list[str] = []

    def open(self) -> None:
        from cdphub.core.demo import build_demo

        with self.blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            try:
                self.counts = build_demo(step=self.steps.append)
                # Check the deferred constraints now, as a commit would, and once: else each
                # test's teardown (which checks them) checks the whole demo again.
                connection.check_constraints()
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if self.atomic is None:
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.atomic = None


_shared_demos: list[SharedDemo] = []


@pytest.fixture(scope="session")
def _shared_demo_state(django_db_setup, django_db_blocker):
    demo = SharedDemo(django_db_blocker)
    _shared_demos.append(demo)
    yield demo
    demo.close()


@pytest.fixture(scope="module")
def shared_demo(_shared_demo_state) -> SharedDemo:
    """The whole demo (geography, partnerships, governance, outcomes, demo accounts), read
    by many tests and built once. Use it with ``db`` to write: the writes are rolled back.
    (Built again only if something ran the tests in another order than the one below.)"""
    if _shared_demo_state.atomic is None:
        _shared_demo_state.open()
    return _shared_demo_state


def _reads_shared_demo(item) -> bool:
    return SharedDemo.FIXTURE in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The tests that read the shared demo run first, together (after pytest-django has put
    the tests in its order), so that its transaction wraps them and nothing else."""
    first = [item for item in items if _reads_shared_demo(item)]
    if first:
        for item in first:
            fixtures = set(getattr(item, "fixturenames", ()))
            assert not fixtures & {"transactional_db", "live_server"}, (
                f"{item.nodeid}: a transactional test cannot use the shared demo")
        items[:] = first + [item for item in items if not _reads_shared_demo(item)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last test that reads the shared demo, roll it back."""
    try:
        return (yield)
    finally:
        if nextitem is None or not _reads_shared_demo(nextitem):
            for demo in _shared_demos:
                demo.close()


@dataclass
class World:
    partnership_a: Partnership
    partnership_b: Partnership
    member_a: User
    member_b: User
    sro_a: User
    adviser: User  # regional adviser for partnership A's region (North West)
    central_admin: User
    central_analyst: User
    no_role: User


def make_user(email: str, role: str | None = None, **scope) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=email.split("@")[0])
    if role:
        Membership.objects.create(user=user, role=role, **scope)
    return user


@pytest.fixture
def world(db) -> World:
    north_west = Area.objects.get(code="E12000002")
    south_east = Area.objects.get(code="E12000008")
    a = Partnership.objects.create(name="Greater Manchester CDP", slug="greater-manchester",
                                   region=north_west)
    b = Partnership.objects.create(name="Berkshire West CDP", slug="berkshire-west",
                                   region=south_east)
    return World(
        partnership_a=a,
        partnership_b=b,
        member_a=make_user("member.a@example.org", Role.MEMBER, partnership=a),
        member_b=make_user("member.b@example.org", Role.MEMBER, partnership=b),
        sro_a=make_user("sro.a@example.org", Role.SRO, partnership=a),
        adviser=make_user("adviser@example.org", Role.REGIONAL_ADVISER, region=north_west),
        central_admin=make_user("admin@example.org", Role.CENTRAL_ADMIN),
        central_analyst=make_user("analyst@example.org", Role.CENTRAL_ANALYST),
        no_role=make_user("nobody@example.org"),
    )


def sign_in(client, user: User, *, verified: bool = True) -> None:
    """Sign a test client in as ``user``; ``verified`` also completes two-factor sign-in."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if verified:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
