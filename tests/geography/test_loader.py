"""The shipped geography, as loaded once for the test database (tests/conftest.py), and the
area pages built on it."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.urls import reverse

from cdphub.geography.loader import DATA_DIR, load_geography
from cdphub.geography.models import Area, AreaType

pytestmark = pytest.mark.django_db

BEFORE_2025 = dt.date(2024, 1, 1)
AFTER_2025 = dt.date(2025, 6, 1)


def utlas_on(date: dt.date) -> set[str]:
    return set(Area.objects.of_type(AreaType.UTLA).valid_on(date).values_list("code", flat=True))


def reference_rows() -> list[dict[str, str]]:
    with open(DATA_DIR / "utla2023_reference.csv", newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def successor_codes(code: str) -> set[str]:
    return set(Area.objects.get(code=code).successors.values_list("code", flat=True))


# --- counts -------------------------------------------------------------------------------


def test_one_country_england():
    countries = Area.objects.of_type(AreaType.COUNTRY)
    assert countries.count() == 1
    england = countries.get()
    assert england.code == "E92000001"
    assert england.name == "England"
    assert england.parent is None


def test_nine_regions_in_england():
    regions = Area.objects.of_type(AreaType.REGION)
    assert regions.count() == 9
    assert {r.code for r in regions} == {f"E1200000{n}" for n in range(1, 10)}
    assert {r.parent.code for r in regions} == {"E92000001"}
    assert Area.objects.get(code="E12000002").name == "North West"


def test_thirty_nine_police_force_areas():
    forces = Area.objects.of_type(AreaType.PFA)
    assert forces.count() == 39
    assert all(code.startswith("E23") for code in forces.values_list("code", flat=True))
    assert Area.objects.get(code="E23000002").name == "Cumbria"


def test_153_upper_tier_authorities_before_and_after_the_2025_code_change():
    before, after = utlas_on(BEFORE_2025), utlas_on(AFTER_2025)

    assert len(before) == 153
    assert len(after) == 153
    assert before - after == {"E08000016", "E08000019"}
    assert after - before == {"E08000038", "E08000039"}


def test_the_2024_authorities_are_exactly_the_shipped_2023_list():
    assert utlas_on(BEFORE_2025) == {row["utla_code_2023"] for row in reference_rows()}


def test_the_current_codes_column_matches_the_2025_authorities():
    assert utlas_on(AFTER_2025) == {row["utla_code_current"] for row in reference_rows()}


# --- boundary and code changes ------------------------------------------------------------


def test_cumbria_ends_and_is_replaced_by_cumberland_and_westmorland_and_furness():
    cumbria = Area.objects.get(code="E10000006")
    assert cumbria.name == "Cumbria"
    assert cumbria.area_type == AreaType.UTLA
    assert cumbria.valid_to == dt.date(2023, 3, 31)
    assert successor_codes("E10000006") == {"E06000063", "E06000064"}
    for code, name in [("E06000063", "Cumberland"), ("E06000064", "Westmorland and Furness")]:
        successor = Area.objects.get(code=code)
        assert successor.name == name
        assert successor.valid_from == dt.date(2023, 4, 1)
        assert successor.valid_to is None
        assert set(successor.predecessors.values_list("code", flat=True)) == {"E10000006"}
    assert cumbria.is_valid_on(dt.date(2023, 3, 31))
    assert not cumbria.is_valid_on(dt.date(2023, 4, 1))
    assert cumbria.region.code == "E12000002"
    assert cumbria.police_force_area.code == "E23000002"


def test_northamptonshire_split_in_2021():
    county = Area.objects.get(code="E10000021")
    assert county.valid_to == dt.date(2021, 3, 31)
    assert successor_codes("E10000021") == {"E06000061", "E06000062"}
    for code in ("E06000061", "E06000062"):
        assert Area.objects.get(code=code).valid_from == dt.date(2021, 4, 1)
    assert "E10000021" in utlas_on(dt.date(2021, 3, 31))
    assert "E10000021" not in utlas_on(dt.date(2021, 4, 1))
    assert {"E06000061", "E06000062"} <= utlas_on(dt.date(2021, 4, 1))
    assert not {"E06000061", "E06000062"} & utlas_on(dt.date(2021, 3, 31))


def test_buckinghamshire_became_a_unitary_authority_in_2020():
    county = Area.objects.get(code="E10000002")
    assert county.valid_to == dt.date(2020, 3, 31)
    assert successor_codes("E10000002") == {"E06000060"}
    unitary = Area.objects.get(code="E06000060")
    assert unitary.name == "Buckinghamshire"
    assert unitary.valid_from == dt.date(2020, 4, 1)


def test_barnsley_and_sheffield_change_code_in_2025():
    for old, new, name in [("E08000016", "E08000038", "Barnsley"),
                           ("E08000019", "E08000039", "Sheffield")]:
        old_area, new_area = Area.objects.get(code=old), Area.objects.get(code=new)
        assert old_area.name == new_area.name == name
        assert old_area.valid_to == dt.date(2025, 3, 31)
        assert new_area.valid_from == dt.date(2025, 4, 1)
        assert successor_codes(old) == {new}
        assert new_area.parent == old_area.parent
        assert new_area.police_force_area == old_area.police_force_area
        assert new_area.subtype == old_area.subtype == "Metropolitan district"


def test_no_area_ends_before_it_starts():
    for area in Area.objects.exclude(valid_from=None).exclude(valid_to=None):
        assert area.valid_to >= area.valid_from


def test_there_are_never_two_authorities_in_use_for_the_same_place_and_date():
    # On every change date, no predecessor and successor are both in use.
    for area in Area.objects.of_type(AreaType.UTLA).exclude(valid_to=None):
        for successor in area.successors.all():
            assert successor.valid_from == area.valid_to + dt.timedelta(days=1)


# --- hierarchy ----------------------------------------------------------------------------


@pytest.mark.parametrize("date", [dt.date(2019, 1, 1), BEFORE_2025, AFTER_2025, dt.date.today()])
def test_every_authority_has_a_region_and_a_police_force_area(date):
    authorities = list(Area.objects.of_type(AreaType.UTLA).valid_on(date)
                       .select_related("parent", "police_force_area"))
    assert len(authorities) > 100
    for area in authorities:
        assert area.parent is not None, area
        assert area.parent.area_type == AreaType.REGION, area
        assert area.police_force_area is not None, area
        assert area.police_force_area.area_type == AreaType.PFA, area


def test_every_district_belongs_to_a_county():
    districts = Area.objects.of_type(AreaType.LAD).select_related("parent", "police_force_area")
    assert districts.exists()
    for district in districts:
        assert district.parent.area_type == AreaType.UTLA
        assert district.parent.subtype == "County"
        assert district.police_force_area == district.parent.police_force_area


def test_cambridgeshire_contains_its_five_districts():
    county = Area.objects.get(code="E10000003")
    districts = county.children.filter(area_type=AreaType.LAD)
    assert districts.count() == 5
    assert set(districts.values_list("code", flat=True)) == {
        "E07000008", "E07000009", "E07000010", "E07000011", "E07000012"}
    assert "Cambridge" in set(districts.values_list("name", flat=True))
    assert county.parent.code == "E12000006"


# --- reloading ----------------------------------------------------------------------------


def test_loading_again_creates_nothing_and_changes_nothing():
    count = Area.objects.count()
    links = Area.successors.through.objects.count()
    cumbria = Area.objects.get(code="E10000006")

    summary = load_geography()

    assert summary.created == 0
    assert summary.updated > 0
    assert Area.objects.count() == count
    assert Area.successors.through.objects.count() == links
    assert Area.objects.get(code="E10000006").pk == cumbria.pk


def test_loading_again_restores_an_edited_name():
    Area.objects.filter(code="E06000063").update(name="Wrong name")

    load_geography()

    assert Area.objects.get(code="E06000063").name == "Cumberland"


# --- area pages ---------------------------------------------------------------------------


def test_cumbria_page_names_its_successors(client):
    response = client.get(reverse("geography:area", args=["E10000006"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Cumberland" in page
    assert "Westmorland and Furness" in page
    assert reverse("geography:area", args=["E06000063"]) in page
    assert reverse("geography:area", args=["E06000064"]) in page


def test_cumberland_page_names_its_predecessor(client):
    response = client.get(reverse("geography:area", args=["E06000063"]))

    assert response.status_code == 200
    assert reverse("geography:area", args=["E10000006"]) in response.content.decode()


def test_police_force_area_page_lists_its_authorities(client):
    force = Area.objects.get(code="E10000006").police_force_area

    response = client.get(reverse("geography:area", args=[force.code]))

    assert response.status_code == 200
    page = response.content.decode()
    members = Area.objects.of_type(AreaType.UTLA).filter(police_force_area=force)
    assert {m.code for m in members} == {"E10000006", "E06000063", "E06000064"}
    for member in members:
        assert member.name in page
        assert member.code in page
        assert reverse("geography:area", args=[member.code]) in page
    assert {m.code for m in response.context["force_members"]} == {m.code for m in members}


def test_region_page_lists_its_authorities(client):
    response = client.get(reverse("geography:area", args=["E12000002"]))

    assert response.status_code == 200
    current = {c.code for c in response.context["current_children"]}
    assert {"E06000063", "E06000064", "E08000003"} <= current
    assert "E10000006" not in current
    assert "E10000006" in {c.code for c in response.context["past_children"]}


def test_unknown_area_code_is_404(client):
    assert client.get(reverse("geography:area", args=["E99999999"])).status_code == 404
    assert client.get(reverse("geography:area", args=["not-a-code"])).status_code == 404


def test_areas_index_counts_current_authorities(client):
    response = client.get(reverse("geography:index"))

    assert response.status_code == 200
    assert response.context["utla_count"] == 153
    assert len(response.context["regions"]) == 9
    assert len(response.context["forces"]) == 39
