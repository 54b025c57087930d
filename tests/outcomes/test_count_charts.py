"""Charts of counts compare areas among themselves: England's (and the region's) total is
given as a figure under the chart, not drawn on the same axis; rates and percentages keep
England as the benchmark line."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from cdphub.geography.models import Area
from cdphub.outcomes import charts
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import Metric
from cdphub.partnerships.models import Coverage
from tests.conftest import sign_in
from tests.outcomes.test_charts import mark_group, texts
from tests.outcomes.test_dashboard import DEATHS, YEARS, value

COUNT = "numbers_in_treatment"


def test_totals_are_written_as_figures_with_their_periods():
    text = charts.totals_text([("England", 289_215.0, "2023/24"), ("North West", None, ""),
                               ("North East", 15_870.0, "2023/24")], "people")
    assert text == ("For scale: England 289,215 people (2023/24); North East 15,870 people "
                    "(2023/24). These totals are not drawn, so that the chart compares the "
                    "areas among themselves.")
    assert charts.totals_text([("England", None, "2023/24")], "people") == ""


@pytest.fixture
def counts(world):
    """People in treatment (a count) and deaths (a rate) for partnership A's two authorities,
    partnership B, the North West and England."""
    sync_catalogue()
    england = Area.objects.get(code="E92000001")
    manchester, salford = Area.objects.get(code="E08000003"), Area.objects.get(code="E08000006")
    for area in (manchester, salford):
        Coverage.objects.create(partnership=world.partnership_a, area=area,
                                valid_from=dt.date(2019, 1, 1))
    metrics = {}
    for key, (own, other, region, nation) in {
            COUNT: (5_600.0, 1_200.0, 31_000.0, 289_215.0),
            DEATHS: (12.0, 4.0, 9.0, 5.2)}.items():
        metric = metrics[key] = Metric.objects.get(key=key)
        for i, period in enumerate(YEARS):
            value(metric, partnership=world.partnership_a, period=period, v=own + i,
                  numerator=own + i)
            value(metric, area=england, period=period, v=nation + i, numerator=nation + i)
            value(metric, area=world.partnership_a.region, period=period, v=region + i)
        value(metric, partnership=world.partnership_b, v=other, numerator=other)
        value(metric, area=manchester, v=own / 2, numerator=own / 2)
        value(metric, area=salford, v=own / 2 + 2, numerator=own / 2 + 2)
    return metrics


def chart(page: str, name: str) -> tuple[ET.Element, str]:
    """The chart's SVG, parsed, and the HTML of its figure."""
    start = page.index(f'data-testid="chart-{name}"')
    figure = page[start:page.index("</figure>", start)]
    svg = figure[figure.index("<svg"):figure.index("</svg>") + len("</svg>")]
    return ET.fromstring(svg), figure  # noqa: S314 - our own output


def page_of(client, world, key: str, compare: str = "partnerships") -> str:
    sign_in(client, world.member_a)
    url = reverse("partnerships:outcome-metric", args=["greater-manchester", key])
    return client.get(url, {"compare": compare}).content.decode()


def test_a_count_is_charted_without_england_and_england_is_given_as_a_figure(client, world,
                                                                            counts):
    page = page_of(client, world, COUNT)
    trend, trend_html = chart(page, "trend")
    assert not any("England" in t or "North West" in t for t in texts(trend))
    compare, compare_html = chart(page, "compare")
    assert mark_group(compare, "benchmark") == []
    assert not any(t.startswith("England:") for t in texts(compare))  # no benchmark label
    for html in (trend_html, compare_html):
        assert ('data-testid="chart-totals">For scale: England 289,217 people (2021 - 23); '
                "North West 31,002 people (2021 - 23).") in html
    # The tables under the charts still give England's figures.
    assert "289,217" in trend_html[trend_html.index("<table"):]


def test_a_rate_keeps_england_as_the_benchmark_line(client, world, counts):
    page = page_of(client, world, DEATHS)
    trend, trend_html = chart(page, "trend")
    assert any("England" in t for t in texts(trend))
    compare, compare_html = chart(page, "compare")
    assert mark_group(compare, "benchmark") != []
    assert any(t.startswith("England:") for t in texts(compare))
    assert "chart-totals" not in trend_html + compare_html
