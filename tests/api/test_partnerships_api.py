"""The register through the API: what it returns to whom (who may call each operation is
walked in test_api_access.py). The OpenAPI schema and the documentation page work within the
content security policy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cdphub.partnerships import returns
from cdphub.partnerships.models import Partnership
from tests.conftest import sign_in
from tests.core.test_security import csp_directives

A, B = "greater-manchester", "berkshire-west"


@pytest.mark.django_db
def test_a_user_with_no_role_may_not_list(client, world):
    sign_in(client, world.no_role)

    assert client.get("/api/v1/partnerships").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("user_key, slugs", [
    ("member_a", [A]), ("member_b", [B]), ("adviser", [A]), ("central_admin", [B, A]),
])
def test_the_list_holds_only_the_partnerships_the_caller_may_read(client, world, user_key,
                                                                   slugs):
    sign_in(client, getattr(world, user_key))

    body = client.get("/api/v1/partnerships").json()

    assert [item["slug"] for item in body["items"]] == slugs
    assert body["count"] == len(slugs)


@pytest.mark.django_db
def test_the_list_is_paginated_and_describes_each_partnership(client, world, settings):
    from cdphub.geography.models import Area
    from cdphub.partnerships import actions

    settings.CDPHUB_TODAY = "2024-05-01"
    actions.create_partnership(name="Bolton CDP", areas=Area.objects.filter(code="E08000001"),
                               valid_from="2022-08-01")
    sign_in(client, world.central_admin)

    first = client.get("/api/v1/partnerships", {"page_size": 2}).json()
    second = client.get("/api/v1/partnerships", {"page_size": 2, "page": 2}).json()

    assert first["count"] == second["count"] == 3
    assert [p["slug"] for p in first["items"] + second["items"]] == [
        "berkshire-west", "bolton-cdp", "greater-manchester"]
    assert first["items"][1] == {"slug": "bolton-cdp", "name": "Bolton CDP",
                                 "region_code": "E12000002", "region_name": "North West",
                                 "authority_codes": ["E08000001"]}


@pytest.mark.django_db
def test_the_return_has_the_same_content_as_the_csv_row(client, world, settings):
    from tests.partnerships.test_returns import register_partnership

    settings.CDPHUB_TODAY = "2024-05-01"
    partnership = register_partnership()
    sign_in(client, world.central_admin)

    body = client.get(f"/api/v1/partnerships/{partnership.slug}/return").json()

    assert body["sro"]["name"] == "Ann Lee"
    assert body["partnership_lead"] is None
    assert body["authorities"][0] == {"code": "E08000001", "name": "Bolton"}
    flattened = {
        "partnership_name": body["partnership_name"],
        "authority_codes": ";".join(a["code"] for a in body["authorities"]),
        "authority_names": "; ".join(a["name"] for a in body["authorities"]),
        "footprint_rationale": body["footprint_rationale"],
        **{f"{role}_{key}": (body[role] or {}).get(key, "")
           for role in returns.ROLES for key in returns.CONTACT_FIELDS},
        "core_partners_agreed": "; ".join(" | ".join((p["name"], p["organisation"], p["email"]))
                                          for p in body["core_partners_agreed"]),
    }
    assert flattened == returns.build_return(Partnership.objects.get(pk=partnership.pk)).as_row()


@pytest.mark.django_db
def test_the_openapi_schema_lists_the_operations(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/partnerships", "/api/v1/partnerships/{slug}",
            "/api/v1/partnerships/{slug}/return"} <= set(schema["paths"])
    assert "PartnershipReturn" in schema["components"]["schemas"]


@pytest.mark.django_db
def test_the_documentation_page_loads_nothing_from_elsewhere_and_nothing_inline(client):
    response = client.get(reverse("api:openapi-view"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn.jsdelivr" not in page and "https://" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "/static/ninja/swagger-ui-init.js" in page
    assert "<script>" not in page  # only script files and a JSON data block
    assert csp_directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css"):
        assert client.get(f"/static/{asset}").status_code == 200
