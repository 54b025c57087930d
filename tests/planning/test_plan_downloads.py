"""The delivery plan's downloads: the plan's actions (one row per action, every field), the
coverage check (one row per commitment and action, one per uncovered commitment), each as CSV
and XLSX, each an export in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cdphub.accounts.models import AuditEvent
from cdphub.planning.models import ActionMilestone, QuarterlyUpdate
from tests.conftest import sign_in
from tests.planning.plan_helpers import TODAY, a_plan, an_action, cast_of, national_metric

pytestmark = pytest.mark.django_db

A = "greater-manchester"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


@pytest.fixture
def plan(world):
    cast = cast_of(world.partnership_a, "Manchester")
    plan = a_plan(world.partnership_a, title="Plan 2024")
    main = an_action(plan, cast, "Outreach", commitments=["supply_county_lines",
                                                          "treatment_services"],
                     status="at_risk", commentary="Slow", funding_stream=cast.funding,
                     meeting=cast.meeting, due_on=dt.date(2024, 4, 30),
                     starts_on=dt.date(2023, 10, 1))
    main.metrics.set([cast.local_metric, national_metric()])
    ActionMilestone.objects.create(action=main, title="Lease", due_on=dt.date(2024, 7, 1),
                                   done_on=dt.date(2024, 4, 2))
    QuarterlyUpdate.objects.create(action=main, quarter_start=dt.date(2023, 10, 1),
                                   status="on_track", text="Older")
    QuarterlyUpdate.objects.create(action=main, quarter_start=dt.date(2024, 1, 1),
                                   status="at_risk", text="Newest")
    an_action(plan, cast, "Gone", withdrawn_at=dt.datetime(2024, 4, 20, tzinfo=dt.UTC),
              withdrawal_reason="Duplicate")
    return plan


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_plans_actions_one_row_each_with_every_field(client, world, plan):
    sign_in(client, world.adviser)
    rows = csv_rows(client.get(reverse("partnerships:plan-download", args=[A, plan.pk, "csv"])))
    assert [r["Action"] for r in rows] == ["Outreach", "Gone"]
    row = rows[0]
    assert row["Partnership code"] == A and row["Plan"] == "Plan 2024"
    assert row["National commitments"] == ("Rolling up county lines; Delivering world-class "
                                           "treatment and recovery services")
    assert sorted(row["Metrics"].split("; ")) == ["A national metric", "Manchester local metric"]
    assert (row["Priority"], row["Lead organisation"], row["Owner"]) == (
        "Manchester priority", "Manchester council", "Manchester owner")
    assert (row["Start date"], row["Due date"], row["Overdue"]) == ("2023-10-01", "2024-04-30",
                                                                   "yes")
    assert (row["Status"], row["Status commentary"]) == ("At risk", "Slow")
    assert row["Funding stream"].startswith("Manchester grant")
    assert (row["Agreed at meeting"], row["Meeting date"]) == ("Manchester board", "2024-04-18")
    assert row["Milestones"] == "Lease (due 2024-07-01, done 2024-04-02)"
    assert (row["Latest update quarter"], row["Latest update status"],
            row["Latest update"]) == ("2023-24 Q4", "At risk", "Newest")
    assert row["Link"].endswith(reverse("partnerships:plan-action", args=[A, plan.actions.get(
        title="Outreach").pk]))
    assert rows[1]["Reason for withdrawing it"] == "Duplicate" and rows[1]["Withdrawn at"]
    assert rows[0]["Withdrawn at"] == ""
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert event.partnership_id == world.partnership_a.pk and "CSV" in event.target


def test_the_plans_actions_as_a_workbook(client, world, plan):
    sign_in(client, world.member_a)
    response = client.get(reverse("partnerships:plan-download", args=[A, plan.pk, "xlsx"]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Actions", "About"]
    sheet = book["Actions"]
    assert sheet.max_row == 3
    headings = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=headings.index("Action") + 1).value == "Outreach"
    assert "XLSX" in AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT).target


def test_the_coverage_check_one_row_per_commitment_and_action(client, world, plan):
    sign_in(client, world.member_a)
    rows = csv_rows(client.get(reverse("partnerships:plan-coverage-download", args=[A, "csv"])))
    # 15 commitments: 2 with the one live action, 13 with a row saying they are not covered.
    assert len(rows) == 15
    covered = [r for r in rows if r["Covered"] == "yes"]
    assert [(r["Commitment key"], r["Action"]) for r in covered] == [
        ("supply_county_lines", "Outreach"), ("treatment_services", "Outreach")]
    uncovered = [r for r in rows if r["Covered"] == "no"]
    assert len(uncovered) == 13 and all(r["Action"] == "" for r in uncovered)
    assert all(r["Actions for the commitment"] == "0" for r in uncovered)
    assert "Gone" not in {r["Action"] for r in rows}
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).count() == 1


def test_a_format_other_than_csv_or_xlsx_is_not_found(client, world, plan):
    sign_in(client, world.member_a)
    assert client.get(reverse("partnerships:plan-download",
                              args=[A, plan.pk, "pdf"])).status_code == 404
    assert client.get(reverse("partnerships:plan-coverage-download",
                              args=[A, "json"])).status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).exists()
