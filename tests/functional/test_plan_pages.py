"""The delivery plan in a real browser, as Greater Manchester's partnership lead: start a plan,
add an action for a priority from the priorities page (a commitment, a metric, the meeting),
add and complete a milestone, change the status, see the coverage check change, record the
plan's agreement (the page then shows the milestone), compare it with a year ago, and print
the plan on A4. axe and the reflow check run on every page visited (``Browser.goto``)."""

from __future__ import annotations

import datetime as dt
import re

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.functional.test_print import print_and_check_headers

GM = "/partnerships/greater-manchester"


def _no_plans():
    """Whatever the demo holds for Greater Manchester's delivery plan, start afresh, with an
    active priority to build on."""
    from cdphub.partnerships.models import Partnership
    from cdphub.planning.models import Plan, Priority

    gm = Partnership.objects.get(slug="greater-manchester")
    Plan.objects.filter(partnership=gm).delete()
    if not gm.priorities.filter(status=Priority.Status.ACTIVE).exists():
        Priority.objects.create(partnership=gm, title="Disrupt county lines")
    return gm


def test_a_lead_builds_a_plan_and_sees_the_coverage_check_change(web, demo):
    from cdphub.planning.models import ActionMilestone, Plan, PlanAction, Priority

    gm = _no_plans()
    priority = gm.priorities.filter(status=Priority.Status.ACTIVE).order_by("pk").first()
    page = web.page
    web.sign_in("lead@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)

    web.goto(f"{GM}/plan/")
    assert "no delivery plan yet" in page.inner_text("main")
    web.goto(f"{GM}/plan/coverage/")
    assert "0 of 15 commitments covered" in page.inner_text("[data-testid=coverage-summary]")
    web.goto(f"{GM}/plan/")
    page.get_by_role("link", name="Start a plan").click()
    web.check()
    page.get_by_label("Title").fill("Delivery plan 2025 to 2028")
    page.get_by_role("button", name="Start the plan").click()
    web.check()
    assert "is started as a draft" in page.inner_text(".govuk-notification-banner")
    plan = Plan.objects.get(partnership=gm)
    web.goto(f"{GM}/plan/{plan.pk}/")  # the draft, with no action yet

    web.goto(f"{GM}/priorities/")
    page.locator(f"#priority-{priority.pk}").get_by_role(
        "link", name=re.compile("^Add an action for this priority")).click()
    web.check()
    assert page.get_by_label("Priority", exact=True).input_value() == str(priority.pk)
    page.get_by_role("button", name="Add the action").click()  # nothing else filled in
    web.check()
    summary = page.locator(".govuk-error-summary")
    assert "Select at least one of the 15 national commitments" in summary.inner_text()
    summary.get_by_role("link", name=re.compile("national commitments")).click()
    assert page.evaluate("document.activeElement.id") == "id_commitments_0_0"
    page.get_by_label("Action", exact=True).fill("Joint police and outreach patrols")
    page.get_by_label("Rolling up county lines").check()
    page.get_by_label("Lead organisation").select_option(index=1)
    page.get_by_label("Owner").select_option(index=1)
    for name, (day, month, year) in (("starts_on", ("1", "4", "2025")),
                                     ("due_on", ("31", "3", "2026"))):
        page.locator(f"#id_{name}_0").fill(day)
        page.locator(f"#id_{name}_1").fill(month)
        page.locator(f"#id_{name}_2").fill(year)
    page.locator("input[name=metrics]").first.check()
    page.get_by_role("button", name="Add the action").click()
    web.check()
    assert "is added to the plan" in page.inner_text(".govuk-notification-banner")
    action = PlanAction.objects.get(plan=plan)
    assert action.commitments == ["supply_county_lines"] and action.metrics.count() == 1
    web.goto(f"{GM}/plan/actions/{action.pk}/")

    page.get_by_role("link", name="Add a milestone").click()
    web.check()
    page.get_by_label("Milestone").fill("Patrol rota agreed")
    page.locator("#id_due_on_0").fill("30")
    page.locator("#id_due_on_1").fill("6")
    page.locator("#id_due_on_2").fill("2025")
    page.get_by_role("button", name="Add the milestone").click()
    web.check()
    milestone = ActionMilestone.objects.get(action=action)
    web.goto(f"{GM}/plan/milestones/{milestone.pk}/edit/")
    web.goto(f"{GM}/plan/actions/{action.pk}/")
    page.get_by_role("link", name="Change the status").click()
    web.check()
    page.get_by_label("At risk").check()
    page.get_by_label("Commentary").fill("Police capacity is stretched.")
    page.get_by_role("button", name="Save the status").click()
    web.check()
    assert "is now at risk" in page.inner_text(".govuk-notification-banner")
    web.goto(f"{GM}/plan/actions/{action.pk}/edit/")
    web.goto(f"{GM}/plan/actions/{action.pk}/withdraw/")

    web.goto(f"{GM}/plan/coverage/")
    assert "1 of 15 commitments covered; 14 have no action" in page.inner_text(
        "[data-testid=coverage-summary]")
    county = page.inner_text("[data-testid=commitment-supply_county_lines]")
    assert "Joint police and outreach patrols" in county and "At risk" in county

    web.goto(f"{GM}/plan/{plan.pk}/edit/")
    web.goto(f"{GM}/plan/{plan.pk}/")
    page.get_by_role("link", name="Record agreement at a meeting").click()
    web.check()
    page.get_by_label("Which meeting agreed the plan?").select_option(index=1)
    page.get_by_role("button", name="Record agreement").click()
    web.check()
    assert "is agreed" in page.inner_text(".govuk-notification-banner")
    assert "The delivery plan milestone was recorded as done" in page.inner_text(
        "[data-testid=plan-milestone]")

    web.goto(f"{GM}/plan/{plan.pk}/compare/")
    assert "Actions added (1)" in page.inner_text("main")
    web.goto(f"{GM}/plan/new/")
    sizes = print_and_check_headers(web, f"{GM}/plan/")
    assert all(round(w) == 297 and round(h) == 210 for w, h in sizes), sizes


def test_a_reader_sees_the_plan_but_no_way_to_change_it(web, demo):
    from cdphub.partnerships.models import Appointment
    from cdphub.planning import actions_plan
    from cdphub.planning.models import Priority

    gm = _no_plans()
    priority = gm.priorities.filter(status=Priority.Status.ACTIVE).first()
    appointment = Appointment.objects.filter(partnership=gm, end_date__isnull=True,
                                             person__organisation__isnull=False).first()
    plan = actions_plan.start_plan(partnership=gm, starts_on=dt.date(2025, 4, 1),
                                   ends_on=dt.date(2028, 3, 31), by=None)
    action = actions_plan.add_action(
        plan=plan, priority=priority, title="Naloxone in every hostel",
        commitments=["treatment_accommodation", "treatment_services"],
        lead_organisation=appointment.person.organisation, owner=appointment.person,
        starts_on=plan.starts_on, due_on=plan.ends_on, by=None)
    page = web.page
    web.sign_in("regional.adviser@example.org", DEMO_PASSWORD)
    web.goto(f"{GM}/plan/")
    assert "Naloxone in every hostel" in page.inner_text("[data-testid=plan-actions]")
    assert page.get_by_role("link", name="Add an action").count() == 0
    web.goto(f"{GM}/plan/actions/{action.pk}/")
    assert page.get_by_role("link", name="Change the action").count() == 0
    web.goto(f"{GM}/plan/coverage/")
    assert "2 of 15 commitments covered" in page.inner_text("[data-testid=coverage-summary]")
