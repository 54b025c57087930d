"""The delivery plan's writes (``planning.actions_plan``): starting a plan carries the open
actions of the plan in force (lineage and milestones kept); agreeing supersedes the previous
plan and records the delivery-plan milestone; every record an action names must be the plan's
own partnership's; withdrawn actions and superseded plans do not change. Each refusal changes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from cdphub.partnerships import history
from cdphub.partnerships.models import Meeting, MilestoneCompletion
from cdphub.planning import actions_plan
from cdphub.planning.actions_plan import PlanError
from cdphub.planning.models import ActionMilestone, Plan, PlanAction, Priority
from tests.planning.plan_helpers import TODAY, a_plan, an_action, cast_of, national_metric

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


@pytest.fixture
def cast(world):
    return cast_of(world.partnership_a, "Manchester")


@pytest.fixture
def other(world):
    return cast_of(world.partnership_b, "Berkshire")


def action_values(cast, **changes) -> dict:
    values = {"priority": cast.priority, "title": "Outreach in hostels",
              "commitments": ["treatment_accommodation"],
              "lead_organisation": cast.organisation, "owner": cast.person,
              "starts_on": dt.date(2024, 6, 1), "due_on": dt.date(2025, 6, 1),
              "funding_stream": cast.funding, "metrics": [cast.local_metric],
              "meeting": cast.meeting}
    values.update(changes)
    return values


def snapshot(action: PlanAction) -> dict:
    action.refresh_from_db()
    return {"fields": {f.attname: getattr(action, f.attname) for f in action._meta.concrete_fields},
            "metrics": sorted(action.metrics.values_list("pk", flat=True))}


# --------------------------------------------------------------------------- starting


def test_starting_a_plan_carries_the_open_actions_with_their_lineage_and_milestones(
        world, cast):
    first = a_plan(world.partnership_a, status=Plan.Status.AGREED, update_due_days=21,
                   reminder_days=5)
    open_one = an_action(first, cast, "Open action", status="at_risk",
                         commentary="Staffing", meeting=cast.meeting,
                         funding_stream=cast.funding,
                         commitments=["treatment_services", "supply_county_lines"])
    open_one.metrics.set([cast.local_metric])
    ActionMilestone.objects.create(action=open_one, title="Lease signed",
                                   due_on=dt.date(2024, 7, 1), done_on=dt.date(2024, 4, 20))
    ActionMilestone.objects.create(action=open_one, title="Site open",
                                   due_on=dt.date(2024, 12, 1))
    an_action(first, cast, "Done action", status="complete", completed_on=dt.date(2024, 3, 1))
    an_action(first, cast, "Withdrawn action",
              withdrawn_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC), withdrawal_reason="No")

    second = actions_plan.start_plan(partnership=world.partnership_a, title="Plan 2025",
                                     starts_on=dt.date(2025, 4, 1), ends_on=dt.date(2028, 3, 31),
                                     by=world.member_a)
    assert (second.status, second.previous, second.title) == (Plan.Status.DRAFT, first,
                                                              "Plan 2025")
    assert (second.update_due_days, second.reminder_days) == (21, 5)
    carried = list(second.actions.all())
    assert [a.title for a in carried] == ["Open action"]
    new = carried[0]
    assert new.lineage == open_one.lineage and new.carried_from == open_one
    assert (new.status, new.commentary, new.commitments, new.meeting, new.funding_stream) == (
        "at_risk", "Staffing", ["treatment_services", "supply_county_lines"], cast.meeting,
        cast.funding)
    assert list(new.metrics.all()) == [cast.local_metric]
    assert [(m.title, m.due_on, m.done_on) for m in new.milestones.all()] == [
        ("Lease signed", dt.date(2024, 7, 1), dt.date(2024, 4, 20)),
        ("Site open", dt.date(2024, 12, 1), None)]
    # The plan in force stays in force, untouched, until the new one is agreed.
    first.refresh_from_db()
    assert first.status == Plan.Status.AGREED and first.actions.count() == 3


def test_a_second_draft_is_refused(world):
    a_plan(world.partnership_a)
    with pytest.raises(PlanError, match="already a draft plan"):
        actions_plan.start_plan(partnership=world.partnership_a, starts_on=dt.date(2025, 4, 1),
                                ends_on=dt.date(2028, 3, 31), by=world.member_a)
    assert Plan.objects.count() == 1


def test_a_plan_that_ends_before_it_starts_is_refused(world):
    with pytest.raises(PlanError, match="must end after it starts") as raised:
        actions_plan.start_plan(partnership=world.partnership_a, starts_on=dt.date(2025, 4, 1),
                                ends_on=dt.date(2025, 4, 1), by=world.member_a)
    assert raised.value.field == "ends_on" and not Plan.objects.exists()


# --------------------------------------------------------------------------- agreeing


def test_agreeing_supersedes_the_previous_plan_and_records_the_milestone_with_a_link(
        world, cast):
    first = a_plan(world.partnership_a, status=Plan.Status.AGREED)
    draft = a_plan(world.partnership_a, starts_on=dt.date(2025, 4, 1),
                   ends_on=dt.date(2028, 3, 31), title="Plan 2025", previous=first)
    an_action(draft, cast)
    actions_plan.agree_plan(plan=draft, meeting=cast.meeting, by=world.sro_a)
    draft.refresh_from_db()
    first.refresh_from_db()
    assert (draft.status, draft.agreed_at_meeting, draft.agreed_on, draft.agreed_by) == (
        Plan.Status.AGREED, cast.meeting, dt.date(2024, 4, 18), world.sro_a)
    assert (first.status, first.superseded_on) == (Plan.Status.SUPERSEDED, dt.date(2024, 4, 18))
    done = MilestoneCompletion.objects.get(partnership=world.partnership_a,
                                           milestone_key="delivery_plan")
    assert done.completed_on == dt.date(2024, 4, 18)
    assert done.link == f"/partnerships/greater-manchester/plan/{draft.pk}/"
    assert "Plan 2025" in done.evidence and "Manchester board" in done.evidence
    # One change set in the History: the plan agreed, the previous superseded, the milestone.
    saves = history.groups(history.versions(world.partnership_a.pk),
                           person=str(world.sro_a.pk))
    assert len(saves) == 1 and len(saves[0].versions) == 3


@pytest.mark.parametrize("which, message", [
    ("other partnership", "Choose a meeting of this partnership."),
    ("withdrawn", "That meeting was withdrawn"),
    ("future", "That meeting is on 2 May 2024, in the future"),
])
def test_agreeing_at_a_meeting_that_cannot_have_agreed_it_is_refused(world, cast, other,
                                                                    which, message):
    draft = a_plan(world.partnership_a)
    an_action(draft, cast)
    meeting = {
        "other partnership": lambda: other.meeting,
        "withdrawn": lambda: Meeting.objects.create(
            partnership=world.partnership_a, held_on=dt.date(2024, 4, 1),
            withdrawn_at=dt.datetime(2024, 4, 2, tzinfo=dt.UTC), withdrawal_reason="Twice"),
        "future": lambda: Meeting.objects.create(partnership=world.partnership_a,
                                                 held_on=TODAY + dt.timedelta(days=1)),
    }[which]()
    with pytest.raises(PlanError, match=message) as raised:
        actions_plan.agree_plan(plan=draft, meeting=meeting, by=world.sro_a)
    assert raised.value.field == "meeting"
    draft.refresh_from_db()
    assert draft.status == Plan.Status.DRAFT and draft.agreed_at_meeting is None
    assert not MilestoneCompletion.objects.exists()


def test_a_plan_with_no_live_actions_cannot_be_agreed(world, cast):
    draft = a_plan(world.partnership_a)
    an_action(draft, cast, withdrawn_at=dt.datetime(2024, 4, 2, tzinfo=dt.UTC),
              withdrawal_reason="Dropped")
    with pytest.raises(PlanError, match="no actions yet"):
        actions_plan.agree_plan(plan=draft, meeting=cast.meeting, by=world.sro_a)
    draft.refresh_from_db()
    assert draft.status == Plan.Status.DRAFT and not MilestoneCompletion.objects.exists()


# --------------------------------------------------------------------------- actions


def test_an_action_is_added_with_everything_it_names(world, cast):
    plan = a_plan(world.partnership_a)
    metric = national_metric()
    action = actions_plan.add_action(plan=plan, by=world.member_a, **action_values(
        cast, metrics=[metric, cast.local_metric],
        commitments=["treatment_accommodation", "treatment_accommodation", "demand_consequences"]))
    action.refresh_from_db()
    assert action.commitments == ["treatment_accommodation", "demand_consequences"]
    assert (action.priority, action.owner, action.lead_organisation, action.funding_stream,
            action.meeting, action.created_by) == (
        cast.priority, cast.person, cast.organisation, cast.funding, cast.meeting, world.member_a)
    assert set(action.metrics.all()) == {metric, cast.local_metric}


@pytest.mark.parametrize("field", ["priority", "lead_organisation", "owner", "funding_stream",
                                   "metrics", "meeting"])
def test_adding_or_changing_an_action_refuses_another_partnerships_records(world, cast, other,
                                                                          field):
    plan = a_plan(world.partnership_a)
    foreign = {"priority": other.priority, "lead_organisation": other.organisation,
               "owner": other.person, "funding_stream": other.funding,
               "metrics": [other.local_metric], "meeting": other.meeting}[field]
    with pytest.raises(PlanError) as raised:
        actions_plan.add_action(plan=plan, by=world.member_a,
                                **action_values(cast, **{field: foreign}))
    assert raised.value.field == field
    assert not PlanAction.objects.exists()

    action = actions_plan.add_action(plan=plan, by=world.member_a, **action_values(cast))
    before = snapshot(action)
    with pytest.raises(PlanError) as raised:
        actions_plan.change_action(action=action, by=world.member_a,
                                   **action_values(cast, title="Changed", **{field: foreign}))
    assert raised.value.field == field
    assert snapshot(action) == before


@pytest.mark.parametrize("changes, field, message", [
    ({"commitments": []}, "commitments", "Choose at least one"),
    ({"commitments": ["not_a_commitment"]}, "commitments", "Not a national commitment"),
    ({"due_on": dt.date(2024, 5, 31)}, "due_on", "on or after the start date"),
    ({"title": "  "}, "title", "Enter what the action is"),
])
def test_an_action_with_a_bad_value_is_refused_on_its_field(world, cast, changes, field,
                                                           message):
    plan = a_plan(world.partnership_a)
    with pytest.raises(PlanError, match=message) as raised:
        actions_plan.add_action(plan=plan, by=world.member_a, **action_values(cast, **changes))
    assert raised.value.field == field
    assert not PlanAction.objects.exists()


def test_a_closed_priority_is_refused(world, cast):
    Priority.objects.filter(pk=cast.priority.pk).update(status=Priority.Status.CLOSED)
    cast.priority.refresh_from_db()
    with pytest.raises(PlanError, match="is closed") as raised:
        actions_plan.add_action(plan=a_plan(world.partnership_a), by=world.member_a,
                                **action_values(cast))
    assert raised.value.field == "priority"


def test_a_withdrawn_action_cannot_change(world, cast):
    action = an_action(a_plan(world.partnership_a), cast)
    actions_plan.withdraw_action(action=action, reason="Merged into another", by=world.member_a)
    before = snapshot(action)
    assert before["fields"]["withdrawal_reason"] == "Merged into another"
    for step in (
        lambda: actions_plan.change_action(action=action, by=world.member_a,
                                           **action_values(cast, title="Changed")),
        lambda: actions_plan.set_status(action=action, status="on_track", commentary="",
                                        by=world.member_a),
        lambda: actions_plan.withdraw_action(action=action, reason="Again", by=world.member_a),
        lambda: actions_plan.add_milestone(action=action, title="Step",
                                           due_on=dt.date(2024, 9, 1), by=world.member_a),
    ):
        with pytest.raises(PlanError, match="withdrawn"):
            step()
        assert snapshot(action) == before
    assert not ActionMilestone.objects.exists()


def test_withdrawing_needs_a_reason(world, cast):
    action = an_action(a_plan(world.partnership_a), cast)
    with pytest.raises(PlanError, match="Say why") as raised:
        actions_plan.withdraw_action(action=action, reason=" ", by=world.member_a)
    assert raised.value.field == "reason"
    action.refresh_from_db()
    assert action.withdrawn_at is None


def test_a_superseded_plan_cannot_change(world, cast):
    plan = a_plan(world.partnership_a, status=Plan.Status.SUPERSEDED)
    action = an_action(plan, cast)
    milestone = ActionMilestone.objects.create(action=action, title="Step",
                                               due_on=dt.date(2024, 9, 1))
    before = snapshot(action)
    for step in (
        lambda: actions_plan.change_plan(plan=plan, title="New", starts_on=plan.starts_on,
                                         ends_on=plan.ends_on, update_due_days=14,
                                         reminder_days=7, by=world.member_a),
        lambda: actions_plan.add_action(plan=plan, by=world.member_a, **action_values(cast)),
        lambda: actions_plan.change_action(action=action, by=world.member_a,
                                           **action_values(cast, title="Changed")),
        lambda: actions_plan.withdraw_action(action=action, reason="No", by=world.member_a),
        lambda: actions_plan.set_status(action=action, status="complete", commentary="",
                                        by=world.member_a),
        lambda: actions_plan.change_milestone(milestone=milestone, title="Other",
                                              due_on=dt.date(2024, 9, 1), done_on=None,
                                              by=world.member_a),
        lambda: actions_plan.remove_milestone(milestone=milestone, by=world.member_a),
    ):
        with pytest.raises(PlanError, match="superseded"):
            step()
    assert snapshot(action) == before
    plan.refresh_from_db()
    assert plan.title == "Delivery plan" and plan.actions.count() == 1
    assert ActionMilestone.objects.get().title == "Step"


def test_setting_complete_records_the_day_and_reopening_clears_it(world, cast):
    action = an_action(a_plan(world.partnership_a), cast)
    actions_plan.set_status(action=action, status="complete", commentary="Opened",
                            by=world.member_a)
    action.refresh_from_db()
    assert (action.status, action.completed_on, action.commentary) == ("complete", TODAY,
                                                                       "Opened")
    actions_plan.set_status(action=action, status="at_risk", commentary="", by=world.member_a)
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("at_risk", None)


# --------------------------------------------------------------------------- milestones


def test_milestones_are_added_changed_marked_done_and_removed(world, cast):
    action = an_action(a_plan(world.partnership_a), cast)
    milestone = actions_plan.add_milestone(action=action, title=" Lease signed ",
                                           due_on=dt.date(2024, 7, 1), by=world.member_a)
    assert (milestone.title, milestone.done_on) == ("Lease signed", None)
    actions_plan.change_milestone(milestone=milestone, title="Lease agreed",
                                  due_on=dt.date(2024, 8, 1), done_on=None, by=world.member_a)
    actions_plan.mark_milestone_done(milestone=milestone, by=world.member_a)
    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_on, milestone.done_on) == (
        "Lease agreed", dt.date(2024, 8, 1), TODAY)
    actions_plan.remove_milestone(milestone=milestone, by=world.member_a)
    assert not ActionMilestone.objects.exists()
    kinds = [v.history_type for v in ActionMilestone.history.order_by("history_id")]
    assert kinds == ["+", "~", "~", "-"]


@pytest.mark.parametrize("title, due_on, done_on, field", [
    ("", dt.date(2024, 7, 1), None, "title"),
    ("Step", None, None, "due_on"),
    ("Step", dt.date(2024, 7, 1), TODAY + dt.timedelta(days=1), "done_on"),
])
def test_a_milestone_with_a_bad_value_is_refused(world, cast, title, due_on, done_on, field):
    action = an_action(a_plan(world.partnership_a), cast)
    with pytest.raises(PlanError) as raised:
        actions_plan.add_milestone(action=action, title=title, due_on=due_on, done_on=done_on,
                                   by=world.member_a)
    assert raised.value.field == field
    assert not ActionMilestone.objects.exists()


def test_what_an_action_names_cannot_be_deleted_but_goes_with_its_partnership(world, cast):
    from django.db.models import RestrictedError

    from cdphub.partnerships.models import Partnership, Person

    action = an_action(a_plan(world.partnership_a), cast)
    with pytest.raises(RestrictedError):
        cast.priority.delete()
    with pytest.raises(RestrictedError):
        cast.person.delete()
    assert PlanAction.objects.filter(pk=action.pk).exists()

    world.partnership_a.delete()
    assert not Partnership.objects.filter(pk=world.partnership_a.pk).exists()
    assert not PlanAction.objects.filter(pk=action.pk).exists()
    assert not Person.objects.filter(pk=cast.person.pk).exists()
