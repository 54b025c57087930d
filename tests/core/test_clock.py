"""One clock: everything that needs "today" asks ``cdphub.core.clock.today``, which honours
``settings.CDPHUB_TODAY``. Each test here moves the clock and shows that a place which used to
read the machine's date (``dt.date.today()`` in geography, ``timezone.localdate()`` in the
register's actions) now follows it; each failed while that place still read the machine's
date (this machine's date is after 2026)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cdphub.core.clock import today
from cdphub.geography.models import Area, AreaType
from cdphub.partnerships import actions

pytestmark = pytest.mark.django_db

CUMBRIA, CUMBERLAND = "E10000006", "E06000063"  # Cumbria was replaced on 1 April 2023


def test_the_clock_reads_the_setting(settings):
    settings.CDPHUB_TODAY = "2020-06-01"
    assert today() == dt.date(2020, 6, 1)


def test_areas_in_use_today_follow_the_clock(settings):
    settings.CDPHUB_TODAY = "2020-06-01"
    current = set(Area.objects.current().values_list("code", flat=True))
    assert CUMBRIA in current and CUMBERLAND not in current
    assert Area.objects.get(code=CUMBRIA).is_current
    assert not Area.objects.get(code=CUMBERLAND).is_current

    settings.CDPHUB_TODAY = "2024-06-01"
    assert not Area.objects.get(code=CUMBRIA).is_current
    assert CUMBERLAND in set(Area.objects.current().values_list("code", flat=True))


def test_the_areas_page_counts_the_authorities_in_use_on_the_clocks_date(client, settings):
    # April 2020 to March 2021: 151 upper-tier authorities (Northamptonshire and Cumbria were
    # still counties); from April 2023: 153.
    settings.CDPHUB_TODAY = "2020-06-01"
    page = client.get(reverse("geography:index"))
    assert page.context["utla_count"] == 151
    assert "151 upper-tier local authorities" in page.content.decode()
    settings.CDPHUB_TODAY = "2024-06-01"
    assert client.get(reverse("geography:index")).context["utla_count"] == 153


def test_an_agreed_footprint_change_sets_the_region_from_the_footprint_on_the_clocks_date(
        settings):
    """Agreeing a change sets the partnership's region from its footprint on the later of the
    change's date and today. Here three North East authorities join from 2030 (agreed first)
    and a second North West one from 2025: today in 2031 the footprint is mostly North East."""
    def areas(*codes):
        return list(Area.objects.filter(code__in=codes, area_type=AreaType.UTLA))

    partnership = actions.create_partnership(name="Cross-border CDP", areas=areas("E08000001"),
                                             valid_from=dt.date(2022, 8, 1))
    north_east = actions.propose_footprint_change(
        partnership=partnership, add=areas("E06000001", "E06000002", "E06000003"), remove=[],
        effective_from=dt.date(2030, 1, 1), rationale="Joining the Tees valley.")
    actions.agree_footprint_change(change=north_east, decided_by=None)
    bury = actions.propose_footprint_change(
        partnership=partnership, add=areas("E08000002"), remove=[],
        effective_from=dt.date(2025, 1, 1), rationale="Bury joins.")

    settings.CDPHUB_TODAY = "2031-01-01"
    actions.agree_footprint_change(change=bury, decided_by=None)
    partnership.refresh_from_db()
    assert partnership.region.code == "E12000001"  # North East: 3 of the 5 on 1 January 2031

    settings.CDPHUB_TODAY = "2024-06-01"
    partnership.region = Area.objects.get(code="E12000001")
    partnership.save()
    again = actions.propose_footprint_change(
        partnership=partnership, add=areas("E08000003"), remove=[],
        effective_from=dt.date(2025, 1, 1), rationale="Manchester joins.")
    actions.agree_footprint_change(change=again, decided_by=None)
    partnership.refresh_from_db()
    # On 1 January 2025 (later than 1 June 2024): Bolton, Bury, Manchester, all North West.
    assert partnership.region.code == "E12000002"
