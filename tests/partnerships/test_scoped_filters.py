"""Filters on list pages offer only what the signed-in person can see, and an empty list says
why it is empty (issue 11: a regional adviser was offered all nine regions and told
"0 partnerships" for the others)."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from cdphub.geography.models import Area, AreaType
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

NORTH_WEST, SOUTH_EAST, NORTH_EAST = "E12000002", "E12000008", "E12000001"
LIST = reverse("partnerships:list")
MILESTONES = reverse("partnerships:national-milestones")


def region_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="region"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def empty_reason(html: str) -> str:
    found = re.search(r'data-testid="empty-reason">([^<]*)<', html)
    return found.group(1) if found else ""


@pytest.mark.parametrize("url", [LIST, MILESTONES])
def test_a_regional_adviser_is_offered_their_region_only(client, world, url):
    sign_in(client, world.adviser)
    html = client.get(url).content.decode()
    assert region_options(html) == ["", NORTH_WEST]
    assert "You can see every partnership in North West, the region you advise." in html
    assert "Greater Manchester CDP" in html and "Berkshire West CDP" not in html


@pytest.mark.parametrize("url", [LIST, MILESTONES])
def test_a_region_the_adviser_cannot_see_is_explained(client, world, url):
    sign_in(client, world.adviser)
    html = client.get(f"{url}?region={SOUTH_EAST}").content.decode()
    assert "Berkshire West CDP" not in html and "Greater Manchester CDP" not in html
    assert empty_reason(html) == ("You cannot see the partnerships in South East. You can see "
                                  "every partnership in North West, the region you advise.")


def test_a_member_is_offered_their_partnerships_region_and_told_what_they_see(client, world):
    sign_in(client, world.member_b)
    html = client.get(LIST).content.decode()
    assert region_options(html) == ["", SOUTH_EAST]
    assert "You can see Berkshire West CDP, where you have a role." in html
    html = client.get(f"{LIST}?q=zzz").content.decode()
    assert empty_reason(html) == "No partnership you can see has a name containing “zzz”."


@pytest.mark.parametrize("url", [LIST, MILESTONES])
def test_central_users_are_offered_every_region_and_told_when_one_has_none(client, world, url):
    sign_in(client, world.central_analyst)
    html = client.get(url).content.decode()
    regions = Area.objects.filter(area_type=AreaType.REGION)
    assert len(region_options(html)) == 1 + regions.count() == 10
    assert 'data-testid="scope"' not in html
    html = client.get(f"{url}?region={NORTH_EAST}").content.decode()
    assert empty_reason(html) == "There are no partnerships in North East."


@override_settings(CDPHUB_TODAY="2019-01-01")
def test_nothing_overdue_is_said_in_words(client, world):
    sign_in(client, world.adviser)
    html = client.get(f"{MILESTONES}?show=overdue").content.decode()
    assert "0 partnerships" in html
    assert empty_reason(html) == "None of the partnerships you can see has a milestone overdue."
