"""Who may call each API operation, walked with every kind of user, signed in with a session
and with a personal access token; and every operation declares its permission, with the
operations open to everyone marked as such in the code and in the OpenAPI schema."""

from __future__ import annotations

import pytest

from cdphub.api.access import anonymous
from cdphub.api.api import api
from cdphub.core.access import declared_permission
from tests.api.conftest import bearer, token_for
from tests.conftest import sign_in

USERS = ["anonymous", "member_a", "member_b", "adviser", "central_admin"]
A, B = "greater-manchester", "berkshire-west"
LOCAL_A = f"{A}-naloxone-kits"  # tests/api/conftest.py: partnership A's local metric


def expect(anonymous, member_a, member_b, adviser, central_admin) -> dict[str, int]:
    return dict(zip(USERS, [anonymous, member_a, member_b, adviser, central_admin], strict=True))


EVERYONE = expect(200, 200, 200, 200, 200)
READ_A = expect(401, 200, 403, 200, 200)  # A is in the North West, the adviser's region
READ_B = expect(401, 403, 200, 403, 200)
NOT_FOUND_SIGNED_IN = expect(401, 404, 404, 404, 404)
NOT_FOUND = expect(404, 404, 404, 404, 404)

# (the operation's path in the schema, a URL to call, who gets what)
WALK = [
    ("/partnerships", "/api/v1/partnerships", expect(401, 200, 200, 200, 200)),
    ("/partnerships/{slug}", f"/api/v1/partnerships/{A}", READ_A),
    ("/partnerships/{slug}", f"/api/v1/partnerships/{B}", READ_B),
    ("/partnerships/{slug}", "/api/v1/partnerships/no-such-partnership", NOT_FOUND_SIGNED_IN),
    ("/partnerships/{slug}/return", f"/api/v1/partnerships/{A}/return", READ_A),
    ("/partnerships/{slug}/return", f"/api/v1/partnerships/{B}/return", READ_B),
    ("/partnerships/{slug}/return", "/api/v1/partnerships/no-such-partnership/return",
     NOT_FOUND_SIGNED_IN),
    ("/areas", "/api/v1/areas", EVERYONE),
    ("/areas/{code}", "/api/v1/areas/E10000006", EVERYONE),
    ("/areas/{code}", "/api/v1/areas/E99999999", NOT_FOUND),
    ("/metrics", "/api/v1/metrics", EVERYONE),
    ("/metrics/{key}", "/api/v1/metrics/continuity_of_care", EVERYONE),
    ("/metrics/{key}", f"/api/v1/metrics/{LOCAL_A}", READ_A),
    ("/metrics/{key}", "/api/v1/metrics/no-such-metric", NOT_FOUND),
    ("/values", "/api/v1/values", EVERYONE),
    ("/values", f"/api/v1/values?partnership={A}", READ_A),
    ("/values", f"/api/v1/values?partnership={B}", READ_B),
    ("/values", f"/api/v1/values?metric={LOCAL_A}", READ_A),
]


def operations():
    """Every (path, method, operation) registered on the API, as bound to it."""
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield f"{bound.prefix}{path}", method, operation


def test_every_operation_declares_its_permission():
    found = list(operations())
    assert len(found) >= 8, "the API has operations"
    undeclared = [f"{method} {path}" for path, method, operation in found
                  if not declared_permission(operation.view_func)]
    assert not undeclared, f"operations without @access: {undeclared}"


def test_operations_open_to_everyone_say_so_in_code_and_in_the_schema():
    schema = api.get_openapi_schema()
    for path, method, operation in operations():
        declared_public = getattr(operation.view_func, "cdphub_public", False)
        open_auth = anonymous in operation.auth_callbacks
        assert declared_public == open_auth, (
            f"{method} {path}: @access(public=) and auth=OPEN must agree")
        assert operation.auth_callbacks, f"{method} {path} has no authentication"
        security = schema["paths"][f"/api/v1{path}"][method.lower()]["security"]
        assert ({} in security) == declared_public
        assert {"PersonalAccessToken": []} in security


def test_the_walk_covers_every_operation():
    walked = {path for path, _url, _expected in WALK}
    registered = {path for path, _method, _operation in operations()}
    assert registered == walked


def _walk(client, headers) -> dict[str, int]:
    got = {}
    for _path, url, _expected in WALK:
        response = client.get(url, **headers)
        got[url] = response.status_code
        assert response["Content-Type"] == "application/json; charset=utf-8"
        if response.status_code != 200:
            assert response.json()["detail"]
    return got


@pytest.mark.django_db
@pytest.mark.parametrize("user_key", USERS)
def test_who_may_call_each_operation_signed_in(client, world, outcomes, user_key):
    if user_key != "anonymous":
        sign_in(client, getattr(world, user_key))

    got = _walk(client, {})

    assert got == {url: expected[user_key] for _path, url, expected in WALK}


@pytest.mark.django_db
@pytest.mark.parametrize("user_key", USERS[1:])
def test_who_may_call_each_operation_with_a_token(client, world, outcomes, user_key):
    headers = bearer(token_for(getattr(world, user_key)))

    got = _walk(client, headers)

    assert got == {url: expected[user_key] for _path, url, expected in WALK}


@pytest.mark.django_db
def test_an_unverified_session_does_not_carry_roles_that_need_two_factor(client, world,
                                                                       outcomes):
    """Central roles need the second factor: a session without it is refused, as the web
    pages refuse it."""
    sign_in(client, world.central_admin, verified=False)

    assert client.get(f"/api/v1/partnerships/{B}").status_code == 403
    assert client.get("/api/v1/values", {"partnership": B}).status_code == 403
