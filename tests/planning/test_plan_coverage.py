"""The coverage check (``plans.coverage`` and its page): every one of the 15 commitments with
the plan's live actions; a commitment with no action flagged; an action mapped to two
commitments counted under both; withdrawn actions not counted; active priorities with no
action listed."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse

from cdphub.framework import guidance
from cdphub.planning import plans
from cdphub.planning.models import Priority
from tests.conftest import sign_in
from tests.planning.plan_helpers import TODAY, a_plan, an_action, cast_of

pytestmark = pytest.mark.django_db

NO_ACTION = "No action: the guidance asks every plan to cover all 15 commitments"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


@pytest.fixture
def cast(world):
    return cast_of(world.partnership_a, "Manchester")


@pytest.fixture
def plan(world, cast):
    """Three live actions (one mapped to two commitments), one withdrawn, over 3 commitments."""
    plan = a_plan(world.partnership_a)
    an_action(plan, cast, "Outreach", commitments=["treatment_services", "supply_county_lines"],
              status="on_track")
    an_action(plan, cast, "Workforce", commitments=["treatment_services"], status="off_track")
    an_action(plan, cast, "Schools", commitments=["demand_school_prevention"])
    an_action(plan, cast, "Withdrawn", commitments=["supply_prisons"],
              withdrawn_at=dt.datetime(2024, 4, 20, tzinfo=dt.UTC), withdrawal_reason="No")
    return plan


def by_key(found) -> dict:
    return {entry.commitment.key: entry for entry in found.commitments}


def test_every_commitment_is_listed_with_its_live_actions(plan):
    found = plans.coverage(plan)
    assert [e.commitment.key for e in found.commitments] == [
        c.key for c in guidance().commitments]
    assert len(found.commitments) == 15
    entries = by_key(found)
    # The action mapped to two commitments counts under both.
    assert [a.title for a in entries["treatment_services"].actions] == ["Outreach", "Workforce"]
    assert [a.title for a in entries["supply_county_lines"].actions] == ["Outreach"]
    assert entries["treatment_services"].counts == {
        "not_started": 0, "on_track": 1, "at_risk": 0, "off_track": 1, "complete": 0}
    assert entries["treatment_services"].worst == "off_track"
    # The withdrawn action does not count: its commitment is not covered.
    assert entries["supply_prisons"].actions == [] and not entries["supply_prisons"].covered
    assert len(found.uncovered) == 12
    assert "supply_prisons" in {e.commitment.key for e in found.uncovered}


def test_priorities_with_no_action_are_listed(world, plan, cast):
    idle = Priority.objects.create(partnership=world.partnership_a, title="Naloxone for all")
    Priority.objects.create(partnership=world.partnership_a, title="Closed one",
                            status=Priority.Status.CLOSED)
    served_only_by_withdrawn = Priority.objects.create(partnership=world.partnership_a,
                                                       title="Prisons")
    an_action(plan, cast, "Gone", priority=served_only_by_withdrawn,
              withdrawn_at=dt.datetime(2024, 4, 20, tzinfo=dt.UTC), withdrawal_reason="No")
    Priority.objects.create(partnership=world.partnership_b, title="Berkshire's")
    assert [p.title for p in plans.coverage(plan).priorities_without_action] == [
        idle.title, served_only_by_withdrawn.title]


def test_the_page_flags_each_uncovered_commitment_and_sums_up(client, world, plan):
    Priority.objects.create(partnership=world.partnership_a, title="Naloxone for all")
    sign_in(client, world.adviser)
    page = client.get(reverse("partnerships:plan-coverage", args=[world.partnership_a.slug]))
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert "3 of 15 commitments covered; 12 have no action" in html
    assert html.count(NO_ACTION) == 12
    assert html.count('govuk-tag govuk-tag--red">No action<') == 12
    prisons = html.split('data-testid="commitment-supply_prisons"')[1].split(
        'data-testid="commitment-')[0]
    assert NO_ACTION in prisons and "Withdrawn" not in prisons
    services = html.split('data-testid="commitment-treatment_services"')[1].split(
        'data-testid="commitment-')[0]
    assert "Outreach" in services and "Workforce" in services and NO_ACTION not in services
    assert "On track: 1" in services and "Off track: 1" in services
    county = html.split('data-testid="commitment-supply_county_lines"')[1].split(
        'data-testid="commitment-')[0]
    assert "Outreach" in county
    without = html.split('data-testid="priorities-without-action"')[1].split("</ul>")[0]
    assert "Naloxone for all" in without
    # Grouped under the strategy's three priorities.
    for strategy in ("Break drug supply chains",
                     "Deliver a world-class treatment and recovery system",
                     "Achieve a generational shift in the demand for drugs"):
        assert f">{strategy}</h2>" in html
    assert page.context["plan_tab"] == "coverage"


def test_the_page_without_a_plan_says_so_and_flags_all_15(client, world):
    sign_in(client, world.member_a)
    html = unescape(client.get(reverse("partnerships:plan-coverage",
                                       args=[world.partnership_a.slug])).content.decode())
    assert "no delivery plan yet" in html
    assert "0 of 15 commitments covered; 15 have no action" in html
    assert html.count(NO_ACTION) == 15
    assert reverse("partnerships:plan-start", args=[world.partnership_a.slug]) in html


def test_another_plan_of_the_partnership_can_be_checked_but_not_anothers(client, world, plan,
                                                                         cast):
    other = a_plan(world.partnership_b)
    sign_in(client, world.member_a)
    url = reverse("partnerships:plan-coverage", args=[world.partnership_a.slug])
    assert client.get(f"{url}?plan={plan.pk}").status_code == 200
    assert client.get(f"{url}?plan={other.pk}").status_code == 404
