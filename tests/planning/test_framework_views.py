"""The performance framework's pages: the framework with each metric's progress in words,
a metric's page with its chart, the downloads, the forms (and what they refuse when posted
another partnership's records), the agreement, and the note beside the metric on the
outcomes overview, which follows the framework even with the overview's cache warm."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cdphub.geography.models import Area
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import Metric
from cdphub.partnerships.models import Coverage, Meeting, MilestoneCompletion, Person
from cdphub.planning import actions_framework as actions
from cdphub.planning.actions_framework import TargetRow
from cdphub.planning.models import FrameworkMetric, TargetPoint
from tests.conftest import sign_in
from tests.outcomes.test_dashboard import value

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 9, 1)
SVG = "{http://www.w3.org/2000/svg}"


def year(start: int) -> tuple[dt.date, dt.date, str]:
    return dt.date(start, 4, 1), dt.date(start + 1, 3, 31), f"{start}/{str(start + 1)[2:]}"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


@pytest.fixture
def setup(world):
    """Partnership A's numbers in treatment: 2,200 in 2022/23, 2,300 in 2023/24, 2,310 in
    2024/25 (and the same for B, whose figures A's pages must not take); a person of A to
    own metrics and one of B."""
    sync_catalogue()
    a = world.partnership_a
    Coverage.objects.create(partnership=a, area=Area.objects.get(code="E08000003"),
                            valid_from=dt.date(2019, 1, 1))
    treatment = Metric.objects.get(key="numbers_in_treatment")
    england = Area.objects.get(code="E92000001")
    for start, count in ((2022, 2200.0), (2023, 2300.0), (2024, 2310.0)):
        value(treatment, partnership=a, period=year(start), v=count, numerator=count,
              lower_95=None, upper_95=None)
        value(treatment, partnership=world.partnership_b, period=year(start), v=9.0)
        value(treatment, area=england, period=year(start), v=300_000.0)
    world.treatment = treatment
    world.owner = Person.objects.create(partnership=a, full_name="Ada Owner",
                                        job_title="Commissioner")
    world.stranger = Person.objects.create(partnership=world.partnership_b,
                                           full_name="Bea Other")
    return world


@pytest.fixture
def framed(setup):
    """Numbers in treatment in A's framework: baseline 2022/23 (2,200), targets 2,420 by
    31 March 2025 and 2,640 by 31 March 2027."""
    item = actions.add_metric(partnership=setup.partnership_a, metric=setup.treatment,
                              owner=setup.owner, frequency="annual", by=setup.member_a)
    start, end, _ = year(2022)
    actions.set_baseline(item=item, period_start=start, period_end=end, by=setup.member_a)
    actions.set_targets(item=item, rows=[TargetRow(1, dt.date(2025, 3, 31), "2420"),
                                         TargetRow(2, dt.date(2027, 3, 31), "2640")],
                        by=setup.member_a)
    setup.item = item
    return setup


def url(name, world, *args):
    return reverse(f"partnerships:{name}", args=[world.partnership_a.slug, *args])


def test_the_framework_page_shows_each_metric_with_its_progress_in_words(client, framed):
    sign_in(client, framed.member_a)
    page = client.get(url("plan-framework", framed))
    assert page.status_code == 200
    html = page.content.decode()
    row = html[html.index('data-framework-metric="numbers_in_treatment"'):]
    row = row[:row.index("</tr>")]
    assert "Ada Owner" in row and "Annually" in row
    assert "2,200 people (2022/23)" in row
    assert "2,420 people by 31 March 2025; 2,640 people by 31 March 2027" in row
    assert "2,310 people (2024/25)" in row
    # 2024/25 ends on 31 March 2025, the first target's date: 2,420 is expected; 2,310 is
    # below it and higher is better.
    assert "Off track" in row
    assert ("2,310 people in 2024/25 against 2,420 people expected on the trajectory to "
            "2,640 people by March 2027") in row
    assert "How progress is judged" in html
    assert 'aria-current="page">Performance framework' in html


def test_a_metric_page_has_an_accessible_chart_with_a_table_twin(client, framed):
    sign_in(client, framed.adviser)
    page = client.get(url("plan-framework-metric", framed, framed.item.pk))
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index("<svg")
    svg = ET.fromstring(html[start:html.index("</svg>", start) + 6])  # noqa: S314 (ours)
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title").text
    assert title == ("Numbers in treatment: Greater Manchester CDP against its local target")
    description = svg.find(f"{SVG}desc").text
    assert description.startswith("Baseline 2,200 people in 2022/23. Trajectory: 2,420 people "
                                  "by 31 March 2025; 2,640 people by 31 March 2027.")
    assert "Off track" in description
    # The dashed trajectory and the solid actual line are both drawn.
    dashes = {e.get("stroke-dasharray") for e in svg.iter() if e.get("stroke-dasharray")}
    assert {"6,4", "1,0"} <= dashes
    # The table twin: a row for each date, the baseline, targets and expected values.
    assert "Show the data as a table" in html
    assert "Baseline (2022/23)" in html and "31 March 2027" in html
    assert "See its figures on the outcomes pages" in html


def test_the_download_has_a_row_per_metric_and_target_point(client, framed):
    sign_in(client, framed.member_a)
    response = client.get(url("plan-framework-download", framed, "csv"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["Target date"], r["Target value"]) for r in rows] == [
        ("2025-03-31", "2420"), ("2027-03-31", "2640")]
    first = rows[0]
    assert (first["Metric"], first["Metric code"], first["Owner"]) == (
        "Numbers in treatment", "numbers_in_treatment", "Ada Owner")
    assert (first["Baseline period"], first["Baseline value"], first["Latest value"],
            first["Expected on the trajectory"], first["Progress"]) == (
        "2022/23", "2200", "2310", "2420", "Off track")
    book = load_workbook(io.BytesIO(client.get(url("plan-framework-download", framed,
                                                   "xlsx")).content))
    assert book.sheetnames == ["Performance framework", "About"]
    assert client.get(url("plan-framework-download", framed, "pdf")).status_code == 404


# --------------------------------------------------------------------------- the forms


def test_adding_a_metric_then_its_baseline_then_its_targets(client, setup):
    sign_in(client, setup.member_a)
    response = client.post(url("plan-framework-add", setup), {
        "metric": setup.treatment.pk, "owner": setup.owner.pk, "frequency": "quarterly",
        "notes": "Our headline"})
    item = FrameworkMetric.objects.get()
    assert response["Location"] == url("plan-framework-baseline", setup, item.pk)
    page = client.get(url("plan-framework-baseline", setup, item.pk)).content.decode()
    assert "2024/25: 2,310 people" in page and "2022/23: 2,200 people" in page
    response = client.post(url("plan-framework-baseline", setup, item.pk),
                           {"period": "2023-04-01_2024-03-31"})
    assert response["Location"] == url("plan-framework-targets", setup, item.pk)
    item.refresh_from_db()
    assert (item.baseline_period, item.baseline_value) == ("2023/24", 2300.0)
    # The helper: 20% more than 2,300 by 31 March 2026 is 2,760, put in the first empty row.
    page = client.post(url("plan-framework-targets", setup, item.pk), {
        "step": "work-out", "percent": "20", "percent_by_0": "31", "percent_by_1": "3",
        "percent_by_2": "2026"})
    assert not TargetPoint.objects.exists()
    worked = page.context["worked"]
    assert worked.startswith("20% more than the baseline (2,300 people in 2023/24) by "
                             "31 March 2026 is 2,760 people. It is in row 1")
    assert page.context["form"]["value_1"].value() == "2760"
    response = client.post(url("plan-framework-targets", setup, item.pk), {
        "step": "save", "by_1_0": "31", "by_1_1": "3", "by_1_2": "2026", "value_1": "2760"})
    assert response.status_code == 302
    assert list(TargetPoint.objects.values_list("period_end", "value")) == [
        (dt.date(2026, 3, 31), 2760.0)]


def test_a_bad_target_row_is_named_and_nothing_is_saved(client, framed):
    sign_in(client, framed.member_a)
    page = client.post(url("plan-framework-targets", framed, framed.item.pk), {
        "step": "save", "by_1_0": "31", "by_1_1": "3", "by_1_2": "2025", "value_1": "2420",
        "by_2_0": "31", "by_2_1": "3", "by_2_2": "2027", "value_2": "lots"})
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "value_2": ["Row 2: the value must be a number, like 2640 or 12.5."]}
    assert "Row 2: the value must be a number" in page.content.decode()
    assert list(framed.item.targets.values_list("value", flat=True)) == [2420.0, 2640.0]


def test_a_hidden_figure_is_offered_with_why_and_refused(client, setup):
    from cdphub.outcomes.models import ComputedValue

    ComputedValue.objects.filter(partnership=setup.partnership_a,
                                 period_end=dt.date(2024, 3, 31)).update(suppressed=True)
    item = actions.add_metric(partnership=setup.partnership_a, metric=setup.treatment,
                              owner=None, frequency="annual", by=setup.member_a)
    sign_in(client, setup.member_a)
    page = client.get(url("plan-framework-baseline", setup, item.pk)).content.decode()
    assert "2023/24: not shown (small numbers), cannot be a baseline" in page
    page = client.post(url("plan-framework-baseline", setup, item.pk),
                       {"period": "2023-04-01_2024-03-31"})
    assert page.status_code == 200
    assert page.context["form"].errors["period"] == [
        "The figure for 2023/24 is not shown because it rests on small numbers (disclosure "
        "control): a hidden figure cannot be a baseline. Choose another period."]
    item.refresh_from_db()
    assert item.baseline_set_at is None


def test_changing_a_set_baseline_needs_the_box_ticked_and_shows_in_history(client, framed):
    sign_in(client, framed.member_a)
    target = url("plan-framework-baseline", framed, framed.item.pk)
    page = client.post(target, {"period": "2021-04-01_2022-03-31"})
    assert page.status_code == 200  # no such period: refused
    page = client.post(target, {"period": "2024-04-01_2025-03-31"})
    assert "confirm that you mean to change it" in str(page.context["form"].errors)
    # A newer baseline must come before the targets: the first target is 31 March 2025.
    page = client.post(target, {"period": "2024-04-01_2025-03-31", "replace": "on"})
    assert "change the targets first" in str(page.context["form"].errors)
    framed.item.refresh_from_db()
    assert framed.item.baseline_period == "2022/23"
    actions.set_targets(item=framed.item, rows=[TargetRow(1, dt.date(2027, 3, 31), "2640")],
                        by=framed.member_a)
    response = client.post(target, {"period": "2023-04-01_2024-03-31", "replace": "on"})
    assert response.status_code == 302
    framed.item.refresh_from_db()
    assert (framed.item.baseline_period, framed.item.baseline_value) == ("2023/24", 2300.0)
    history = client.get(reverse("partnerships:history", args=[framed.partnership_a.slug]))
    text = history.content.decode()
    assert "Performance framework metric" in text and "2023/24" in text and "2022/23" in text


def test_changing_and_withdrawing_a_metric(client, framed):
    sign_in(client, framed.member_a)
    other = Person.objects.create(partnership=framed.partnership_a, full_name="Cy New")
    response = client.post(url("plan-framework-edit", framed, framed.item.pk), {
        "owner": other.pk, "frequency": "monthly", "notes": "Changed"})
    assert response.status_code == 302
    framed.item.refresh_from_db()
    assert (framed.item.owner, framed.item.frequency) == (other, "monthly")
    response = client.post(url("plan-framework-withdraw", framed, framed.item.pk))
    assert response["Location"] == url("plan-framework", framed)
    framed.item.refresh_from_db()
    assert framed.item.withdrawn_at is not None
    assert "No metrics in the framework yet." in client.get(
        url("plan-framework", framed)).content.decode()


# --------------------------------------------------------------------------- attackers


def test_a_form_posted_with_another_partnerships_records_is_refused(client, setup):
    """Another partnership's local metric and person: not valid choices, nothing made."""
    theirs = Metric.objects.create(
        key="berkshire-local", kind="local", partnership=setup.partnership_b,
        outcome="reduce_deaths_harm", name="Berkshire's own", definition="d", source="s",
        unit="kits", geography="utla", frequency="annual", period_type="financial",
        method="count", polarity="high")
    sign_in(client, setup.member_a)
    page = client.post(url("plan-framework-add", setup), {
        "metric": theirs.pk, "owner": setup.owner.pk, "frequency": "annual"})
    assert page.status_code == 200 and "metric" in page.context["form"].errors
    page = client.post(url("plan-framework-add", setup), {
        "metric": setup.treatment.pk, "owner": setup.stranger.pk, "frequency": "annual"})
    assert page.status_code == 200 and "owner" in page.context["form"].errors
    assert not FrameworkMetric.objects.exists()


def test_another_partnerships_framework_metric_is_not_found(client, setup):
    theirs = actions.add_metric(partnership=setup.partnership_b, metric=setup.treatment,
                                owner=setup.stranger, frequency="annual", by=setup.member_b)
    sign_in(client, setup.member_a)
    for name in ("plan-framework-metric", "plan-framework-edit", "plan-framework-withdraw",
                 "plan-framework-baseline", "plan-framework-targets"):
        response = client.post(url(name, setup, theirs.pk), {
            "owner": setup.owner.pk, "frequency": "monthly", "period": "2022-04-01_2023-03-31",
            "step": "save", "by_1_0": "31", "by_1_1": "3", "by_1_2": "2026", "value_1": "1"})
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert (theirs.owner, theirs.frequency, theirs.withdrawn_at, theirs.baseline_set_at) == (
        setup.stranger, "annual", None, None)
    assert not TargetPoint.objects.exists()


def test_agreement_at_another_partnerships_meeting_is_refused(client, framed):
    board = Meeting.objects.create(partnership=framed.partnership_b, held_on=dt.date(2025, 8, 1))
    sign_in(client, framed.sro_a)
    page = client.post(url("plan-framework-agree", framed), {"meeting": board.pk})
    assert page.status_code == 200 and "meeting" in page.context["form"].errors
    assert not MilestoneCompletion.objects.exists()
    ours = Meeting.objects.create(partnership=framed.partnership_a, held_on=dt.date(2025, 8, 1),
                                  title="Partnership board")
    response = client.post(url("plan-framework-agree", framed), {"meeting": ours.pk})
    assert response.status_code == 302
    done = MilestoneCompletion.objects.get()
    assert (done.milestone_key, done.completed_on) == ("performance_framework",
                                                      dt.date(2025, 8, 1))
    assert "done on 1 August 2025" in client.get(url("plan-framework", framed)).content.decode()


# --------------------------------------------------------------------------- the overview


def overview_row(client, world, key="numbers_in_treatment") -> str:
    html = client.get(reverse("partnerships:outcomes",
                              args=[world.partnership_a.slug])).content.decode()
    row = html[html.index(f'data-metric="{key}"'):]
    return row[:row.index("</tr>")]


def test_the_overview_shows_the_target_tag_beside_a_framework_metric_only(client, framed):
    sign_in(client, framed.member_a)
    row = overview_row(client, framed)
    assert "Off track against local target" in row
    assert url("plan-framework-metric", framed, framed.item.pk) in row
    other = overview_row(client, framed, "drug_misuse_deaths")
    assert "local target" not in other and 'data-testid="annotation"' not in other


def test_the_overview_follows_the_framework_with_its_cache_warm(client, framed):
    sign_in(client, framed.member_a)
    assert "Off track against local target" in overview_row(client, framed)  # cache warm
    # A lower first target: 2,310 is now at or above what is expected.
    actions.set_targets(item=framed.item, rows=[TargetRow(1, dt.date(2025, 3, 31), "2300"),
                                                TargetRow(2, dt.date(2027, 3, 31), "2640")],
                        by=framed.member_a)
    assert "On track against local target" in overview_row(client, framed)
    actions.withdraw_metric(item=framed.item, by=framed.member_a)
    assert "local target" not in overview_row(client, framed)


def test_a_metric_without_a_baseline_is_tagged_no_data(client, setup):
    actions.add_metric(partnership=setup.partnership_a, metric=setup.treatment, owner=None,
                       frequency="annual", by=setup.member_a)
    sign_in(client, setup.member_a)
    assert "Local target: no data" in overview_row(client, setup)
