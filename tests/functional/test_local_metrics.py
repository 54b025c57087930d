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
