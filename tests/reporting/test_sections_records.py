"""The report's sections built from the register and the planning records
(``reporting/sections_records.py``): each as at the data date, as plain data, and rendered."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from cdphub.geography.models import Area
from cdphub.partnerships.models import (
    Appointment,
    Coverage,
    Decision,
    Meeting,
    MilestoneCompletion,
    Organisation,
    Person,
    Position,
    SubGroup,
)
from cdphub.planning.models import (
    Assessment,
    Finding,
    FrameworkMetric,
    Plan,
    PlanAction,
    Priority,
    QuarterlyUpdate,
)
from cdphub.reporting import build, render, sections_records
from cdphub.reporting.models import Report
from cdphub.reporting.years import ReportingYear

D = dt.date
YEAR = ReportingYear(2024)
AS_AT = D(2025, 3, 31)
KEYS = ["requirements", "structure", "needs_assessment", "delivery_plan",
        "performance_framework", "meetings"]


def _appoint(p, name, sector, start, end=None, position=Position.CORE_MEMBER, org=None, **extra):
    organisation = Organisation.objects.get_or_create(name=org or f"{name}'s organisation")[0]
    person = Person.objects.create(partnership=p, full_name=name, organisation=organisation)
    Appointment.objects.create(partnership=p, person=person, position=position, sector=sector,
                               start_date=start, end_date=end, **extra)
    return person


@pytest.fixture
def records(world):
    p = world.partnership_a
    Coverage.objects.create(partnership=p, area=Area.objects.get(code="E08000003"),
                            valid_from=D(2022, 8, 1))
    sro = _appoint(p, "Sam Reed", "local_authority_officials", D(2022, 6, 1),
                   position=Position.SRO, org="Manchester City Council")
    police = _appoint(p, "Pat Cole", "police", D(2022, 1, 1), org="Greater Manchester Police")
    nhs = _appoint(p, "Nia Hart", "nhs", D(2022, 1, 1), end=D(2024, 6, 30), org="NHS GM")
    _appoint(p, "Later Lee", "probation", D(2025, 5, 1), org="Probation Service")
    MilestoneCompletion.objects.create(partnership=p, milestone_key="needs_assessment",
                                       completed_on=D(2023, 1, 20), evidence="JNA signed off")
    MilestoneCompletion.objects.create(partnership=p, milestone_key="performance_framework",
                                       completed_on=D(2025, 6, 1), evidence="Too late")
    # meetings: two in the year, one withdrawn, one after the data date, one the year before
    first = Meeting.objects.create(partnership=p, held_on=D(2024, 5, 10), title="Board May")
    first.attendees.set([sro, police, nhs])
    Decision.objects.create(meeting=first, text="Agree the plan")
    Decision.objects.create(meeting=first, text="Set up a sub-group")
    second = Meeting.objects.create(partnership=p, held_on=D(2024, 11, 12), title="Board November")
    second.attendees.set([police, nhs])  # nhs's appointment ended in June: not counted
    withdrawn = Meeting.objects.create(partnership=p, held_on=D(2025, 1, 9), title="Wrong board",
                                       withdrawn_at=timezone.now())
    withdrawn.attendees.set([sro])
    Meeting.objects.create(partnership=p, held_on=D(2025, 4, 9), title="Board April")
    Meeting.objects.create(partnership=p, held_on=D(2024, 3, 1), title="Board March 2024")
    treatment = SubGroup.objects.create(partnership=p, name="Treatment group", chair=police)
    SubGroup.objects.create(partnership=p, name="Naloxone task group", reports_to=treatment)
    # the needs assessment and the priorities it led to
    assessment = Assessment.objects.create(partnership=p, title="Joint needs assessment 2023",
                                           status=Assessment.Status.SIGNED_OFF,
                                           signed_off_on=D(2023, 1, 20))
    finding = Finding.objects.create(assessment=assessment, section_key="services_delivered",
                                     statement="Too few people in treatment",
                                     severity=Finding.Severity.HIGH)
    priority = Priority.objects.create(partnership=p, title="More people in treatment",
                                       finding=finding)
    other = Priority.objects.create(partnership=p, title="Cut supply")
    Assessment.objects.create(partnership=p, title="Joint needs assessment 2025",
                              status=Assessment.Status.SIGNED_OFF, signed_off_on=D(2025, 5, 1))
    # the plan in force, and its actions
    meeting_agreed = Meeting.objects.create(partnership=p, held_on=D(2024, 4, 18),
                                            title="Board April 2024")
    plan = Plan.objects.create(partnership=p, starts_on=D(2024, 4, 1), ends_on=D(2027, 3, 31),
                               status=Plan.Status.AGREED, agreed_on=D(2024, 4, 18),
                               agreed_at_meeting=meeting_agreed)
    Plan.objects.create(partnership=p, starts_on=D(2022, 4, 1), ends_on=D(2024, 3, 31),
                        status=Plan.Status.SUPERSEDED, agreed_on=D(2022, 6, 1),
                        superseded_on=D(2024, 4, 18), title="Old plan")
    org = Organisation.objects.get(name="Manchester City Council")

    def act(title, commitments, prio=priority, **extra):
        extra.setdefault("starts_on", D(2024, 4, 1))
        extra.setdefault("due_on", D(2026, 3, 31))
        return PlanAction.objects.create(plan=plan, priority=prio, title=title,
                                         commitments=commitments, lead_organisation=org,
                                         owner=sro, **extra)

    act("Open a hub", ["treatment_services"], status="complete", completed_on=D(2024, 9, 30))
    at_risk = act("Recruit workers", ["treatment_services"], status="on_track")
    QuarterlyUpdate.objects.create(action=at_risk, quarter_start=D(2024, 10, 1),
                                   status="at_risk", text="Slipping")
    QuarterlyUpdate.objects.create(action=at_risk, quarter_start=D(2025, 4, 1),
                                   status="on_track", text="Better (after the data date)")
    act("Close a route", ["supply_county_lines"], prio=other, status="on_track",
        due_on=D(2024, 12, 31))
    act("Finish later", ["supply_county_lines"], prio=other, status="complete",
        completed_on=D(2025, 5, 1))
    act("Withdrawn", ["treatment_services"],
        withdrawn_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    act("Withdrawn later", ["treatment_services"], status="on_track",
        withdrawn_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    FrameworkMetric.objects.create(partnership=p, metric=_local_metric(p))
    return p


def _local_metric(p):
    from cdphub.outcomes.models import Metric
    return Metric.objects.create(
        key="gm-local", kind="local", partnership=p, outcome="reduce_deaths_harm",
        name="People starting treatment (local)", definition="Local.", source="Local",
        geography="utla", frequency="quarterly", period_type="quarter", method="count",
        polarity="high")


def _data(p, key):
    built = sections_records.BUILDERS[key](p, YEAR, AS_AT)
    assert json.loads(json.dumps(built)) == built
    assert built["key"] == key and built["sources"]["as_at"] == "2025-03-31"
    return built["data"]


def test_requirements_give_dates_met_and_a_summary(records):
    data = _data(records, "requirements")
    rows = {row["key"]: row for row in data["milestones"]}
    assert rows["sro_nominated"]["completed_on"] == "2022-06-01"
    assert "Sam Reed" in rows["sro_nominated"]["evidence"]
    assert rows["needs_assessment"]["completed_on"] == "2023-01-20"
    assert rows["needs_assessment"]["evidence"] == "JNA signed off"
    assert rows["needs_assessment"]["next_due_on"] == "2026-01-20"  # three years on
    assert rows["sro_nominated"]["next_due_on"] is None
    # completed after the data date: not met as at then
    assert rows["performance_framework"]["met"] is False
    assert rows["performance_framework"]["completed_on"] is None
    assert data["met"] == sum(1 for r in data["milestones"] if r["met"])
    assert data["summary"].startswith(f"{data['met']} of {data['total']} milestones met")


def test_structure_is_as_at_the_data_date(records):
    data = _data(records, "structure")
    assert data["authorities"] == [{"name": "Manchester", "code": "E08000003",
                                    "type": data["authorities"][0]["type"]}]
    assert data["sro"]["name"] == "Sam Reed"
    assert data["sro"]["organisation"] == "Manchester City Council"
    sectors = {s["key"]: s for s in data["core"]["sectors"]}
    assert sectors["police"]["represented"]
    assert not sectors["nhs"]["represented"]  # her appointment ended before the data date
    assert not sectors["probation"]["represented"]  # appointed after it
    assert data["core"]["total"] == 10
    assert "NHS" in " ".join(data["core"]["missing"])
    groups = {g["name"]: g for g in data["sub_groups"]}
    assert groups["Naloxone task group"]["reports_to"] == "Treatment group"
    assert groups["Treatment group"]["chair"] == "Pat Cole"
    tree = data["governance"]["groups"]
    assert [g["name"] for g in tree] == ["Treatment group"]
    assert [c["name"] for c in tree[0]["children"]] == ["Naloxone task group"]


def test_sub_groups_carry_the_date_cdphub_recorded_them(records):
    data = _data(records, "structure")
    today = timezone.now().date().isoformat()
    assert {g["recorded_on"] for g in data["sub_groups"]} == {today}


def test_needs_assessment_is_the_latest_signed_off_by_the_data_date(records):
    data = _data(records, "needs_assessment")
    assert data["assessment"]["title"] == "Joint needs assessment 2023"
    assert data["assessment"]["signed_off_on"] == "2023-01-20"
    assert data["assessment"]["published"] is False
    statements = [f["statement"] for s in data["sections"] for f in s["findings"]]
    assert statements == ["Too few people in treatment"]
    assert data["sections"][0]["findings"][0]["severity"] == "high"
    linked = {p["title"]: p["finding"] for p in data["priorities"]}
    assert linked["More people in treatment"] == "Too few people in treatment"
    none = sections_records.needs_assessment(records, YEAR, D(2022, 12, 31))
    assert none["data"]["assessment"] is None


def _count(counts, status):
    return next(c["count"] for c in counts if c["status"] == status)


def test_delivery_plan_progress_as_at_the_data_date(records):
    data = _data(records, "delivery_plan")
    assert data["plan"]["agreed_on"] == "2024-04-18"
    assert data["plan"]["meeting"]["title"] == "Board April 2024"
    # withdrawn before the data date: left out; withdrawn after it: still counted
    assert data["actions"] == 5
    counts = data["counts"]
    assert _count(counts, "complete") == 1  # the other completes after the data date
    assert _count(counts, "at_risk") == 1  # from the update dated before the data date
    assert _count(counts, "on_track") == 3
    commitments = {c["key"]: c for g in data["by_commitment"] for c in g["commitments"]}
    assert len(commitments) == 15
    assert commitments["treatment_services"]["actions"] == 3
    assert _count(commitments["treatment_services"]["counts"], "complete") == 1
    assert commitments["supply_county_lines"]["actions"] == 2
    assert len(data["by_commitment"]) == 3
    priorities = {p["title"]: p for p in data["by_priority"]}
    assert priorities["More people in treatment"]["completed_in_year"] == 1
    assert priorities["Cut supply"]["overdue"] == 1
    assert priorities["Cut supply"]["completed_in_year"] == 0
    assert [a["title"] for a in data["completed"]] == ["Open a hub"]
    assert data["overdue"] == 1


def test_no_plan_in_force(records):
    built = sections_records.delivery_plan(records, YEAR, D(2022, 5, 1))
    assert built["data"]["plan"] is None
    old = sections_records.delivery_plan(records, YEAR, D(2023, 5, 1))
    assert old["data"]["plan"]["title"] == "Old plan"


def test_performance_framework_lists_the_metrics(records):
    data = _data(records, "performance_framework")
    [row] = data["metrics"]
    assert row["metric"] == "People starting treatment (local)"
    assert row["status"] == "no_data"
    assert row["latest_value"] is None


def test_meetings_and_attendance_by_sector(records):
    data = _data(records, "meetings")
    assert [m["title"] for m in data["meetings"]] == ["Board April 2024", "Board May",
                                                      "Board November"]
    assert data["count"] == 3
    may = data["meetings"][1]
    assert may["attendees"] == 3 and may["decisions"] == 2
    assert data["decisions"] == 2
    attended = {row["key"]: row["meetings"] for row in data["attendance"]}
    assert len(attended) == 10
    assert attended["police"] == 2
    assert attended["local_authority_officials"] == 1
    assert attended["nhs"] == 1  # November's attendance came after her appointment ended
    assert attended["probation"] == 0


def test_the_report_renders_every_section(records, world):
    report = Report.objects.create(partnership=records, year=2024, data_date=AS_AT)
    snapshot = build.build(report)
    assert json.loads(json.dumps(snapshot)) == snapshot
    keys = [s["key"] for s in snapshot["sections"]]
    assert set(KEYS) <= set(keys)
    body = render.render_body(snapshot)
    for text in ["milestones met by 31 March 2025", "Manchester (E08000003)", "Sam Reed",
                 "Too few people in treatment", "Open a hub", "People starting treatment",
                 "Board November", "Naloxone task group", "Actions by status",
                 "<caption>How many of the 3 meetings each core sector attended</caption>"]:
        assert text in body, text
    assert "Board April</td>" not in body and "Wrong board" not in body
    assert "<svg" in body
    assert render.render_pdf(snapshot).startswith(b"%PDF")  # the SVG chart and tables print


@pytest.fixture
def demo(shared_demo, db):
    return shared_demo


def test_a_demo_report_fills_every_section(demo, settings):
    from cdphub.partnerships.models import Partnership
    partnership = Partnership.objects.get(slug="greater-manchester")
    # 2025/26: the demo's needs assessments are signed off in 2025 and its plans agreed after
    report = Report(partnership=partnership, year=2025, data_date=D(2026, 3, 31))
    year = report.reporting_year
    built = {}
    for key in KEYS:
        section = sections_records.BUILDERS[key](partnership, year, report.data_date)
        assert json.loads(json.dumps(section)) == section
        built[key] = section["data"]
    assert built["requirements"]["met"] > 0
    assert built["structure"]["authorities"] and built["structure"]["sro"]
    assert built["needs_assessment"]["assessment"] is not None
    assert built["needs_assessment"]["sections"]
    assert built["delivery_plan"]["plan"] is not None and built["delivery_plan"]["actions"] > 0
    assert built["performance_framework"]["metrics"]
    assert built["meetings"]["meetings"]
    assert any(row["meetings"] for row in built["meetings"]["attendance"])
    assert sum(c["count"] for c in built["delivery_plan"]["counts"]) == \
        built["delivery_plan"]["actions"]
    report.save()
    body = render.render_body(build.build(report))
    assert "Attendance by sector" in body and "Progress by commitment" in body
