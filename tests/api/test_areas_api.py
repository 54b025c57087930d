"""Areas through the API: published, filtered, paginated, with their history."""

from __future__ import annotations

import pytest

from cdphub.geography.models import Area

pytestmark = pytest.mark.django_db


def test_areas_are_published_and_paginated(client):
    first = client.get("/api/v1/areas", {"page_size": 5}).json()
    second = client.get("/api/v1/areas", {"page_size": 5, "page": 2}).json()

    assert first["count"] == second["count"] == Area.objects.count()
    codes = [a["code"] for a in first["items"] + second["items"]]
    assert len(set(codes)) == 10
    assert codes == list(Area.objects.order_by("area_type", "name", "code")
                         .values_list("code", flat=True)[:10])


def test_areas_filter_by_type_parent_name_and_date(client):
    def codes(**params):
        return {a["code"] for a in client.get("/api/v1/areas",
                                              {"page_size": 1000, **params}).json()["items"]}

    regions = codes(type="region")
    assert regions == set(Area.objects.filter(area_type="region").values_list("code", flat=True))
    assert len(regions) == 9
    assert codes(parent="E92000001", type="region") == regions
    assert codes(parent="E12000002") == set(Area.objects.filter(parent__code="E12000002")
                                            .values_list("code", flat=True))
    assert "E08000001" in codes(parent="E12000002")  # Bolton, in the North West
    assert codes(type="utla", q="cumb") == {"E10000006", "E06000063"}
    assert codes(type="utla", q="cumb", in_use_on="2024-01-01") == {"E06000063"}
    assert codes(type="utla", q="cumb", in_use_on="2022-01-01") == {"E10000006"}


def test_one_area_says_what_it_contains_and_what_replaced_it(client):
    body = client.get("/api/v1/areas/E10000006").json()

    assert body["name"] == "Cumbria"
    assert body["type"] == "utla"
    assert body["valid_to"] == "2023-03-31"
    assert body["parent"] == {"code": "E12000002", "name": "North West"}
    assert [a["code"] for a in body["successors"]] == ["E06000063", "E06000064"]
    region = client.get("/api/v1/areas/E12000002").json()
    assert "E10000006" in {a["code"] for a in region["children"]}


@pytest.mark.parametrize("params, parameter", [
    ({"type": "county"}, "type"),
    ({"parent": "E99999999"}, "parent"),
    ({"in_use_on": "2023-13-01"}, "in_use_on"),
])
def test_bad_area_filters_name_the_parameter(client, params, parameter):
    response = client.get("/api/v1/areas", params)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", parameter]


def test_an_unknown_area_is_not_found(client):
    response = client.get("/api/v1/areas/E99999999")

    assert response.status_code == 404
    assert "E99999999" in response.json()["detail"]
