"""A partnership's data lead loads figures for a local metric through the web loader: first
for half of its authorities (the overview says what is missing), then one figure for the
partnership as a whole (the overview shows it)."""

from __future__ import annotations

import datetime as dt

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET

GM = "greater-manchester"
KEY = "greater-manchester-naloxone-kits"
PERIOD = "2023-04-01,2024-03-31"


def _local_metric():
    from cdphub.outcomes.models import Metric
    from cdphub.partnerships.models import Partnership

    return Metric.objects.create(
        key=KEY, kind="local", partnership=Partnership.objects.get(slug=GM),
        outcome="reduce_deaths_harm", name="Naloxone kits issued",
        definition="Take-home naloxone kits issued", source="Local treatment providers",
        geography="utla", frequency="annual", period_type="financial", unit="kits",
        multiplier=1, method="count", polarity="high")


def _authorities() -> list[str]:
    from cdphub.partnerships.models import Partnership

    partnership = Partnership.objects.get(slug=GM)
    return sorted(a.code for a in partnership.authorities_on(dt.date(2024, 3, 31)))


def _load(web, lines: list[str]) -> None:
    web.goto("/outcomes/loads/new/")
    data = "\n".join(["metric,area_code,period_from,period_to,numerator", *lines]) + "\n"
    web.page.locator("input[type=file]").set_input_files(files=[{
        "name": "kits.csv", "mimeType": "text/csv", "buffer": data.encode()}])
    long_format = web.page.get_by_label("cdphub long format")
    if long_format.count():  # (a loader that works the format out asks nothing)
        long_format.check()
    web.page.get_by_role("button", name="Check and load").click()
    web.page.wait_for_url("**/outcomes/loads/*/")
    assert "Loaded" in web.page.locator("main").inner_text(), web.page.locator("main").inner_text()


def test_a_local_metric_loaded_for_the_partnership_as_a_whole_shows_on_the_overview(web, demo):
    _local_metric()
    authorities = _authorities()
    half = authorities[:len(authorities) // 2]
    web.sign_in("data.lead@example.org", DEMO_PASSWORD, DEMO_TOTP_SECRET)

    _load(web, [f"{KEY},{code},{PERIOD},{100 + n}" for n, code in enumerate(half)])
    web.goto(f"/partnerships/{GM}/outcomes/")
    row = web.page.locator(f"tr[data-metric={KEY}]")
    assert row.locator("[data-testid=value]").inner_text() == "–"
    assert (f"{len(half)} of {len(authorities)} authorities loaded for 2023/24: load the other "
            f"{len(authorities) - len(half)}, or one figure for the partnership as a whole."
            ) in row.inner_text()

    _load(web, [f"{KEY},{GM},{PERIOD},2417"])
    web.goto(f"/partnerships/{GM}/outcomes/")
    row = web.page.locator(f"tr[data-metric={KEY}]")
    assert row.locator("[data-testid=value]").inner_text() == "2,417"
    assert "Loaded for the partnership as a whole." in row.inner_text()
    assert "2023/24" in row.inner_text()
    assert "authorities loaded" not in row.inner_text()
    # The metric's page gives the code that loads a figure for the partnership as a whole.
    web.goto(f"/outcomes/metrics/{KEY}/")
    assert web.page.locator("[data-testid=whole-code] code").inner_text() == GM


def test_a_chart_of_a_count_gives_englands_total_as_a_figure(web, demo):
    web.sign_in("member@example.org", DEMO_PASSWORD)
    web.goto(f"/partnerships/{GM}/outcomes/numbers_in_treatment/")
    for name in ("trend", "compare"):
        chart = web.page.locator(f"[data-testid=chart-{name}]")
        assert chart.locator("svg[role=img]").count() == 1
        totals = chart.locator("[data-testid=chart-totals]").inner_text()
        assert totals.startswith("For scale: England ") and "North West " in totals
        assert "England:" not in chart.locator("svg").text_content()  # no benchmark label
