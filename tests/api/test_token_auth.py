"""Personal access tokens at the API: accepted while valid, refused with 401 and a reason
once revoked, expired, unknown or their account deactivated (even on published data, so a
program never silently falls back to public data), and their use recorded without a write
on every request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cdphub.accounts.models import AccessToken
from cdphub.accounts.tokens import create_token, revoke_token
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db
A = "greater-manchester"


def test_a_token_reads_what_its_user_may_and_its_use_is_recorded(client, world):
    token, secret = create_token(world.member_a, name="script")
    assert token.last_used_at is None

    response = client.get(f"/api/v1/partnerships/{A}", **bearer(secret))

    assert response.status_code == 200
    assert response.json()["slug"] == A
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=10)


def test_its_use_is_written_at_most_once_a_minute(client, world):
    token, secret = create_token(world.member_a, name="script")
    client.get("/api/v1/partnerships", **bearer(secret))

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/partnerships", **bearer(secret))
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]

    AccessToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - dt.timedelta(minutes=2))
    client.get("/api/v1/partnerships", **bearer(secret))
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=10)


@pytest.mark.parametrize("url", [f"/api/v1/partnerships/{A}", "/api/v1/values",
                                 "/api/v1/areas/E10000006"])
def test_a_revoked_token_is_refused_everywhere(client, world, url):
    token, secret = create_token(world.member_a, name="script")
    assert client.get(url, **bearer(secret)).status_code == 200

    revoke_token(token)
    response = client.get(url, **bearer(secret))

    assert response.status_code == 401
    assert "was revoked" in response.json()["detail"]
    assert token.prefix in response.json()["detail"]


def test_an_expired_token_is_refused(client, world):
    token, secret = create_token(world.member_a, name="script", lifetime_days=30)
    AccessToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = client.get("/api/v1/values", **bearer(secret))

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize("header, words", [
    ("Bearer cdphub_00000000_" + "x" * 43, "not recognised"),
    ("Bearer some-other-token", "start 'cdphub_'"),
    ("Bearer ", "start 'cdphub_'"),
])
def test_an_unknown_token_is_refused_with_a_reason(client, world, header, words):
    response = client.get("/api/v1/values", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert words in response.json()["detail"]


def test_a_token_of_a_deactivated_account_is_refused(client, world):
    _token, secret = create_token(world.member_a, name="script")
    world.member_a.is_active = False
    world.member_a.save()

    response = client.get("/api/v1/partnerships", **bearer(secret))

    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_a_token_wins_over_a_session(client, world):
    """With both, the request acts as the token's user."""
    from tests.conftest import sign_in

    sign_in(client, world.member_b)
    _token, secret = create_token(world.member_a, name="script")

    assert client.get(f"/api/v1/partnerships/{A}").status_code == 403
    assert client.get(f"/api/v1/partnerships/{A}", **bearer(secret)).status_code == 200


def test_without_credentials_a_protected_operation_says_how_to_authenticate(client, world):
    response = client.get("/api/v1/partnerships")

    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]


def test_the_schema_describes_bearer_tokens(client):
    schemes = client.get("/api/v1/openapi.json").json()["components"]["securitySchemes"]

    assert schemes["PersonalAccessToken"] == {"type": "http", "scheme": "bearer"}
