"""Shared fixtures: the geography loaded once per test database, two partnerships and a
user for every kind of role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
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
