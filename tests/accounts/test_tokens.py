"""Personal access tokens on the account page: made with a name and an expiry, shown once,
stored only as a hash, listed with their status, revoked by their owner only, audited; and
what a token may do with roles that need two-factor sign-in."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from cdphub.accounts.models import AccessToken, AuditEvent
from cdphub.accounts.tokens import create_token
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
CREATE = "/account/tokens/new/"


def make(client, name="Dashboard refresh", lifetime_days="365"):
    return client.post(CREATE, {"name": name, "lifetime_days": lifetime_days})


def secret_on(page) -> str:
    import re

    found = re.findall(r"cdphub_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", page.content.decode())
    assert found, "the new token is on the page"
    return found[0]


def test_a_token_is_shown_once_and_stored_only_as_its_hash(client, world):
    sign_in(client, world.member_a)

    response = make(client)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    secret = secret_on(response)
    token = AccessToken.objects.get(user=world.member_a)
    assert token.name == "Dashboard refresh"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) == 15
    assert secret not in {getattr(token, f.attname) for f in AccessToken._meta.fields}
    assert "You will not be able to see it again" in response.content.decode()
    # The account page lists it by its prefix, never the token itself.
    account = client.get(reverse("accounts:account")).content.decode()
    assert token.prefix in account and secret not in account
    assert "Dashboard refresh" in account


def test_the_expiry_chosen_is_kept_and_shown(client, world):
    sign_in(client, world.member_a)

    make(client, lifetime_days="30")

    token = AccessToken.objects.get(user=world.member_a)
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    account = client.get(reverse("accounts:account")).content.decode()
    assert f"{timezone.localtime(token.expires_at):%-d %b %Y}" in account


def test_making_and_revoking_a_token_are_audited(client, world):
    sign_in(client, world.member_a)
    make(client)
    token = AccessToken.objects.get(user=world.member_a)

    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    events = list(AuditEvent.objects.filter(actor_email=world.member_a.email,
                                            kind__startswith="token_").order_by("id"))
    assert [e.kind for e in events] == [AuditEvent.Kind.TOKEN_CREATED,
                                       AuditEvent.Kind.TOKEN_REVOKED]
    assert all(token.prefix in e.target and e.detail["token"] == token.pk for e in events)
    account = client.get(reverse("accounts:account")).content.decode()
    assert "Revoked" in account


def test_revoking_asks_first(client, world):
    sign_in(client, world.member_a)
    token, _secret = create_token(world.member_a, name="Old script")

    page = client.get(reverse("accounts:token-revoke", args=[token.pk]))

    assert page.status_code == 200
    assert "Revoke the token ‘Old script’" in page.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_nobody_else_may_revoke_a_token(client, world):
    token, _secret = create_token(world.member_a, name="Mine")
    for user in (world.member_b, world.central_admin):
        sign_in(client, user)
        assert client.get(reverse("accounts:token-revoke", args=[token.pk])).status_code == 403
        assert client.post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_REVOKED).exists()


def test_a_token_needs_a_name(client, world):
    sign_in(client, world.member_a)

    response = make(client, name="  ")

    assert response.status_code == 200
    assert "Enter a name for the token" in response.content.decode()
    assert not AccessToken.objects.exists()


def test_an_unknown_expiry_is_refused(client, world):
    sign_in(client, world.member_a)

    response = make(client, lifetime_days="99999")

    assert "Choose when the token expires" in response.content.decode()
    assert not AccessToken.objects.exists()


def test_a_session_without_its_second_factor_cannot_make_a_token(client, world):
    """The SRO's role needs two-factor sign-in: without it, no token (which would carry it)."""
    sign_in(client, world.sro_a, verified=False)

    response = make(client)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor"))
    assert not AccessToken.objects.exists()


def test_a_token_made_after_the_second_factor_carries_the_roles_that_need_it(client, world):
    sign_in(client, world.sro_a, verified=True)
    secret = secret_on(make(client))
    client.logout()

    token = AccessToken.objects.get(user=world.sro_a)
    response = client.get(f"/api/v1/partnerships/{world.partnership_a.slug}",
                          HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert token.two_factor is True
    assert response.status_code == 200


def test_a_token_made_without_the_second_factor_does_not_carry_those_roles(client, world):
    """A member without a two-factor device makes a token, then becomes SRO: the token keeps
    the member's reach but not the SRO's (until they make a new one after the code)."""
    from cdphub.accounts.models import Membership, Role

    sign_in(client, world.member_b, verified=False)
    secret = secret_on(make(client))
    client.logout()
    Membership.objects.create(user=world.member_b, role=Role.SRO,
                              partnership=world.partnership_a)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    assert AccessToken.objects.get(user=world.member_b).two_factor is False
    assert client.get(f"/api/v1/partnerships/{world.partnership_b.slug}",
                      **headers).status_code == 200
    assert client.get(f"/api/v1/partnerships/{world.partnership_a.slug}",
                      **headers).status_code == 403
