"""Issue 13's whole journey in a real browser: from a needs-assessment priority to an action
against a commitment, with a metric and a funding stream linked; the plan agreed; the
action's owner records a quarterly update; and the coverage check changes with it. axe and
the reflow check run on every page visited (``Browser.goto``, ``Browser.check``)."""

from __future__ import annotations

import datetime as dt
import re

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET

GM = "/partnerships/greater-manchester"


def _fill_date(page, name: str, day: int, month: int, year: int) -> None:
    for index, part in enumerate((day, month, year)):
        page.locator(f"#id_{name}_{index}").fill(str(part))


def test_from_a_priority_to_an_updated_action_and_the_coverage_check(web, demo, settings):
    from cdphub.partnerships.models import Partnership, Person
    from cdphub.planning.models import FundingStream, Plan, PlanAction, Priority, QuarterlyUpdate

    settings.CDPHUB_TODAY = "2026-07-10"  # Q1 2026 to 2027 has ended; its updates due 14 July
    gm = Partnership.objects.get(slug="greater-manchester")
    Plan.objects.filter(partnership=gm).delete()  # start afresh, whatever the demo holds
    priority = Priority.objects.create(partnership=gm, title="Cut deaths among people leaving "
                                                              "prison")
    owner = Person.objects.get(partnership=gm, user__email="member@example.org")
    page = web.page

    # The lead: a funding stream, a plan, and an action raised from the priority.
    web.sign_in("lead@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.goto(f"{GM}/plan/funding/")
    page.get_by_role("link", name="Add a funding stream").click()
    web.check()
    page.get_by_label("Name of the funding stream").fill("Prison release continuity grant")
    page.get_by_label("Amount (£)").fill("£250,000")
    _fill_date(page, "starts_on", 1, 4, 2026)
    _fill_date(page, "ends_on", 31, 3, 2027)
    page.get_by_label("Holding organisation").select_option(index=1)
    page.get_by_label("Aligned (each organisation keeps its budget)").check()
    page.get_by_role("button", name="Add funding stream").click()
    web.check()
    assert not page.locator(".govuk-error-summary").count(), page.inner_text("main")
    stream = FundingStream.objects.get(partnership=gm, name="Prison release continuity grant")
    assert float(stream.amount) == 250_000

    web.goto(f"{GM}/plan/new/")
    _fill_date(page, "starts_on", 1, 4, 2026)
    _fill_date(page, "ends_on", 31, 3, 2029)
    page.get_by_role("button", name="Start the plan").click()
    web.check()
    plan = Plan.objects.get(partnership=gm)

    web.goto(f"{GM}/plan/coverage/")
    assert "0 of 15 commitments covered" in page.inner_text("[data-testid=coverage-summary]")
    assert priority.title in page.inner_text("main")  # a priority with no action yet

    web.goto(f"{GM}/priorities/")
    page.locator(f"#priority-{priority.pk}").get_by_role(
        "link", name=re.compile("^Add an action for this priority")).click()
    web.check()
    page.get_by_label("Action", exact=True).fill("In-reach workers meet everyone released")
    page.get_by_label("Keeping people engaged in treatment after release from prison").check()
    page.get_by_label("Lead organisation").select_option(index=1)
    page.get_by_label("Owner").select_option(str(owner.pk))
    _fill_date(page, "starts_on", 1, 4, 2026)
    _fill_date(page, "due_on", 31, 3, 2027)
    page.get_by_label("Funding stream (optional)").select_option(str(stream.pk))
    page.get_by_label("Continuity of care").check()
    page.get_by_role("button", name="Add the action").click()
    web.check()
    action = PlanAction.objects.get(plan=plan)
    assert action.priority == priority and action.commitments == ["treatment_prison_release"]
    assert action.funding_stream == stream
    assert [m.key for m in action.metrics.all()] == ["continuity_of_care"]

    web.goto(f"{GM}/plan/coverage/")
    prison = page.inner_text("[data-testid=commitment-treatment_prison_release]")
    assert "In-reach workers meet everyone released" in prison and "Not started" in prison
    assert "1 of 15 commitments covered; 14 have no action" in page.inner_text(
        "[data-testid=coverage-summary]")

    web.goto(f"{GM}/plan/{plan.pk}/")
    page.get_by_role("link", name="Record agreement at a meeting").click()
    web.check()
    page.get_by_label("Which meeting agreed the plan?").select_option(index=1)
    page.get_by_role("button", name="Record agreement").click()
    web.check()
    plan.refresh_from_db()
    assert plan.is_agreed
    web.goto(f"{GM}/plan/funding/")
    assert "In-reach workers meet everyone released" in page.inner_text("main")

    # The owner (a member, no second factor) records the quarter's update.
    page.context.clear_cookies()
    web.sign_in("member@example.org", DEMO_PASSWORD)
    web.goto(f"{GM}/plan/updates/")
    yours = page.locator("table", has_text="Your actions")
    assert "In-reach workers meet everyone released" in yours.inner_text()
    yours.get_by_role("link", name=re.compile("^Record the update for In-reach")).click()
    web.check()
    page.get_by_label("Off track").check()
    page.get_by_label("Update", exact=True).fill(
        "Only two of the three prisons let our workers in; the third starts in September.")
    page.get_by_role("button", name="Save update").click()
    web.check()
    update = QuarterlyUpdate.objects.get(action=action)
    assert (update.quarter_start, update.status) == (dt.date(2026, 4, 1), "off_track")

    # The coverage check and the plan on a page now show the action off track.
    web.goto(f"{GM}/plan/coverage/")
    prison = page.inner_text("[data-testid=commitment-treatment_prison_release]")
    assert "Off track" in prison and "Not started" not in prison
    web.goto(f"{GM}/plan/")
    assert "Only two of the three prisons" in page.inner_text("[data-testid=plan-actions]")
