"""The delivery plan's registers and the national view in a real browser: a member of Greater
Manchester adds a funding stream (after an amount that is not one is refused), is stopped from
withdrawing a stream a plan action draws on, logs a risk and sees it on the grid, then closes
it; a central administrator reads the matrix of every partnership's plan against the 15
commitments and filters it by region. axe checks every page visited, at 320, 768 and 1280 px."""

from __future__ import annotations

import datetime as dt

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.functional.plan_demo import without_plan_demo

GM = "/partnerships/greater-manchester"


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_member_keeps_the_funding_register(web, demo):
    from cdphub.planning.models import FundingStream
    from tests.planning.registers_plan_data import plan_of, stream_of

    gm = without_plan_demo()
    web.sign_in("member@example.org", DEMO_PASSWORD)
    page = web.page
    web.goto(f"{GM}/plan/funding/")
    page.get_by_role("link", name="Add a funding stream").click()
    web.check()
    web.check_reflow("funding form")
    page.get_by_label("Name of the funding stream").fill(
        "Supplemental Substance Misuse Treatment and Recovery Grant (SSMTRG)")
    page.get_by_label("Amount (£)").fill("lots")
    fill_date(page, "Start of the funding period", dt.date(2024, 4, 1))
    fill_date(page, "End of the funding period", dt.date(2025, 3, 31))
    holder = page.get_by_label("Holding organisation")
    holder.select_option(index=1)
    page.get_by_label("Pooled (one budget for the partnership)").check()
    page.get_by_role("button", name="Add funding stream").click()
    web.check()
    assert "Enter the amount in pounds and pence" in page.inner_text(".govuk-error-summary")
    page.get_by_label("Amount (£)").fill("£1,234,567.50")
    page.get_by_role("button", name="Add funding stream").click()
    web.check()
    assert "is added to the funding register" in page.inner_text(".govuk-notification-banner")
    row = page.locator("tr", has_text="SSMTRG")
    assert "£1,234,567.50" in row.inner_text() and "Pooled" in row.inner_text()
    assert "2024/25" in page.locator("[data-testid=funding-totals]").inner_text()
    web.check_reflow("funding register")

    stream = stream_of(gm, "Housing Support Grant", "75000",
                       holder=FundingStream.objects.get(partnership=gm).holder)
    plan_of(gm, actions=[(["treatment_accommodation"], "on_track")], funding_stream=stream)
    web.goto(f"{GM}/plan/funding/")
    assert "Action 1 of Greater Manchester" in page.locator(
        "tr", has_text="Housing Support Grant").inner_text()
    web.goto(f"{GM}/plan/funding/{stream.pk}/withdraw/")
    page.get_by_label("Withdraw this funding stream from the register").check()
    page.get_by_role("button", name="Withdraw funding stream").click()
    web.check()
    assert "1 plan action draws on this funding stream" in page.inner_text(
        ".govuk-error-summary")
    stream.refresh_from_db()
    assert stream.withdrawn_at is None


def test_a_member_logs_a_risk_and_sees_it_on_the_grid(web, demo):
    from cdphub.planning.models import Risk

    web.sign_in("member@example.org", DEMO_PASSWORD)
    page = web.page
    web.goto(f"{GM}/plan/risks/")
    page.get_by_role("link", name="Add a risk or disagreement").click()
    web.check()
    web.check_reflow("risk form")
    page.get_by_label("Risk", exact=True).check()
    page.get_by_label("Title").fill("Loss of inpatient detoxification beds")
    page.get_by_label("4 – Likely").check()
    page.get_by_label("5 – Severe").check()
    page.get_by_label("Mitigation (optional)").fill("Spot purchase beds in Lancashire")
    fill_date(page, "Date raised", dt.date.today() - dt.timedelta(days=10))
    page.get_by_role("button", name="Add to the log").click()
    web.check()
    assert "is added to the log" in page.inner_text(".govuk-notification-banner")
    grid = page.locator("[data-testid=risk-grid]")
    assert grid.locator('td[data-likelihood="4"][data-impact="5"]').inner_text().startswith("1")
    assert "High" in grid.locator('td[data-likelihood="4"][data-impact="5"]').inner_text()
    row = page.locator("[data-testid=risk-log] tr", has_text="Loss of inpatient")
    assert "4 × 5 = 20" in row.inner_text()
    web.check_reflow("risks log")

    row.get_by_role("link", name="Close").click()
    web.check()
    web.check_reflow("close form")
    page.get_by_label("Resolution").fill("Beds commissioned in Salford")
    page.get_by_role("button", name="Close the entry").click()
    web.check()
    assert Risk.objects.get(title="Loss of inpatient detoxification beds").status == "closed"
    web.goto(f"{GM}/plan/risks/?state=closed&kind=risk")
    assert "Beds commissioned in Salford" in page.locator("[data-testid=risk-log]").inner_text()


def test_a_central_administrator_reads_every_partnerships_plan(web, demo):
    from tests.planning.registers_plan_data import plan_of

    gm = without_plan_demo()
    plan_of(gm, actions=[(["treatment_services"], "off_track"),
                         (["treatment_services"], "on_track")])
    web.sign_in("central.admin@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    page = web.page
    web.goto("/partnerships/")
    page.get_by_role("link", name="Delivery plans of every partnership").click()
    web.check()
    web.check_reflow("national plans")
    row = page.locator('tr[data-partnership="greater-manchester"]')
    cell = row.locator('td[data-commitment="treatment_services"]')
    assert "Off track" in cell.inner_text()
    assert "No action" in row.locator('td[data-commitment="supply_money"]').inner_text()
    assert "1/15" in row.inner_text()
    page.get_by_label("Region").select_option(label="South East")
    page.get_by_role("button", name="Show").click()
    web.check()
    assert page.locator('tr[data-partnership="greater-manchester"]').count() == 0
    assert page.locator("[data-testid=plan-matrix] tbody tr").count() > 0
