"""Correcting the record in a real browser: the partnership lead changes a demo meeting, then
withdraws it with a reason, changes an action and back-dates its completion, and reads the
History. axe checks every page visited, error pages included."""

from __future__ import annotations

import datetime as dt

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET

GM = "/partnerships/greater-manchester"


def test_a_meeting_is_changed_then_withdrawn_with_a_reason(web, demo):
    from cdphub.partnerships.models import Action, Meeting

    meeting = (Meeting.objects.filter(partnership__slug="greater-manchester")
               .order_by("-held_on").first())
    open_actions = meeting.actions.filter(status__in=["open", "in_progress"]).count()
    web.sign_in("lead@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    page = web.page
    web.goto(f"{GM}/meetings/{meeting.pk}/")

    page.get_by_role("link", name="Change this meeting").click()
    web.check()
    assert page.get_by_role("heading", level=1).inner_text() == "Change the meeting"
    page.get_by_label("Meeting", exact=True).fill("Partnership board (extraordinary)")
    page.get_by_label("Notes (optional)").fill("Called to agree the treatment plan.")
    page.get_by_role("button", name="Save meeting").click()
    web.check()
    assert "is updated" in page.inner_text(".govuk-notification-banner")
    assert "Partnership board (extraordinary)" in page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("link", name="Withdraw this meeting").click()
    web.check()
    page.get_by_role("button", name="Withdraw meeting").click()  # no reason given
    web.check()
    assert "Enter why the meeting is being withdrawn" in page.inner_text(".govuk-error-summary")
    page.get_by_label("Why is this meeting being withdrawn?").fill(
        "Recorded twice: the same board is recorded on the next day.")
    page.get_by_role("button", name="Withdraw meeting").click()
    web.check()
    assert "is withdrawn" in page.inner_text(".govuk-notification-banner")
    withdrawn = page.inner_text("#withdrawn")
    assert "This meeting was withdrawn on" in withdrawn
    assert "Reason: Recorded twice: the same board is recorded on the next day." in withdrawn
    assert page.get_by_role("link", name="Change this meeting").count() == 0

    meeting.refresh_from_db()
    assert meeting.is_withdrawn and meeting.withdrawn_by.email == "lead@example.org"
    assert not meeting.actions.filter(status__in=["open", "in_progress"]).exists()
    assert meeting.actions.filter(status="cancelled").count() >= open_actions

    web.goto(f"{GM}/meetings/")
    listed = page.locator("table", has_text="Withdrawn meetings").inner_text()
    assert "Partnership board (extraordinary)" in listed and "Recorded twice" in listed

    web.goto(f"{GM}/history/?type=meetings")
    entry = page.locator(".app-timeline__item").first.inner_text()
    assert "Meeting withdrawn: Partnership board (extraordinary)" in entry
    assert "Reason: Recorded twice" in entry
    assert "title: Partnership board → Partnership board (extraordinary)" in (
        page.locator(".app-timeline__item").nth(1).inner_text())

    # An open action of another meeting: change its wording, then record it done on an
    # earlier day (the day of its meeting).
    action = (Action.objects.filter(partnership__slug="greater-manchester",
                                    meeting__withdrawn_at__isnull=True,
                                    status__in=["open", "in_progress"])
              .select_related("meeting").order_by("-meeting__held_on").first())
    web.goto(f"{GM}/meetings/actions/{action.pk}/edit/")
    page.get_by_label("What needs doing").fill("Agree the revised workforce plan")
    page.get_by_role("button", name="Save action").click()
    web.check()
    web.goto(f"{GM}/meetings/actions/{action.pk}/")
    page.get_by_label("Done", exact=True).check()
    future = dt.date.today() + dt.timedelta(days=2)
    group = page.get_by_role("group", name="Date it was done")
    for label, value in (("Day", future.day), ("Month", future.month), ("Year", future.year)):
        group.get_by_label(label).fill(str(value))
    page.get_by_role("button", name="Save status").click()
    web.check()
    assert "must be today or in the past" in page.inner_text(".govuk-error-summary")
    done = action.meeting.held_on
    for label, value in (("Day", done.day), ("Month", done.month), ("Year", done.year)):
        group.get_by_label(label).fill(str(value))
    page.get_by_role("button", name="Save status").click()
    web.check()
    action.refresh_from_db()
    assert (action.description, action.status, action.completed_on) == (
        "Agree the revised workforce plan", "done", done)
