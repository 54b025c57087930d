"""Shared fixtures: the geography loaded once per test database, the demo built once per test
run for the tests that read it, two partnerships and a user for every kind of role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdphub.accounts.models import Membership, Role, User
from cdphub.geography.loader import load_geography
from cdphub.geography.models import Area
from cdphub.partnerships.models import Partnership

from .shared_demo import SharedDemo

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and loaded files go to a temporary folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _cache_emptied_after():
    """Pages cache figures under keys that follow the data (``outcomes.dashboard.cache_key``),
    but a database rolled back after a test can reach the same ids and versions again with
    other figures: each test starts with an empty cache."""
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped geography once into the test database (tests run in transactions
    that roll back, so it stays for every test)."""
    with django_db_blocker.unblock():
        load_geography()


_shared_demos: list[SharedDemo] = []


@pytest.fixture(scope="session")
def _shared_demo_state(django_db_setup, django_db_blocker):
    demo = SharedDemo(django_db_blocker)
    _shared_demos.append(demo)
    yield demo
    demo.finish()


@pytest.fixture(scope="module")
def shared_demo(_shared_demo_state) -> SharedDemo:
    """The whole demo (geography, partnerships, governance, outcomes, demo accounts), read
    by many tests and built once. Use it with ``db`` to write: the writes are rolled back.
    Built once per run (``tests/shared_demo.py``); the tests that read it run first and
    together (``pytest_collection_modifyitems``), and it is taken away after the last of them
    (``pytest_runtest_teardown``). (Opened again only if something ran them in another order.)
    """
    if not _shared_demo_state.is_open:
        _shared_demo_state.open()
    return _shared_demo_state


def _reads_shared_demo(item) -> bool:
    return SharedDemo.FIXTURE in getattr(item, "fixturenames", ())


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences",
                     "django_db_serialized_rollback", "live_server"}


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only", action="store_true",
        help="run only the tests that use the database (./dev test's PostgreSQL pass: a test "
             "that cannot reach the database runs the same code on either, so the SQLite pass "
             "runs it once)")


def uses_database(item) -> bool:
    """pytest-django blocks the database for any test without one of these, so a test without
    them runs exactly the same code whichever database is configured."""
    return (item.get_closest_marker("django_db") is not None
            or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """With ``--database-tests-only``, only the tests that use the database, less those marked
    ``one_database`` (cases that run the same queries as a case kept). The tests that
    read the shared demo run first, together (after pytest-django has put the tests in its
    order), so that the demo is there for them and for nothing else."""
    if config.getoption("--database-tests-only"):
        kept = [item for item in items
                if (uses_database(item) or _reads_shared_demo(item))
                and item.get_closest_marker("one_database") is None]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    first = [item for item in items if _reads_shared_demo(item)]
    if first:
        for item in first:
            fixtures = set(getattr(item, "fixturenames", ()))
            assert not fixtures & {"transactional_db", "live_server"}, (
                f"{item.nodeid}: a transactional test cannot use the shared demo")
            # Each in a savepoint of its own; and pytest-django creates the test database
            # even when only these tests are run.
            item.add_marker(pytest.mark.django_db)
        items[:] = first + [item for item in items if not _reads_shared_demo(item)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last test that reads the shared demo, take it away."""
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
    return build_world()


def build_world() -> World:
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
