"""The delivery plan's pages: the plan (none, draft, agreed, superseded), starting, changing and
agreeing it, an action's page and its changes, withdrawal, status and milestones, and the link
from the priorities page. Forms posted with another partnership's records are refused and
change nothing."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse

from cdphub.accounts.models import Role
from cdphub.partnerships.models import MilestoneCompletion
from cdphub.planning.models import ActionMilestone, Plan, PlanAction, Priority, QuarterlyUpdate
from tests.conftest import make_user, sign_in
from tests.planning.plan_helpers import TODAY, a_plan, an_action, cast_of, national_metric

pytestmark = pytest.mark.django_db

A = "greater-manchester"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


@pytest.fixture
def cast(world):
    return cast_of(world.partnership_a, "Manchester")


@pytest.fixture
def other(world):
    return cast_of(world.partnership_b, "Berkshire")


@pytest.fixture
def lead_a(world):
    return make_user("lead.a@example.org", Role.PARTNERSHIP_LEAD, partnership=world.partnership_a)


def url(name, *args):
    return reverse(f"partnerships:{name}", args=list(args))


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def date_fields(name: str, day: dt.date) -> dict:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def action_post(cast, **changes) -> dict:
    data = {"priority": cast.priority.pk, "title": "Hostel outreach",
            "description": "Two workers.",
            "commitments": ["treatment_accommodation", "treatment_services"],
            "lead_organisation": cast.organisation.pk, "owner": cast.person.pk,
            **date_fields("starts_on", dt.date(2024, 6, 1)),
            **date_fields("due_on", dt.date(2025, 6, 1)),
            "funding_stream": cast.funding.pk, "metrics": [cast.local_metric.pk],
            "meeting": cast.meeting.pk}
    data.update(changes)
    return data


# --------------------------------------------------------------------------- the plan page


def test_with_no_plan_the_page_says_so_and_offers_members_to_start_one(client, world):
    sign_in(client, world.adviser)
    html = html_of(client.get(url("plan", A)))
    assert "The partnership has no delivery plan yet." in html
    assert url("plan-start", A) not in html  # readers do not start one
    sign_in(client, world.member_a)
    html = html_of(client.get(url("plan", A)))
    assert f'href="{url("plan-start", A)}">Start a plan<' in html
    assert 'aria-current="page">Delivery plan<' in html


def test_the_plan_page_shows_the_plan_on_a_page_what_is_overdue_and_the_actions(
        client, world, cast):
    agreed = a_plan(world.partnership_a, status=Plan.Status.AGREED, title="Plan 2024",
                    agreed_at_meeting=cast.meeting, agreed_on=dt.date(2024, 4, 18))
    late = an_action(agreed, cast, "Late action", due_on=dt.date(2024, 4, 30),
                     starts_on=dt.date(2023, 10, 1), status="at_risk",
                     commitments=["supply_county_lines", "treatment_services"],
                     funding_stream=cast.funding)
    late.metrics.set([cast.local_metric])
    QuarterlyUpdate.objects.create(action=late, quarter_start=dt.date(2023, 10, 1),
                                   status="at_risk", text="Recruitment is slow.")
    an_action(agreed, cast, "Done early", status="complete", due_on=dt.date(2024, 4, 1),
              starts_on=dt.date(2024, 1, 1), completed_on=dt.date(2024, 3, 30))
    an_action(agreed, cast, "Withdrawn one", withdrawn_at=dt.datetime(2024, 4, 20, tzinfo=dt.UTC),
              withdrawal_reason="Duplicate")
    earlier = a_plan(world.partnership_a, status=Plan.Status.SUPERSEDED, title="Plan 2021",
                     starts_on=dt.date(2021, 4, 1), ends_on=dt.date(2024, 3, 31),
                     superseded_on=dt.date(2024, 4, 18))
    sign_in(client, world.adviser)
    html = html_of(client.get(url("plan", A)))
    summary = html.split('data-testid="plan-summary"')[1].split("</dl>")[0]
    assert "Agreed" in summary and "1 April 2024 to 31 March 2027" in summary
    assert url("meeting-detail", A, cast.meeting.pk) in summary and "18 April 2024" in summary
    on_a_page = html.split('id="on-a-page"')[1].split('id="overdue"')[0]
    assert "Rolling up county lines" in on_a_page and "At risk: 1" in on_a_page
    assert on_a_page.count('govuk-tag govuk-tag--red">No action<') == 13
    assert "Break drug supply chains" in on_a_page
    overdue = html.split('data-testid="overdue-actions"')[1].split("</table>")[0]
    assert "Late action" in overdue and "Done early" not in overdue
    # Q4 2023-24 (January to March 2024) updates were due on 14 April: overdue for both
    # live actions that had started (the complete one finished in that quarter).
    updates = html.split('data-testid="overdue-updates"')[1].split("</table>")[0]
    assert "Late action" in updates and "Done early" in updates
    actions = html.split('id="actions"')[1]
    assert "Manchester priority" in actions and "Manchester council" in actions
    assert "Manchester owner" in actions and "Manchester grant" in actions
    assert "Manchester local metric" in actions
    assert "Recruitment is slow." in actions and "October 2023 quarter" in actions
    assert "Withdrawn one" in html.split('data-testid="withdrawn-actions"')[1]
    assert "Duplicate" in html
    others = html.split('data-testid="other-plans"')[1].split("</ul>")[0]
    assert url("plan-detail", A, earlier.pk) in others and "superseded" in others
    assert url("plan-action-add", A, agreed.pk) not in html  # readers do not change it
    assert url("plan-download", A, agreed.pk, "csv") in html


def test_members_see_the_links_that_change_a_plan_and_leads_the_agreement(client, world,
                                                                          cast, lead_a):
    draft = a_plan(world.partnership_a)
    sign_in(client, world.member_a)
    html = html_of(client.get(url("plan-detail", A, draft.pk)))
    assert url("plan-action-add", A, draft.pk) in html and url("plan-edit", A, draft.pk) in html
    assert url("plan-agree", A, draft.pk) not in html
    sign_in(client, lead_a)
    assert url("plan-agree", A, draft.pk) in html_of(client.get(url("plan-detail", A, draft.pk)))


def test_a_superseded_plan_is_read_only(client, world, cast):
    old = a_plan(world.partnership_a, status=Plan.Status.SUPERSEDED)
    action = an_action(old, cast)
    sign_in(client, world.member_a)
    html = html_of(client.get(url("plan-detail", A, old.pk)))
    assert "can no longer be changed" in html
    assert url("plan-action-add", A, old.pk) not in html
    assert url("plan-edit", A, old.pk) not in html
    assert url("plan-action-edit", A, action.pk) not in html_of(
        client.get(url("plan-action", A, action.pk)))
    response = client.post(url("plan-action-add", A, old.pk), action_post(cast))
    assert response.status_code == 302 and response["Location"] == url("plan-detail", A, old.pk)
    response = client.post(url("plan-action-edit", A, action.pk), action_post(cast,
                                                                              title="New"))
    assert response.status_code == 302
    assert PlanAction.objects.get().title == "Open a second needle exchange"


# --------------------------------------------------------------------------- start, edit, agree


def test_starting_a_plan_proposes_three_years_from_the_next_april_and_carries_actions(
        client, world, cast):
    agreed = a_plan(world.partnership_a, status=Plan.Status.AGREED)
    an_action(agreed, cast, "Still open")
    sign_in(client, world.member_a)
    page = client.get(url("plan-start", A))
    html = html_of(page)
    form = page.context["form"]
    assert (form["starts_on"].value(), form["ends_on"].value()) == (
        dt.date(2025, 4, 1), dt.date(2028, 3, 31))
    assert "are carried over into the new plan" in html and "1 action not complete" in html
    response = client.post(url("plan-start", A), {
        "title": "Plan 2025", **date_fields("starts_on", dt.date(2025, 4, 1)),
        **date_fields("ends_on", dt.date(2028, 3, 31))})
    draft = Plan.objects.get(status=Plan.Status.DRAFT)
    assert response["Location"] == url("plan-detail", A, draft.pk)
    assert [a.title for a in draft.actions.all()] == ["Still open"]
    html = html_of(client.get(url("plan-start", A)))
    assert "There is already a draft plan" in html


def test_the_plan_is_changed_and_a_bad_period_refused(client, world):
    draft = a_plan(world.partnership_a)
    sign_in(client, world.member_a)
    data = {"title": "Plan 2024 to 2027", **date_fields("starts_on", dt.date(2024, 4, 1)),
            **date_fields("ends_on", dt.date(2027, 3, 31)), "update_due_days": "21",
            "reminder_days": "3"}
    assert client.post(url("plan-edit", A, draft.pk), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.update_due_days, draft.reminder_days) == (
        "Plan 2024 to 2027", 21, 3)
    html = html_of(client.post(url("plan-edit", A, draft.pk), {
        **data, **date_fields("ends_on", dt.date(2024, 1, 1))}))
    assert "Enter an end date after the start date." in html
    draft.refresh_from_db()
    assert draft.ends_on == dt.date(2027, 3, 31)


def test_agreeing_shows_the_meeting_and_the_milestone_on_the_page(client, world, cast, lead_a):
    draft = a_plan(world.partnership_a)
    an_action(draft, cast)
    sign_in(client, lead_a)
    response = client.post(url("plan-agree", A, draft.pk), {"meeting": cast.meeting.pk},
                           follow=True)
    html = html_of(response)
    assert "is agreed" in html and "recorded as done on 18 April 2024" in html
    milestone = html.split('data-testid="plan-milestone"')[1].split("</dd>")[0]
    assert "The delivery plan milestone was recorded as done on 18 April 2024" in milestone
    assert MilestoneCompletion.objects.get().link == url("plan-detail", A, draft.pk)


def test_agreeing_refuses_another_partnerships_meeting_and_changes_nothing(client, world,
                                                                          cast, other, lead_a):
    draft = a_plan(world.partnership_a)
    an_action(draft, cast)
    sign_in(client, lead_a)
    html = html_of(client.post(url("plan-agree", A, draft.pk), {"meeting": other.meeting.pk}))
    assert "Select one of this partnership's meetings held by today." in html
    draft.refresh_from_db()
    assert draft.status == Plan.Status.DRAFT and not MilestoneCompletion.objects.exists()


# --------------------------------------------------------------------------- actions


def test_an_action_is_added_then_shown_with_every_field(client, world, cast):
    plan = a_plan(world.partnership_a)
    metric = national_metric()
    sign_in(client, world.member_a)
    form_html = html_of(client.get(url("plan-action-add", A, plan.pk)))
    # Commitments grouped under the three strategy priorities, each with its hint.
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Break drug ' \
           "supply chains</legend>" in form_html
    assert 'aria-describedby="id_commitments_0_0-hint"' in form_html
    assert "Disrupting drug gang operations and seizing their cash." in form_html
    empty = client.post(url("plan-action-add", A, plan.pk), {})
    assert ("id_commitments_0_0", "Select at least one of the 15 national commitments the "
            "action delivers.") in empty.context["form"].error_summary()
    assert 'id="id_commitments_0_0"' in empty.content.decode()
    response = client.post(url("plan-action-add", A, plan.pk),
                           action_post(cast, metrics=[cast.local_metric.pk, metric.pk]))
    action = PlanAction.objects.get()
    assert response["Location"] == url("plan-action", A, action.pk)
    assert action.commitments == ["treatment_accommodation", "treatment_services"]
    assert set(action.metrics.all()) == {cast.local_metric, metric}
    ActionMilestone.objects.create(action=action, title="Workers recruited",
                                   due_on=dt.date(2024, 9, 1))
    QuarterlyUpdate.objects.create(action=action, quarter_start=dt.date(2024, 1, 1),
                                   status="on_track", text="Older update.")
    QuarterlyUpdate.objects.create(action=action, quarter_start=dt.date(2024, 4, 1),
                                   status="at_risk", text="Newer update.")
    html = html_of(client.get(url("plan-action", A, action.pk)))
    for text in ("Hostel outreach", "Two workers.", "Manchester priority",
                 "Improving access to accommodation alongside treatment",
                 "Manchester council", "Manchester owner", "1 June 2024", "1 June 2025",
                 "Manchester grant", "Manchester local metric (local metric)",
                 "A national metric", "Workers recruited"):
        assert text in html, text
    assert url("meeting-detail", A, cast.meeting.pk) in html
    assert html.index("Newer update.") < html.index("Older update.")
    assert f'{url("history", A)}?type=delivery_plan' in html
    assert url("plan-milestone-add", A, action.pk) in html


def test_the_add_form_preselects_a_priority_and_explains_when_there_is_none(client, world,
                                                                           cast):
    plan = a_plan(world.partnership_a)
    second = Priority.objects.create(partnership=world.partnership_a, title="Second priority")
    sign_in(client, world.member_a)
    page = client.get(url("plan-action-add", A, plan.pk), {"priority": second.pk})
    assert page.context["form"]["priority"].value() == second.pk
    Priority.objects.update(status=Priority.Status.CLOSED)
    html = html_of(client.get(url("plan-action-add", A, plan.pk)))
    assert "has no active priority yet" in html
    assert url("priorities", A) in html and url("needs-assessment", A) in html


@pytest.mark.parametrize("field", ["priority", "lead_organisation", "owner", "funding_stream",
                                   "metrics", "meeting"])
def test_an_action_posted_with_another_partnerships_record_is_refused(client, world, cast,
                                                                      other, field):
    plan = a_plan(world.partnership_a)
    foreign = {"priority": other.priority.pk, "lead_organisation": other.organisation.pk,
               "owner": other.person.pk, "funding_stream": other.funding.pk,
               "metrics": [other.local_metric.pk], "meeting": other.meeting.pk}[field]
    sign_in(client, world.member_a)
    page = client.post(url("plan-action-add", A, plan.pk), action_post(cast, **{field: foreign}))
    assert page.status_code == 200
    assert field in page.context["form"].errors
    assert not PlanAction.objects.exists()

    action = an_action(plan, cast)
    page = client.post(url("plan-action-edit", A, action.pk),
                       action_post(cast, title="Changed", **{field: foreign}))
    assert field in page.context["form"].errors
    action.refresh_from_db()
    assert (action.title, action.priority, action.lead_organisation, action.owner,
            action.funding_stream, action.meeting) == (
        "Open a second needle exchange", cast.priority, cast.organisation, cast.person, None,
        None)
    assert not action.metrics.exists()


def test_another_partnerships_plan_action_and_milestone_are_not_found(client, world, other):
    plan_b = a_plan(world.partnership_b)
    action_b = an_action(plan_b, other)
    milestone_b = ActionMilestone.objects.create(action=action_b, title="B step",
                                                 due_on=dt.date(2024, 9, 1))
    sign_in(client, world.member_a)
    for name, pk in (("plan-detail", plan_b.pk), ("plan-edit", plan_b.pk),
                     ("plan-action-add", plan_b.pk), ("plan-compare", plan_b.pk),
                     ("plan-action", action_b.pk), ("plan-action-edit", action_b.pk),
                     ("plan-action-withdraw", action_b.pk), ("plan-action-status", action_b.pk),
                     ("plan-milestone-add", action_b.pk),
                     ("plan-milestone-edit", milestone_b.pk)):
        assert client.get(url(name, A, pk)).status_code == 404, name
        assert client.post(url(name, A, pk), {"reason": "Mine now", "status": "complete",
                                              "title": "Taken", "remove": "on"}
                           ).status_code == 404, name
    assert client.get(url("plan-download", A, plan_b.pk, "csv")).status_code == 404
    action_b.refresh_from_db()
    milestone_b.refresh_from_db()
    assert (action_b.withdrawn_at, action_b.status, milestone_b.title) == (
        None, "not_started", "B step")


def test_withdrawing_needs_a_reason_then_the_action_is_read_only(client, world, cast):
    action = an_action(a_plan(world.partnership_a), cast)
    sign_in(client, world.member_a)
    html = html_of(client.post(url("plan-action-withdraw", A, action.pk), {"reason": ""}))
    assert "Enter why the action is being withdrawn." in html
    response = client.post(url("plan-action-withdraw", A, action.pk),
                           {"reason": "Merged with another"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.withdrawal_reason == "Merged with another"
    html = html_of(client.get(url("plan-action", A, action.pk)))
    assert "Withdrawn on" in html and url("plan-action-edit", A, action.pk) not in html
    response = client.post(url("plan-action-status", A, action.pk), {"status": "complete"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "not_started"


def test_the_status_is_changed_with_commentary(client, world, cast):
    action = an_action(a_plan(world.partnership_a), cast)
    sign_in(client, world.member_a)
    client.post(url("plan-action-status", A, action.pk),
                {"status": "off_track", "commentary": "Provider pulled out."})
    action.refresh_from_db()
    assert (action.status, action.commentary) == ("off_track", "Provider pulled out.")


def test_the_record_an_update_link_appears_once_the_page_exists(client, world, cast):
    """Engineer B's page: linked only when installed, and only for those who may record."""
    action = an_action(a_plan(world.partnership_a), cast)
    sign_in(client, world.sro_a)
    html = html_of(client.get(url("plan-action", A, action.pk)))
    try:
        record = url("plan-update-record", A, action.pk)
    except Exception:  # noqa: BLE001 (not installed yet)
        assert "Record an update" not in html
    else:
        assert record in html
        sign_in(client, world.adviser)
        assert record not in html_of(client.get(url("plan-action", A, action.pk)))


