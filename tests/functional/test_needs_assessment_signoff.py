"""The needs assessment's findings and sign-off in a real browser: the partnership lead adds a
finding with its evidence, raises it to a priority and records the partnership's agreement at
a meeting; the SRO, signed in with the second factor, signs it off and publishes it; the panel
says so and the Milestones page starts the three-year clock. axe and the reflow check run on
every page visited."""

from __future__ import annotations

import datetime as dt
import re

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET

GM = "/partnerships/greater-manchester"
SECTION = "drug_supply"


def _draft():
    """Greater Manchester's assessment in progress, as a draft (whatever the demo holds)."""
    from cdphub.partnerships.models import Partnership
    from cdphub.planning import actions
    from cdphub.planning.models import Assessment, Evidence

    gm = Partnership.objects.get(slug="greater-manchester")
    assessment = gm.assessments.in_progress().first()
    if assessment is None:
        assessment = actions.start(partnership=gm, by=None)
    elif assessment.status == Assessment.Status.AGREED:
        actions.return_to_draft(assessment=assessment, by=None)
    Evidence.objects.create(partnership=gm, title="Drugs market profile, spring 2024",
                            evidence_type="drugs_market_profile", dated=dt.date(2024, 3, 1))
    return assessment


def test_a_lead_adds_and_raises_a_finding_records_agreement_and_the_sro_signs_off(web, demo):
    from cdphub.framework import guidance
    from cdphub.framework.milestones import add_months
    from cdphub.partnerships.models import MilestoneCompletion
    from cdphub.planning.models import Priority

    assessment = _draft()
    page_of_assessment = f"{GM}/needs-assessment/{assessment.pk}/"
    section = guidance().assessment_section(SECTION)
    page = web.page

    web.sign_in("lead@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.goto(page_of_assessment)
    page.get_by_role("link", name=f"Add a finding to {section.label}").click()
    web.check()
    page.get_by_role("button", name="Add finding").click()  # nothing filled in
    web.check()
    assert "Enter the finding." in page.inner_text(".govuk-error-summary")
    page.get_by_label("Finding", exact=True).fill(
        "County lines supplying crack cocaine run from the city centre into three boroughs.")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Drugs market profile, spring 2024").check()
    page.get_by_role("button", name="Add finding").click()
    web.check()
    assert "The finding is added" in page.inner_text(".govuk-notification-banner")
    findings = page.locator(f"[data-testid=findings-{SECTION}]").inner_text()
    assert "High" in findings and "County lines supplying crack cocaine" in findings
    assert "Evidence: Drugs market profile, spring 2024" in findings

    page.get_by_role("link", name=re.compile(r"^Raise to a priority\s*: County lines")).click()
    web.check()
    title = page.get_by_label("Priority", exact=True)
    assert title.input_value() == ("County lines supplying crack cocaine run from the city "
                                   "centre into three\u2026")
    title.fill("Disrupt county lines into the boroughs")
    page.get_by_role("button", name="Raise to a priority").click()
    web.check()
    assert "one of the partnership's priorities" in page.inner_text(".govuk-notification-banner")
    active = page.locator("[data-testid=active-priorities]").inner_text()
    assert "Disrupt county lines into the boroughs" in active
    priority = Priority.objects.get(title="Disrupt county lines into the boroughs")
    web.goto(f"{GM}/priorities/{priority.pk}/edit/")
    web.goto(f"{GM}/priorities/{priority.pk}/status/")

    web.goto(page_of_assessment)
    page.get_by_role("link", name="Record agreement at a meeting").click()
    web.check()
    meetings = page.get_by_label("Which meeting agreed the assessment?")
    chosen = meetings.locator("option").nth(1).inner_text()  # the newest held by today
    meetings.select_option(index=1)
    page.get_by_role("button", name="Record agreement").click()
    web.check()
    agreed = page.locator("[data-testid=step-agreed]").inner_text()
    assert agreed.startswith(f"Agreed at {chosen}")
    assert page.get_by_role("link", name="Sign off the assessment").count() == 0  # not the SRO
    web.goto(f"{page_of_assessment}return-to-draft/")
    page.get_by_role("button", name="Sign out").click()

    web.sign_in("sro@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.goto(page_of_assessment)
    page.get_by_role("link", name="Sign off the assessment").click()
    web.check()
    today = dt.date.today()
    explained = page.inner_text("main")
    assert f"freezes the assessment's figures as they are today, {today:%-d %B %Y}" in explained
    assert f"due by {add_months(today, 36):%-d %B %Y}" in explained
    page.get_by_role("button", name="Sign off the assessment").click()
    web.check()
    assert "is signed off" in page.inner_text(".govuk-notification-banner")
    assert page.locator("[data-testid=assessment-status]").inner_text() == "Signed off"
    signed = page.locator("[data-testid=step-signed-off]").inner_text()
    assert signed.startswith("Signed off by ") and f"on {today:%-d %B %Y}" in signed

    page.get_by_role("link", name="Publish the assessment").click()
    web.check()
    page.get_by_role("button", name="Publish").click()
    web.check()
    assert "Published on" in page.locator("[data-testid=step-published]").inner_text()

    completion = MilestoneCompletion.objects.get(partnership__slug="greater-manchester",
                                                 milestone_key="needs_assessment",
                                                 completed_on=today)
    assert completion.link == page_of_assessment
    web.goto(f"{GM}/milestones/")
    done = page.locator("table", has_text="Recorded completions")
    assert done.get_by_role("link", name=re.compile(re.escape(assessment.title))).count() == 1
