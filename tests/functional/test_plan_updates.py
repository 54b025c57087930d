"""Quarterly updates in a real browser: a member of Greater Manchester who owns an action of
the agreed plan sees it overdue under "Your actions", records its update (after leaving it
empty is refused), and sees it recorded; the reminders go out through the outbox backend and
a central administrator reads them on the Outbox page. axe checks every page visited, error
pages included, at 320, 768 and 1280 px."""

from __future__ import annotations

import datetime as dt
import io

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET

GM = "/partnerships/greater-manchester"


def _plan_with_an_action_of_the_member():
    """Greater Manchester's agreed plan from 1 April 2026 (any agreed plan the demo has is
    superseded first), with an action owned by the demo member (Chris Jordan) and one by the
    partnership lead."""
    from cdphub.partnerships.models import Organisation, Partnership, Person
    from cdphub.planning.models import Plan, PlanAction, Priority

    gm = Partnership.objects.get(slug="greater-manchester")
    gm.plans.filter(status=Plan.Status.AGREED).update(status=Plan.Status.SUPERSEDED)
    plan = Plan.objects.create(partnership=gm, status=Plan.Status.AGREED,
                               starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2029, 3, 31))
    priority = Priority.objects.create(partnership=gm, title="Reduce drug-related deaths")
    organisation, _ = Organisation.objects.get_or_create(name="Greater Manchester Police")
    member = Person.objects.get(partnership=gm, user__email="member@example.org")
    lead = Person.objects.get(partnership=gm, user__email="lead@example.org")
    for owner, title in ((member, "Disrupt county lines into Wigan"),
                         (lead, "Open a second recovery café")):
        PlanAction.objects.create(
            plan=plan, priority=priority, title=title, commitments=["supply_county_lines"],
            lead_organisation=organisation, owner=owner, starts_on=dt.date(2026, 4, 1),
            due_on=dt.date(2027, 3, 31))
    return plan


def test_the_owner_records_an_overdue_update(web, demo, settings):
    from cdphub.planning.models import QuarterlyUpdate

    settings.CDPHUB_TODAY = "2026-07-20"  # Q1's updates were due by 14 July 2026
    _plan_with_an_action_of_the_member()
    web.sign_in("member@example.org", DEMO_PASSWORD)
    page = web.page
    web.goto(f"{GM}/plan/updates/")
    main = page.inner_text("main")
    assert "Now collecting: Q1 2026 to 2027 (April to June 2026)" in main
    assert "2 actions to update for this quarter: 0 recorded, 0 due, 2 overdue" in main
    yours = page.locator("table", has_text="Your actions")
    assert "Disrupt county lines into Wigan" in yours.inner_text()
    assert "Open a second recovery café" not in yours.inner_text()

    yours.get_by_role("link", name="Record the update for Disrupt county lines into Wigan") \
        .click()
    web.check()
    web.check_reflow("record an update")
    assert page.get_by_label("Quarter").input_value() == "2026-27 Q1"
    page.get_by_label("At risk").check()
    page.get_by_role("button", name="Save update").click()
    web.check()  # the error page
    assert "Enter the update" in page.inner_text(".govuk-error-summary")

    page.get_by_label("Update", exact=True).fill(
        "Two lines closed with Merseyside Police; a third moved to Leigh. Next: joint "
        "operation in August.")
    assert "You have" in page.inner_text(".govuk-character-count__status")  # the count shows
    page.get_by_role("button", name="Save update").click()
    web.check()
    web.check_reflow("updates after recording")
    assert "is recorded" in page.inner_text(".govuk-notification-banner")
    assert "Two lines closed" in page.locator("table", has_text="Your actions").inner_text()
    saved = QuarterlyUpdate.objects.get(action__title="Disrupt county lines into Wigan")
    assert (saved.status, saved.quarter_start) == ("at_risk", dt.date(2026, 4, 1))

    # the download of every update
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "greater-manchester-quarterly-updates.csv"


def test_reminders_are_read_in_the_outbox(web, demo, settings):
    from django.core.management import call_command

    settings.CDPHUB_TODAY = "2026-07-15"  # the day after the deadline
    settings.EMAIL_BACKEND = "cdphub.accounts.outbox.OutboxBackend"
    _plan_with_an_action_of_the_member()
    output = io.StringIO()
    call_command("send_reminders", "--partnership", "greater-manchester", stdout=output)
    assert "Sent 2 e-mails: 0 due soon, 2 overdue." in output.getvalue()

    web.sign_in("central.admin@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    page = web.page
    web.goto("/account/outbox/")
    assert "nothing here reached anyone's inbox" in page.inner_text("main")
    table = page.locator("table")
    assert "lead@example.org" in table.inner_text()
    assert "member@example.org" in table.inner_text()
    table.locator("tr", has_text="lead@example.org").get_by_role("link").click()
    web.check()
    web.check_reflow("an outbox message")
    body = page.inner_text("main")
    assert "Quarterly updates overdue: 2 actions" in body
    assert "Disrupt county lines into Wigan" in body and "Owner: Chris Jordan" in body
    assert "/partnerships/greater-manchester/plan/updates/" in body
