"""A demo partnership member reaches their outcomes in one click; the overview, a metric page
and the map show the stored figures, and pass axe."""

from __future__ import annotations

from cdphub.demo.build import DEMO_PASSWORD
from cdphub.outcomes.summary import format_value

GM = "greater-manchester"


def _stored(metric_key: str, **where):
    from cdphub.outcomes.models import ComputedValue

    return (ComputedValue.objects.filter(metric__key=metric_key, breakdown="", **where)
            .order_by("-period_end", "-period_start").first())


def test_member_reaches_the_overview_in_one_click_and_sees_the_stored_figures(web, demo):
    web.sign_in("member@example.org", DEMO_PASSWORD)
    web.goto("/")
    web.page.get_by_role("link", name="Outcomes of Greater Manchester Combating Drugs "
                                       "Partnership").click()
    assert web.page.url.endswith(f"/partnerships/{GM}/outcomes/")
    web.check()
    main = web.page.locator("main")
    assert "Synthetic data" in main.inner_text()
    nav = web.page.get_by_role("navigation", name="Partnership sections")
    assert nav.locator("[aria-current=page]").inner_text() == "Outcomes"
    deaths = _stored("drug_misuse_deaths", partnership__slug=GM)
    england = _stored("drug_misuse_deaths", area__code="E92000001")
    row = web.page.locator("tr[data-metric=drug_misuse_deaths]")
    assert row.locator("[data-testid=value]").inner_text() == format_value(deaths.value, "dsr")
    assert row.locator("[data-testid=england]").inner_text() == format_value(england.value, "dsr")
    assert deaths.period_label in row.inner_text()
    # The spine chart is drawn for rates, with its own accessible name.
    assert row.locator("svg[role=img]").count() == 1
    summary = web.page.locator("[data-testid=overview-summary]").inner_text()
    assert summary.startswith("Of the ") and "compared with England" in summary


def test_metric_page_shows_trend_chart_comparison_and_map(web, demo):
    web.sign_in("member@example.org", DEMO_PASSWORD)
    web.goto(f"/partnerships/{GM}/outcomes/drug_misuse_deaths/")
    deaths = _stored("drug_misuse_deaths", partnership__slug=GM)
    key = web.page.locator("[data-testid=key-short]").inner_text()
    assert f"{format_value(deaths.value, 'dsr')} per 100,000" in key
    trend = web.page.locator("[data-testid=chart-trend]")
    assert trend.locator("svg[role=img]").count() == 1
    assert trend.locator("figcaption").inner_text().startswith("Deaths related to drug misuse")
    # The table twin opens without JavaScript-only controls and lists every period.
    trend.get_by_text("Show the data as a table").click()
    periods = trend.locator("tbody th[scope=row]").all_inner_texts()
    assert periods[-1] == deaths.period_label and len(periods) >= 5
    web.check()
    compare = web.page.locator("[data-testid=chart-compare]")
    assert compare.locator("svg[role=img]").count() == 1
    web.page.get_by_role("link", name="all partnerships").click()
    web.check()
    assert "all partnerships" in web.page.locator("[data-testid=chart-compare] figcaption"
                                                  ).inner_text()
    assert web.page.locator("[data-testid=hexmap] svg.hexmap__svg").count() == 1
    assert web.page.locator("[data-testid=hexmap] path.hexmap__hex").count() == 153
    outlined = web.page.locator("[data-testid=hexmap] .hexmap__outline")
    assert outlined.count() >= 1


def test_the_national_commitments_page_is_open_to_everyone(web, demo):
    web.goto("/outcomes/commitments/")
    table = web.page.locator("[data-testid=commitments]")
    assert "54,500" in table.inner_text()
    treatment = _stored("numbers_in_treatment", area__code="E92000001")
    row = web.page.locator("tr[data-commitment=new_treatment_places]")
    assert f"{treatment.value:,.0f}" in row.locator("[data-testid=latest]").inner_text()
