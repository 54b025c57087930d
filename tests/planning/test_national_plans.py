"""The national and regional view of delivery plans: the matrix of partnerships × the 15
commitments (each cell the number of live actions of the partnership's current plan and their
worst status), the summary, the region filter and a regional adviser's scope (the page and the
download), the downloads, and a fixed number of queries however many partnerships it shows."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cdphub.accounts.models import AuditEvent
from cdphub.framework import guidance
from cdphub.geography.models import Area
from cdphub.partnerships.models import Partnership
from cdphub.planning import plans
from cdphub.planning.models import Plan
from cdphub.planning.views_national import plan_matrix, summarise
from tests.conftest import sign_in
from tests.planning.registers_plan_data import plan_of

KEYS = [c.key for c in guidance().commitments]
PAGE = "/partnerships/plans/"


@pytest.fixture(autouse=True)
def today(settings):
    settings.CDPHUB_TODAY = "2024-05-01"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def plans_world(world):
    """A (North West): an agreed plan (and a newer draft, which the matrix does not show);
    C (North West): a draft only; B (South East): an agreed plan covering all 15; D (North
    West): no plan."""
    a, b = world.partnership_a, world.partnership_b
    north_west = a.region
    c = Partnership.objects.create(name="Cumbria CDP", slug="cumbria", region=north_west)
    d = Partnership.objects.create(name="Lancashire CDP", slug="lancashire", region=north_west)
    agreed = plan_of(a, actions=[
        (["treatment_services"], "on_track"),
        (["treatment_services", "supply_money"], "off_track"),
        (["treatment_services"], "complete"),
        (["supply_money"], "at_risk"),
        (["demand_school_prevention"], "not_started"),
        (["supply_prisons"], "off_track")])
    # A withdrawn action of the agreed plan does not count, nor a superseded plan's.
    agreed.actions.filter(title__startswith="Action 6 ").update(
        withdrawn_at=dt.datetime(2024, 4, 2, tzinfo=dt.UTC))
    plan_of(a, status=Plan.Status.SUPERSEDED, starts_on=dt.date(2021, 4, 1),
            actions=[(["supply_prisons"], "off_track")])
    plan_of(a, status=Plan.Status.DRAFT, starts_on=dt.date(2025, 4, 1), actions=[
        (["supply_prisons"], "on_track")])
    plan_of(c, status=Plan.Status.DRAFT, actions=[(["treatment_workforce"], "at_risk")])
    plan_of(b, actions=[(KEYS, "on_track")])
    return {"a": a, "b": b, "c": c, "d": d}


def cell(rows, partnership, key):
    row = next(r for r in rows if r.partnership == partnership)
    return next(c for c in row.cells if c.commitment.key == key)


def test_each_cell_counts_the_current_plans_live_actions_with_their_worst_status(plans_world):
    p = plans_world
    rows = plan_matrix(Partnership.objects.order_by("name"))
    assert [r.partnership.slug for r in rows] == ["berkshire-west", "cumbria",
                                                  "greater-manchester", "lancashire"]
    a = p["a"]
    assert (cell(rows, a, "treatment_services").count,
            cell(rows, a, "treatment_services").worst) == (3, "off_track")
    assert (cell(rows, a, "supply_money").count, cell(rows, a, "supply_money").worst) == (
        2, "off_track")
    assert (cell(rows, a, "demand_school_prevention").count,
            cell(rows, a, "demand_school_prevention").worst_label) == (1, "Not started")
    # The withdrawn action and the newer draft's action are not counted.
    assert (cell(rows, a, "supply_prisons").count, cell(rows, a, "supply_prisons").worst,
            cell(rows, a, "supply_prisons").worst_label) == (0, None, "No action")
    row_a = next(r for r in rows if r.partnership == a)
    assert (row_a.plan.status, row_a.covered, row_a.plan_status) == ("agreed", 3, "Agreed")
    row_c = next(r for r in rows if r.partnership == p["c"])
    assert (row_c.plan_status, row_c.covered) == ("Draft", 1)
    assert cell(rows, p["c"], "treatment_workforce").worst_label == "At risk"
    row_d = next(r for r in rows if r.partnership == p["d"])
    assert (row_d.plan, row_d.plan_status, row_d.covered) == (None, "No plan", 0)
    assert next(r for r in rows if r.partnership == p["b"]).covered == 15
    # The plan chosen is the one plans.current_plan chooses.
    for row in rows:
        assert row.plan == plans.current_plan(row.partnership)


def test_the_summary(plans_world):
    summary = summarise(plan_matrix(Partnership.objects.order_by("name")))
    assert (summary.shown, summary.agreed, summary.draft_only, summary.no_plan,
            summary.all_covered) == (4, 2, 1, 1, 1)
    # Every commitment but the few A and C cover is uncovered by 3 of the 4 (C, D and A, or
    # A, D and C); those covered by one of them by 2. Box 6's order breaks ties.
    assert [(c.key, n) for c, n in summary.most_uncovered] == [
        ("supply_middle_market", 3), ("supply_county_lines", 3), ("supply_retail_market", 3)]


def matrix_rows(response) -> dict[str, str]:
    page = text(response)
    rows = re.findall(r'<tr class="govuk-table__row" data-partnership="([^"]+)">(.*?)</tr>',
                      page, re.S)
    return {slug: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
            for slug, body in rows}


def matrix_cell(response, slug, key) -> str:
    page = text(response)
    row = re.search(rf'data-partnership="{slug}">(.*?)</tr>', page, re.S).group(1)
    body = re.search(rf'data-commitment="{key}">(.*?)</td>', row, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def test_central_users_see_every_partnership(client, world, plans_world):
    sign_in(client, world.central_analyst)
    response = client.get(PAGE)
    assert response.status_code == 200
    rows = matrix_rows(response)
    assert list(rows) == ["berkshire-west", "cumbria", "greater-manchester", "lancashire"]
    assert matrix_cell(response, "greater-manchester", "treatment_services") == \
        "3 actions, worst: Off track"
    assert 'class="govuk-tag govuk-tag--red">Off track' in text(response)
    assert matrix_cell(response, "greater-manchester", "supply_prisons") == "No action"
    assert matrix_cell(response, "lancashire", "supply_money") == "No action"
    assert rows["greater-manchester"].startswith(
        "Greater Manchester CDP North West Agreed 2024 to 2027 1 April 2024 3/15")
    assert rows["cumbria"].startswith("Cumbria CDP North West Draft 2024 to 2027 — 1/15")
    assert rows["lancashire"].startswith("Lancashire CDP North West No plan — 0/15")
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response).split(
        'data-testid="summary"')[1].split("</div>")[0]))
    assert "4 partnerships shown: 2 with an agreed plan, 1 with a draft plan only, 1 with no " \
           "plan. 1 covers all 15 commitments." in summary
    assert "Targeting the 'middle market': 3 of 4 partnerships" in summary
    # Commitments grouped under the strategy's three priorities.
    page = text(response)
    for priority, span in (("Break drug supply chains", 5),
                           ("Deliver a world-class treatment and recovery system", 7),
                           ("Achieve a generational shift in the demand for drugs", 3)):
        assert f'scope="colgroup" colspan="{span}" class="govuk-table__header">{priority}' \
            in page


def test_the_region_filter(client, world, plans_world):
    sign_in(client, world.central_admin)
    response = client.get(PAGE + "?region=E12000008")
    assert list(matrix_rows(response)) == ["berkshire-west"]
    response = client.get(PAGE + "?region=E12000001")  # North East: none here
    assert matrix_rows(response) == {}
    assert "There are no partnerships in North East." in text(response)


def test_a_regional_adviser_sees_only_their_region(client, world, plans_world):
    sign_in(client, world.adviser)
    response = client.get(PAGE)
    assert list(matrix_rows(response)) == ["cumbria", "greater-manchester", "lancashire"]
    assert "Berkshire West" not in text(response)
    assert 'value="E12000008"' not in text(response)  # not offered in the region filter
    response = client.get(PAGE + "?region=E12000008")
    assert matrix_rows(response) == {}
    assert "You cannot see the partnerships in South East." in text(response)
    rows = download_rows(client, "")
    assert {r["Partnership code"] for r in rows} == {"cumbria", "greater-manchester",
                                                     "lancashire"}
    assert download_rows(client, "?region=E12000008") == []


def test_partnership_members_may_not_see_it(client, world, plans_world):
    sign_in(client, world.member_a)
    assert client.get(PAGE).status_code == 403
    assert client.get(reverse("partnerships:national-plans-download",
                              args=["csv"])).status_code == 403


def download_rows(client, query: str) -> list[dict]:
    response = client.get(reverse("partnerships:national-plans-download", args=["csv"]) + query)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_download_has_a_row_per_partnership_and_commitment(client, world, plans_world):
    sign_in(client, world.central_analyst)
    rows = download_rows(client, "")
    assert len(rows) == 4 * 15
    gm = {r["Commitment code"]: r for r in rows if r["Partnership code"] == "greater-manchester"}
    assert list(gm) == KEYS
    services = gm["treatment_services"]
    assert (services["Partnership"], services["Region"], services["Region code"],
            services["Plan status"], services["Plan start"], services["Agreed on"],
            services["Strategy priority"], services["Commitment"],
            services["Number of actions"], services["Worst status"],
            services["Commitments covered by the plan"]) == (
        "Greater Manchester CDP", "North West", "E12000002", "Agreed", "2024-04-01",
        "2024-04-01", "Deliver a world-class treatment and recovery system",
        "Delivering world-class treatment and recovery services", "3", "Off track", "3")
    assert (gm["supply_prisons"]["Number of actions"], gm["supply_prisons"]["Worst status"]) \
        == ("0", "No action")
    lancashire = next(r for r in rows if r["Partnership code"] == "lancashire")
    assert (lancashire["Plan status"], lancashire["Plan start"], lancashire["Agreed on"]) == (
        "No plan", "", "")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT,
                                     actor_id=world.central_analyst.pk).count() == 1

    response = client.get(reverse("partnerships:national-plans-download", args=["xlsx"])
                          + "?region=E12000008")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Delivery plans"]
    assert sheet.max_row == 1 + 15
    assert {sheet.cell(row=r, column=1).value for r in range(2, 17)} == {"Berkshire West CDP"}
    about = {row[0].value: row[1].value for row in book["About"].iter_rows() if row[0].value}
    assert about["Filter: Region"] == "E12000008"
    assert client.get(reverse("partnerships:national-plans-download",
                              args=["pdf"])).status_code == 404


def _more_partnerships(count: int):
    regions = list(Area.objects.filter(area_type="region").order_by("code"))
    for index in range(count):
        partnership = Partnership.objects.create(
            name=f"Partnership {index:02d}", slug=f"partnership-{index:02d}",
            region=regions[index % len(regions)])
        if index % 3 == 0:
            plan_of(partnership, actions=[(KEYS[:5], "on_track"), (KEYS[3:9], "at_risk")])
        elif index % 3 == 1:
            plan_of(partnership, status=Plan.Status.DRAFT,
                    actions=[(KEYS[10:], "off_track")])


def test_the_page_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    """3 partnerships, then 10: no more queries (the plans and actions are read once for
    all the partnerships, not once each)."""
    sign_in(client, world.central_analyst)
    _more_partnerships(1)  # with A and B: 3 partnerships
    client.get(PAGE)  # (the session and memberships, read once however many there are)
    with CaptureQueriesContext(connection) as three:
        response = client.get(PAGE)
    assert len(matrix_rows(response)) == 3
    _more_partnerships_from = Partnership.objects.count()
    for index in range(7):
        partnership = Partnership.objects.create(
            name=f"More {index}", slug=f"more-{index}", region=world.partnership_a.region)
        plan_of(partnership, actions=[(KEYS[index:index + 2], "on_track")])
    assert Partnership.objects.count() == _more_partnerships_from + 7 == 10
    with django_assert_max_num_queries(len(three)):
        response = client.get(PAGE)
    assert len(matrix_rows(response)) == 10
    with django_assert_max_num_queries(len(three) + 1):  # (+1: the audit event)
        rows = download_rows(client, "")
    assert len(rows) == 10 * 15


def test_the_partnerships_page_links_to_it_for_central_users_and_advisers(client, world):
    for user, shown in ((world.central_analyst, True), (world.adviser, True),
                        (world.member_a, False)):
        sign_in(client, user)
        page = text(client.get(reverse("partnerships:list")))
        assert ('href="/partnerships/plans/">Delivery plans of every partnership' in page) \
            is shown
