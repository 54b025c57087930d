"""The local performance framework in a real browser: a member of Greater Manchester adds
numbers in treatment to the framework, takes its baseline from a published figure, works out
"20% more by March 2027" with the helper and saves it, sees the progress and the chart (at
320 px too), and the tag beside the metric on the outcomes overview; a bad target row is
named. The partnership lead opens the agreement page. axe checks every page visited, at 320,
768 and 1280 px wide."""

from __future__ import annotations

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.functional.plan_demo import without_plan_demo

GM = "/partnerships/greater-manchester"


def fill_date(page, legend: str, day: int, month: int, year: int) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def test_a_member_builds_a_framework_metric_and_sees_its_progress(web, demo):
    from cdphub.planning.models import FrameworkMetric, TargetPoint

    without_plan_demo()
    web.sign_in("member@example.org", DEMO_PASSWORD)
    page = web.page
    web.goto(f"{GM}/plan/framework/")
    page.get_by_role("link", name="Add a metric").click()
    web.check()
    web.check_reflow("framework: add a metric")
    page.get_by_label("Metric").select_option(label="Numbers in treatment")
    page.get_by_label("Owner").select_option(index=1)
    page.get_by_label("Annually").check()
    page.get_by_role("button", name="Add metric").click()

    # The baseline: the newest published figure.
    web.check()
    web.check_reflow("framework: baseline")
    assert "/baseline/" in page.url
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Set baseline").click()
    item = FrameworkMetric.objects.get(metric__key="numbers_in_treatment",
                                       partnership__slug="greater-manchester")
    assert item.baseline_value is not None and item.baseline_set_at is not None

    # The targets: a bad row is named, then the helper works out 20% more.
    web.check()
    web.check_reflow("framework: targets")
    fill_date(page, "Row 1: by", 31, 3, 2027)
    page.get_by_label("Row 1: value").fill("lots")
    page.get_by_role("button", name="Save targets").click()
    web.check()
    assert "Row 1: the value must be a number" in page.inner_text(".govuk-error-summary")
    assert not TargetPoint.objects.filter(framework_metric__partnership__slug="greater-manchester").exists()
    page.get_by_label("Row 1: value").fill("")
    for box in ("Day", "Month", "Year"):
        page.get_by_role("group", name="Row 1: by").get_by_label(box).fill("")
    page.get_by_label("Change from the baseline (%)").fill("20")
    fill_date(page, "Aimed for by", 31, 3, 2027)
    page.get_by_role("button", name="Work out the value").click()
    web.check()
    worked = page.inner_text("[data-testid=worked-out]")
    assert worked.startswith("20% more than the baseline") and "It is in row 1" in worked
    expected = round(item.baseline_value * 1.2)
    assert page.get_by_label("Row 1: value").input_value() == str(expected)
    page.get_by_role("button", name="Save targets").click()

    # The metric's page: progress in words and the chart, readable at 320 px.
    web.check()
    assert TargetPoint.objects.get(framework_metric=item).value == expected
    assert f"/plan/framework/{item.pk}/" in page.url
    web.check_reflow("framework: a metric")
    progress = page.inner_text("[data-testid=progress]")
    assert any(word in progress for word in ("On track", "Off track", "No data"))
    chart = page.locator("[data-testid=chart-numbers_in_treatment] svg[role=img]")
    assert chart.count() == 1
    page.get_by_text("Show the data as a table").first.click()
    web.check()

    # The framework and the outcomes overview.
    web.goto(f"{GM}/plan/framework/")
    assert "Numbers in treatment" in page.inner_text("[data-testid=framework-table]")
    web.goto(f"{GM}/outcomes/")
    row = page.locator('tr[data-metric="numbers_in_treatment"]')
    assert "against local target" in row.inner_text() or "Local target: no data" in \
        row.inner_text()
    row.locator("[data-testid=annotation]").click()
    web.check()
    assert f"/plan/framework/{item.pk}/" in page.url


def test_the_lead_opens_the_agreement_page(web, demo):
    without_plan_demo()
    web.sign_in("lead@example.org", DEMO_PASSWORD, DEMO_TOTP_SECRET)
    web.goto(f"{GM}/plan/framework/agree/")
    assert "No metric of the framework has a target yet" in web.page.inner_text("main")
