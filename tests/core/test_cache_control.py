"""Responses that belong to one visitor carry ``Cache-Control: private, no-store``, so no
shared cache serves one person's page to another and no browser keeps restricted data on
disk; public pages seen signed out stay cacheable."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from cdphub.accounts.tokens import create_token
from cdphub.core.middleware import PrivateResponseMiddleware
from tests.api.conftest import bearer
from tests.conftest import sign_in


def directives(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",")
            if part.strip()}


PRIVATE = {"private", "no-store"}


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", [
    ("core:home", []),
    ("partnerships:detail", ["greater-manchester"]),
    ("partnerships:people", ["greater-manchester"]),
    ("partnerships:return-csv", ["greater-manchester"]),
    ("geography:index", []),
])
def test_every_page_for_a_signed_in_user_is_private(client, world, name, args):
    sign_in(client, world.member_a)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert PRIVATE <= directives(response)
    assert "public" not in directives(response)


@pytest.mark.django_db
def test_an_api_answer_to_a_token_is_private(client, world):
    _token, secret = create_token(world.member_a, name="script")
    response = client.get("/api/v1/partnerships/greater-manchester", **bearer(secret))
    assert response.status_code == 200
    assert PRIVATE <= directives(response)


@pytest.mark.django_db
def test_a_refused_api_call_with_a_token_is_private_too(client, world):
    response = client.get("/api/v1/partnerships/greater-manchester", **bearer("cdphub_nope"))
    assert response.status_code == 401
    assert PRIVATE <= directives(response)


@pytest.mark.django_db
def test_the_sign_in_page_holds_a_csrf_token_so_is_private(client):
    response = client.get(reverse("accounts:sign-in"))
    assert response.status_code == 200
    assert PRIVATE <= directives(response)


@pytest.mark.django_db
def test_a_visitor_with_a_session_gets_private_pages(client, world):
    session = client.session
    session["anything"] = "part-way through something"
    session.save()
    response = client.get(reverse("geography:index"))
    assert PRIVATE <= directives(response)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/areas/", "/accessibility/"])
def test_public_pages_signed_out_stay_cacheable(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "private" not in directives(response)
    assert "no-store" not in directives(response)


def test_private_replaces_public_a_view_asked_for():
    def view(request):
        response = HttpResponse("mine")
        response["Cache-Control"] = "public, max-age=600"
        return response

    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer x")
    response = PrivateResponseMiddleware(view)(request)
    assert PRIVATE <= directives(response)
    assert "public" not in directives(response)