def test_milestones_are_added_done_and_removed(client, world, cast):
    action = an_action(a_plan(world.partnership_a), cast)
    sign_in(client, world.member_a)
    client.post(url("plan-milestone-add", A, action.pk),
                {"title": "Lease signed", **date_fields("due_on", dt.date(2024, 7, 1))})
    milestone = ActionMilestone.objects.get()
    html = html_of(client.post(url("plan-milestone-edit", A, milestone.pk), {
        "title": "Lease signed", **date_fields("due_on", dt.date(2024, 7, 1)),
        **date_fields("done_on", dt.date(2024, 6, 1))}))
    assert "The date it was done cannot be in the future." in html
    client.post(url("plan-milestone-edit", A, milestone.pk), {
        "title": "Lease signed", **date_fields("due_on", dt.date(2024, 7, 1)),
        **date_fields("done_on", dt.date(2024, 4, 28))})
    milestone.refresh_from_db()
    assert milestone.done_on == dt.date(2024, 4, 28)
    client.post(url("plan-milestone-edit", A, milestone.pk), {
        "title": "Lease signed", **date_fields("due_on", dt.date(2024, 7, 1)), "remove": "on"})
    assert not ActionMilestone.objects.exists()


# --------------------------------------------------------------------------- priorities page


def test_the_priorities_page_links_each_active_priority_to_a_new_action(client, world, cast):
    plan = a_plan(world.partnership_a)
    closed = Priority.objects.create(partnership=world.partnership_a, title="Closed",
                                     status=Priority.Status.CLOSED)
    sign_in(client, world.member_a)
    html = client.get(url("priorities", A)).content.decode()
    link = f'{url("plan-action-add", A, plan.pk)}?priority={cast.priority.pk}'
    assert link in html and "Add an action for this priority" in html
    assert f"?priority={closed.pk}" not in html
    sign_in(client, world.adviser)
    assert "Add an action for this priority" not in client.get(url("priorities", A)).content.decode()
