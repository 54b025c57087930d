"""The outcomes overview, metric pages, downloads and the national commitments page, from
stored values (made here directly, so each figure on the page is known)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cdphub.geography.models import Area
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import ComputedValue, Metric
from cdphub.partnerships.models import Coverage
from tests.conftest import sign_in

DEATHS = "drug_misuse_deaths"
YEARS = [(dt.date(2019, 1, 1), dt.date(2021, 12, 31), "2019 - 21"),
         (dt.date(2020, 1, 1), dt.date(2022, 12, 31), "2020 - 22"),
         (dt.date(2021, 1, 1), dt.date(2023, 12, 31), "2021 - 23")]


def value(metric, *, area=None, partnership=None, period=YEARS[-1], breakdown="", v=10.0,
          **extra):
    start, end, label = period
    fields = {"numerator": 100.0, "denominator": 1_000_000.0, "value": v, "lower_95": v - 1,
              "upper_95": v + 1, "comparison": "", "trend": "", "is_synthetic": False}
    fields.update(extra)
    return ComputedValue.objects.create(metric=metric, area=area, partnership=partnership,
                                        period_start=start, period_end=end, period_label=label,
                                        breakdown=breakdown, **fields)


@pytest.fixture
def figures(world):
    """Deaths related to drug misuse for partnership A (Manchester and Salford), the North
    West, England, both authorities and partnership B, over three pooled periods."""
    sync_catalogue()
    deaths = Metric.objects.get(key=DEATHS)
    england = Area.objects.get(code="E92000001")
    manchester, salford = Area.objects.get(code="E08000003"), Area.objects.get(code="E08000006")
    for area in (manchester, salford):
        Coverage.objects.create(partnership=world.partnership_a, area=area,
                                valid_from=dt.date(2022, 1, 1))
    for i, period in enumerate(YEARS):
        latest = i == len(YEARS) - 1
        value(deaths, partnership=world.partnership_a, period=period, v=12.0 + i,
              numerator=300.0 + i, comparison="worse",
              trend="increasing and getting worse" if latest else "")
        value(deaths, area=england, period=period, v=5.0 + i / 10)
        value(deaths, area=world.partnership_a.region, period=period, v=9.0 + i)
    value(deaths, partnership=world.partnership_b, v=4.0, comparison="better")
    value(deaths, area=manchester, v=15.5, comparison="worst")
    value(deaths, area=salford, v=3.0, numerator=3.0, suppressed=True, comparison="similar")
    value(deaths, partnership=world.partnership_a, breakdown="sex=Female", v=6.25)
    value(deaths, area=england, breakdown="sex=Female", v=2.75)
    return deaths


def test_the_overview_shows_the_latest_figures_for_the_partnership_region_and_england(
        client, world, figures):
    sign_in(client, world.member_a)
    page = client.get(reverse("partnerships:outcomes", args=["greater-manchester"]))
    assert page.status_code == 200
    html = page.content.decode()
    row = html[html.index(f'data-metric="{DEATHS}"'):]
    row = row[:row.index("</tr>")]
    assert "2021 - 23" in row and "<strong>14.0</strong>" in row  # latest of three periods
    assert ">11.0<" in row and ">5.2<" in row  # region and England, same period
    assert "Worse" in row and "Increasing, getting worse" in row
    summary = page.context["paragraph"]
    assert summary.startswith("Of the 1 metrics with a figure for Greater Manchester CDP")
    assert ("Deaths related to drug misuse: 14.0 per 100,000 (2021 - 23), significantly worse "
            "than England (5.2) — more than twice the England rate — and increasing "
            "(getting worse).") in summary
    # Every outcome is listed, with metrics that have no figures yet saying so.
    assert html.count("app-overview__outcome") == 7  # six outcomes and local metrics
    assert "No figures loaded for this partnership yet." in html


def test_the_spine_places_the_partnership_among_all_partnerships(client, world, figures):
    from cdphub.outcomes.dashboard import overview
    from cdphub.partnerships.models import Partnership

    for n in range(3):  # four partnerships are needed for quartiles
        other = Partnership.objects.create(name=f"Other {n}", slug=f"other-{n}",
                                           region=world.partnership_b.region)
        value(figures, partnership=other, v=6.0 + n)
    row = next(r for r in overview(world.partnership_a).rows if r.metric.key == DEATHS)
    assert row.spine is not None
    assert (row.spine.lowest, row.spine.highest, row.spine.areas) == (4.0, 14.0, 5)
    assert row.spine.england == pytest.approx(5.2)
    assert row.spine.q1 == 6.0 and row.spine.q3 == 8.0  # values 4, 6, 7, 8, 14


def test_the_metric_page_shows_trend_comparison_breakdowns_authorities_and_hides_suppressed(
        client, world, figures):
    sign_in(client, world.member_a)
    page = client.get(reverse("partnerships:outcome-metric", args=["greater-manchester", DEATHS]))
    assert page.status_code == 200
    tables = page.context["tables"]
    trend = tables["trend"]["rows"]
    assert [r["period"] for r in trend] == ["2019 - 21", "2020 - 22", "2021 - 23"]
    assert [r["partnership_value"] for r in trend] == [12.0, 13.0, 14.0]
    assert [r["england_value"] for r in trend] == [5.0, 5.1, 5.2]
    authorities = {r["name"]: r for r in tables["authorities"]["rows"]}
    assert authorities["Manchester"]["value"] == 15.5
    # Salford's figure rests on 3 deaths: suppressed, so neither value nor count is shown.
    assert authorities["Salford"]["value"] is None and authorities["Salford"]["numerator"] is None
    html = page.content.decode()
    assert "3.0" not in html.split('data-testid="table-authorities"')[1].split("</table>")[0]
    assert [(r["breakdown"], r["value"], r["england_value"])
            for r in tables["breakdowns"]["rows"]] == [("Sex: Female", 6.25, 2.75)]
    # Compared with the region's authorities by default, with all partnerships on request.
    assert page.context["compare_choice"] == "region"
    everyone = client.get(reverse("partnerships:outcome-metric",
                                  args=["greater-manchester", DEATHS]) + "?compare=partnerships")
    names = [r["name"] for r in everyone.context["tables"]["compare"]["rows"]]
    assert names == ["Greater Manchester CDP", "Berkshire West CDP"]  # sorted, highest first
    assert "Worse than England" in html and "per 100,000" in html
    # The hex map: Manchester worse than England, suppressed Salford shown as no data, and
    # the footprint (both) outlined.
    svg = str(page.context["hexmap"]["svg"])
    assert 'hex--worse hexmap__hex--outlined" data-code="E08000003"' in svg
    assert 'hex--no-data hexmap__hex--outlined" data-code="E08000006"' in svg
    assert svg.count('class="hexmap__outline"') == 1


def test_pages_are_refused_to_other_partnerships_and_local_metrics_stay_with_their_owner(
        client, world, figures):
    sign_in(client, world.member_b)
    assert client.get(reverse("partnerships:outcomes",
                              args=["greater-manchester"])).status_code == 403
    local = Metric.objects.create(key="gm-naloxone", outcome="reduce_deaths_harm", kind="local",
                                  name="Naloxone", definition="Kits", source="Local",
                                  geography="utla", frequency="annual", period_type="calendar",
                                  unit="kits", method="count", polarity="high",
                                  partnership=world.partnership_a)
    assert client.get(reverse("partnerships:outcome-metric",
                              args=["berkshire-west", local.key])).status_code == 404
    sign_in(client, world.member_a)
    page = client.get(reverse("partnerships:outcomes", args=["greater-manchester"]))
    assert [r.metric.key for r in page.context["data"].local] == ["gm-naloxone"]


def test_downloads_carry_the_figures_and_the_metric_definition(client, world, figures):
    sign_in(client, world.member_a)
    url = reverse("partnerships:outcome-metric-download",
                  args=["greater-manchester", DEATHS, "trend", "csv"])
    response = client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Period"] for r in rows] == ["2019 - 21", "2020 - 22", "2021 - 23"]
    assert rows[-1]["Partnership"] == "Greater Manchester CDP"
    assert rows[-1]["Value"] == "14.0" and rows[-1]["England value"] == "5.2"
    assert rows[0]["Unit"] == "per 100,000" and rows[0]["Metric"] == figures.name
    xlsx = client.get(url.replace(".csv", ".xlsx"))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Data", "About"]
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Definition"] == figures.definition and about["Unit"] == "per 100,000"
    overview = client.get(reverse("partnerships:outcomes-download",
                                  args=["greater-manchester", "csv"]))
    summary = {r["Metric key"]: r for r in csv.DictReader(io.StringIO(overview.content.decode("utf-8-sig")))}
    assert summary[DEATHS]["Value"] == "14.0" and summary[DEATHS]["England value"] == "5.2"
    assert client.get(url.replace(".csv", ".pdf")).status_code == 404
    assert client.get(url.replace("trend", "secrets")).status_code == 404


def test_a_formula_in_a_name_is_not_run_by_a_spreadsheet(client, world, figures):
    world.partnership_b.name = "=HYPERLINK(\"http://x\")"
    world.partnership_b.save()
    sign_in(client, world.member_a)
    response = client.get(reverse("partnerships:outcome-metric-download",
                                  args=["greater-manchester", DEATHS, "compare", "csv"])
                          + "?compare=partnerships")
    names = [r["Name"] for r in csv.DictReader(io.StringIO(response.content.decode()))]
    assert "'=HYPERLINK(\"http://x\")" in names


def test_query_counts_do_not_grow_with_metrics_or_areas(client, world, figures):
    sign_in(client, world.member_a)
    overview_url = reverse("partnerships:outcomes", args=["greater-manchester"])
    metric_url = reverse("partnerships:outcome-metric", args=["greater-manchester", DEATHS])
    client.get(overview_url), client.get(metric_url)  # warm the session and chart caches
    cache.clear()  # measure the pages as built from the database, not from the page cache
    with CaptureQueriesContext(connection) as before_overview:
        client.get(overview_url)
    with CaptureQueriesContext(connection) as before_metric:
        client.get(metric_url)
    # More metrics with values, and more authorities and partnerships with figures.
    for n in range(5):
        local = Metric.objects.create(
            key=f"gm-local-{n}", outcome="reduce_use", kind="local", name=f"Local {n}",
            definition="d", source="s", geography="utla", frequency="annual",
            period_type="calendar", unit="people", method="count", polarity="none",
            partnership=world.partnership_a)
        value(local, partnership=world.partnership_a)
    for area in Area.objects.filter(area_type="utla", parent=world.partnership_a.region)[:10]:
        value(figures, area=area, v=8.0)
    cache.clear()
    with CaptureQueriesContext(connection) as after_overview:
        client.get(overview_url)
    with CaptureQueriesContext(connection) as after_metric:
        client.get(metric_url)
    assert len(after_overview) == len(before_overview)
    assert len(after_metric) == len(before_metric)
    assert len(after_overview) <= 15
    # From the page cache, the figures cost no queries: only the session, the user's roles,
    # the partnership and the metrics' versions are read.
    with CaptureQueriesContext(connection) as cached_overview:
        client.get(overview_url)
    assert len(cached_overview) < len(after_overview)


def test_pages_show_new_figures_once_a_metric_is_recomputed(client, world, figures):
    """The page cache is keyed by each metric's ``values_version``, which every
    recomputation bumps (``compute._replace``): a recomputed figure shows at once."""
    from django.db.models import F

    sign_in(client, world.member_a)
    url = reverse("partnerships:outcomes", args=["greater-manchester"])
    assert "<strong>14.0</strong>" in client.get(url).content.decode()
    ComputedValue.objects.filter(metric=figures, partnership=world.partnership_a,
                                 period_label="2021 - 23", breakdown="").update(value=15.25)
    assert "<strong>14.0</strong>" in client.get(url).content.decode()  # cached
    Metric.objects.filter(pk=figures.pk).update(values_version=F("values_version") + 1)
    assert "<strong>15.2</strong>" in client.get(url).content.decode()


def test_the_commitments_page_is_public_and_shows_the_latest_national_figures(client, world):
    sync_catalogue()
    treatment = Metric.objects.get(key="numbers_in_treatment")
    england = Area.objects.get(code="E92000001")
    for year, count in ((2020, 275_896.0), (2021, 289_215.0), (2023, 310_863.0)):
        value(treatment, area=england, v=count,
              period=(dt.date(year, 4, 1), dt.date(year + 1, 3, 31), f"{year}/{str(year + 1)[2:]}"))
    page = client.get(reverse("outcomes:commitments"))
    assert page.status_code == 200
    item = next(i for i in page.context["items"] if i["commitment"].key == "new_treatment_places")
    assert item["latest_text"] == "310,863 people"
    # The baseline is the first period ending in 2021 or later (2020/21): +34,967 of 54,500.
    assert item["baseline"].period_label == "2020/21" and item["change_text"] == "+34,967"
    assert item["progress"] == 64
    download = client.get(reverse("outcomes:commitments-download", args=["csv"]))
    rows = {r["Commitment"]: r for r in csv.DictReader(io.StringIO(download.content.decode("utf-8-sig")))}
    places = rows[item["commitment"].label]
    assert (places["Latest England figure"], places["Change since the baseline"],
            places["Change as % of the target"]) == ("310863", "34967", "64")  # counts are whole
