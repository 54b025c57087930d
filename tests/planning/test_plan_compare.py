"""Year on year (``planning.compare``): a plan as it is now against the partnership's plan as
it stood on an earlier day, from the history written at known dates (the clock moved the way
tests move it: ``CDPHUB_TODAY`` for the service's today, and the time the history records
carry). Actions are matched across plans by lineage."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cdphub.partnerships import changesets
from cdphub.partnerships.models import Meeting
from cdphub.planning import actions_plan
from cdphub.planning.compare import compare, plan_in_force
from cdphub.planning.models import Plan
from tests.conftest import sign_in
from tests.planning.plan_helpers import cast_of

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def clock(monkeypatch, settings):
    """Move the clock to noon on a day: today for the service, and now for the history."""
    monkeypatch.setattr(changesets, "_last", [dt.datetime.min.replace(tzinfo=dt.UTC)])

    def move(day: dt.date) -> None:
        moment = dt.datetime.combine(day, dt.time(12), tzinfo=LONDON)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        settings.CDPHUB_TODAY = day.isoformat()

    return move


def add(plan, cast, title, by, **extra):
    action = actions_plan.add_action(
        plan=plan, priority=cast.priority, title=title, commitments=["treatment_services"],
        lead_organisation=cast.organisation, owner=cast.person,
        starts_on=dt.date(2023, 4, 1), due_on=dt.date(2026, 3, 31), by=by)
    if extra.get("status"):
        actions_plan.set_status(action=action, status=extra["status"], commentary="", by=by)
    return action


def meeting(partnership, day):
    return Meeting.objects.create(partnership=partnership, held_on=day)


@pytest.fixture
def history(world, clock):
    """Two plans, written over a year:

    * 10 April 2023: plan 1 with A (not started), B, C, E (on track), D (at risk), F (complete);
    * 1 May 2023: plan 1 agreed;
    * 1 September 2023: E completed in plan 1; 1 October 2023: D withdrawn from plan 1;
    * 15 January 2024: plan 2 started: A, B and C carried (E and F complete, D withdrawn);
    * 1 February 2024: H added to plan 2, and I added and completed;
    * 1 March 2024: B completed, C withdrawn, A at risk (in plan 2);
    * 10 April 2024: plan 2 agreed, plan 1 superseded.
    """
    a, by = world.partnership_a, world.member_a
    cast = cast_of(a, "Manchester")
    clock(dt.date(2023, 4, 10))
    first = actions_plan.start_plan(partnership=a, title="Plan 2023",
                                    starts_on=dt.date(2023, 4, 1), ends_on=dt.date(2026, 3, 31),
                                    by=by)
    old = {key: add(first, cast, title, by, status=status) for key, title, status in (
        ("A", "A keep going", None), ("B", "B finish", "on_track"),
        ("C", "C withdraw later", "on_track"), ("D", "D withdraw early", "at_risk"),
        ("E", "E finish early", "on_track"), ("F", "F done already", "complete"))}
    clock(dt.date(2023, 5, 1))
    actions_plan.agree_plan(plan=first, meeting=meeting(a, dt.date(2023, 5, 1)), by=world.sro_a)
    clock(dt.date(2023, 9, 1))
    actions_plan.set_status(action=old["E"], status="complete", commentary="", by=by)
    clock(dt.date(2023, 10, 1))
    actions_plan.withdraw_action(action=old["D"], reason="Funding ended", by=by)
    clock(dt.date(2024, 1, 15))
    second = actions_plan.start_plan(partnership=a, title="Plan 2024",
                                     starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2027, 3, 31),
                                     by=by)
    new = {a.title[0]: a for a in second.actions.all()}
    assert sorted(new) == ["A", "B", "C"]
    clock(dt.date(2024, 2, 1))
    new["H"] = add(second, cast, "H new", by)
    new["I"] = add(second, cast, "I new and done", by, status="complete")
    clock(dt.date(2024, 3, 1))
    actions_plan.set_status(action=new["B"], status="complete", commentary="", by=by)
    actions_plan.withdraw_action(action=new["C"], reason="Merged with H", by=by)
    actions_plan.set_status(action=new["A"], status="at_risk", commentary="", by=by)
    clock(dt.date(2024, 4, 10))
    actions_plan.agree_plan(plan=second, meeting=meeting(a, dt.date(2024, 4, 10)),
                            by=world.sro_a)
    return first, second, old, new


def rows(changes) -> list[tuple]:
    return [(c.title, c.then_status, c.now_status, c.note) for c in changes]


def test_against_the_plan_a_year_before(history):
    first, second, old, new = history
    found = compare(second, dt.date(2023, 6, 1))
    assert found.earlier.pk == first.pk and found.earlier.status == Plan.Status.AGREED
    assert rows(found.added) == [("H new", None, "not_started", ""),
                                 ("I new and done", None, "complete", "")]
    assert rows(found.completed) == [
        ("B finish", "on_track", "complete", ""),
        ("E finish early", "on_track", "complete", "Completed in the earlier plan"),
        ("I new and done", None, "complete", "")]
    assert rows(found.dropped) == [
        ("C withdraw later", "on_track", None, "Withdrawn: Merged with H"),
        ("D withdraw early", "at_risk", None, "Withdrawn: Funding ended")]
    assert rows(found.changed) == [("A keep going", "not_started", "at_risk", "")]
    # Each links to the action as it is now: this plan's, or the earlier plan's.
    assert found.dropped[1].action == old["D"] and found.changed[0].action == new["A"]


def test_the_earlier_plan_is_taken_as_it_stood_on_the_day(history):
    """On 15 February 2024 plan 2 was a draft and plan 1 in force, E already complete and D
    withdrawn: E is not completed again and D not dropped again."""
    first, second, _old, _new = history
    found = compare(second, dt.date(2024, 2, 15))
    assert found.earlier.pk == first.pk
    assert [c.title for c in found.added] == ["H new", "I new and done"]
    assert [c.title for c in found.completed] == ["B finish", "I new and done"]
    assert [c.title for c in found.dropped] == ["C withdraw later"]
    assert rows(found.changed) == [("A keep going", "not_started", "at_risk", "")]


def test_a_day_before_any_plan_makes_every_live_action_new(history):
    _first, second, _old, _new = history
    found = compare(second, dt.date(2023, 1, 1))
    assert found.earlier is None
    assert [c.title for c in found.added] == ["A keep going", "B finish", "H new",
                                              "I new and done"]
    assert [c.title for c in found.completed] == ["B finish", "I new and done"]
    assert found.dropped == [] and found.changed == []


def test_the_plan_in_force_is_the_agreed_one_else_the_draft(history, world):
    first, second, _old, _new = history
    a = world.partnership_a.pk
    assert plan_in_force(a, dt.datetime(2023, 4, 20, 12, tzinfo=LONDON)).status == "draft"
    assert plan_in_force(a, dt.datetime(2024, 2, 1, 12, tzinfo=LONDON)).pk == first.pk
    assert plan_in_force(a, dt.datetime(2024, 5, 1, 12, tzinfo=LONDON)).pk == second.pk


def test_an_open_action_not_carried_into_the_later_plan_is_dropped(world, clock):
    a, by = world.partnership_a, world.member_a
    cast = cast_of(a, "Manchester")
    clock(dt.date(2023, 4, 10))
    first = actions_plan.start_plan(partnership=a, starts_on=dt.date(2023, 4, 1),
                                    ends_on=dt.date(2026, 3, 31), by=by)
    left = add(first, cast, "Left behind", by, status="on_track")
    actions_plan.agree_plan(plan=first, meeting=meeting(a, dt.date(2023, 4, 10)), by=by)
    clock(dt.date(2024, 4, 10))
    # A plan written afresh (not started from the one in force): nothing carried.
    second = Plan.objects.create(partnership=a, starts_on=dt.date(2024, 4, 1),
                                 ends_on=dt.date(2027, 3, 31))
    found = compare(second, dt.date(2023, 6, 1))
    assert rows(found.dropped) == [("Left behind", "on_track", None,
                                    "Not carried into this plan")]
    assert found.dropped[0].action == left
    assert found.added == found.completed == found.changed == []


def test_the_page_and_its_downloads(client, history, world, clock):
    _first, second, _old, _new = history
    clock(dt.date(2024, 6, 1))
    sign_in(client, world.adviser)
    url = reverse("partnerships:plan-compare", args=[world.partnership_a.slug, second.pk])
    page = client.get(url)  # a year before 1 June 2024
    assert page.context["on"] == dt.date(2023, 6, 1)
    html = page.content.decode()
    assert "Actions added (2)" in html and "Actions dropped (2)" in html
    assert "Withdrawn: Merged with H" in html
    chosen = client.get(url, {"on_0": "15", "on_1": "2", "on_2": "2024"})
    assert chosen.context["on"] == dt.date(2024, 2, 15)
    assert "Actions dropped (1)" in chosen.content.decode()
    future = client.get(url, {"on_0": "1", "on_1": "1", "on_2": "2030"})
    assert "Enter a date that is today or in the past." in future.content.decode()

    download = reverse("partnerships:plan-compare-download",
                       args=[world.partnership_a.slug, second.pk, "csv"])
    text = client.get(download, {"on": "2023-06-01"}).content.decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) == 1 + 2 + 3 + 2 + 1
    assert sum(",Dropped," in line for line in lines) == 2
    only = client.get(download, {"on": "2023-06-01", "list": "changed"})
    body = only.content.decode("utf-8-sig").splitlines()
    assert len(body) == 2 and "A keep going" in body[1] and "Changed status" in body[1]
    assert "year-on-year-changed.csv" in only["Content-Disposition"]
