"""The performance framework's writes (``planning.actions_framework``): metrics only of this
partnership's (or national) catalogue, owners only of its people, a baseline copied from a
published figure and frozen, targets after the baseline named row by row, and the milestone
recorded when the partnership agrees the framework. Each refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from cdphub.outcomes.compute import recompute_metrics
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.partnerships.models import Meeting, MilestoneCompletion, Person
from cdphub.planning import actions_framework as actions
from cdphub.planning import performance
from cdphub.planning.actions_framework import TargetRow
from cdphub.planning.actions_plan import PlanError
from cdphub.planning.models import FrameworkMetric, TargetPoint
from tests.outcomes.loading_helpers import catalogue, cover, csv_bytes, load_bytes, local_metric

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 5, 1)
MANCHESTER, SALFORD = "E08000003", "E08000006"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


def treatment_file(year: int, manchester: int, salford: int) -> bytes:
    period = f"{year}-04-01,{year + 1}-03-31"
    return csv_bytes(f"numbers_in_treatment,{MANCHESTER},{period},{manchester},",
                     f"numbers_in_treatment,{SALFORD},{period},{salford},",
                     header="metric,area_code,period_from,period_to,numerator,denominator")


def load(data: bytes) -> None:
    result = load_bytes(data)
    assert result.status == DataLoad.Status.COMPLETE, result.errors
    recompute_metrics([Metric.objects.get(key="numbers_in_treatment").pk])


@pytest.fixture
def treatment(world) -> Metric:
    """Numbers in treatment for partnership A (Manchester and Salford): 2,200 in 2022/23."""
    catalogue()
    cover(world.partnership_a, MANCHESTER, SALFORD)
    load(treatment_file(2022, 1600, 600))
    return Metric.objects.get(key="numbers_in_treatment")


@pytest.fixture
def owner(world) -> Person:
    return Person.objects.create(partnership=world.partnership_a, full_name="Ada Owner")


@pytest.fixture
def item(world, treatment, owner) -> FrameworkMetric:
    return actions.add_metric(partnership=world.partnership_a, metric=treatment, owner=owner,
                              frequency="annual", by=world.member_a)


FY22 = (dt.date(2022, 4, 1), dt.date(2023, 3, 31))


def test_the_baseline_is_copied_from_the_published_figure_and_frozen(world, item):
    actions.set_baseline(item=item, period_start=FY22[0], period_end=FY22[1], by=world.member_a)
    item.refresh_from_db()
    assert (item.baseline_period, item.baseline_period_end, item.baseline_value) == (
        "2022/23", dt.date(2023, 3, 31), 2200.0)
    assert item.baseline_set_by == world.member_a and item.baseline_set_at is not None
    # Corrected figures for the same year, and a newer year, are loaded later: the page's
    # figures move on, the baseline does not.
    load(treatment_file(2022, 1700, 650))
    load(treatment_file(2023, 1800, 700))
    figures = performance.series(world.partnership_a, [item.metric])[item.metric_id]
    assert [(f.period_label, f.value) for f in figures] == [("2022/23", 2350.0),
                                                            ("2023/24", 2500.0)]
    item.refresh_from_db()
    assert (item.baseline_period, item.baseline_value) == ("2022/23", 2200.0)


def test_changing_the_baseline_must_be_asked_for_and_shows_in_history(world, item):
    load(treatment_file(2023, 1800, 700))
    actions.set_baseline(item=item, period_start=FY22[0], period_end=FY22[1], by=world.member_a)
    with pytest.raises(PlanError) as refused:
        actions.set_baseline(item=item, period_start=dt.date(2023, 4, 1),
                             period_end=dt.date(2024, 3, 31), by=world.member_a)
    assert refused.value.field == "replace"
    item.refresh_from_db()
    assert item.baseline_value == 2200.0
    actions.set_baseline(item=item, period_start=dt.date(2023, 4, 1),
                         period_end=dt.date(2024, 3, 31), by=world.sro_a, replace=True)
    item.refresh_from_db()
    assert (item.baseline_period, item.baseline_value, item.baseline_set_by) == (
        "2023/24", 2500.0, world.sro_a)
    assert list(item.history.order_by("history_date").values_list(
        "baseline_period", flat=True)) == ["", "2022/23", "2023/24"]


def test_a_hidden_figure_cannot_be_a_baseline_and_the_refusal_says_why(world, item):
    # A count of 3 people in Salford: the partnership's total is not hidden, so hide the
    # whole year by loading a local metric figure that disclosure control suppresses.
    metric = local_metric(world.partnership_a, key="tiny", name="Tiny count", method="count",
                          unit="people", multiplier=1, polarity="high")
    result = load_bytes(csv_bytes(f"tiny,greater-manchester,{FY22[0]},{FY22[1]},3,",
                                  header="metric,area_code,period_from,period_to,numerator,"
                                         "denominator"), partnership=world.partnership_a)
    assert result.status == DataLoad.Status.COMPLETE, result.errors
    recompute_metrics([metric.pk])
    [figure] = performance.baseline_choices(world.partnership_a, metric)
    assert figure.suppressed and figure.value is None
    tiny = actions.add_metric(partnership=world.partnership_a, metric=metric, owner=None,
                              frequency="quarterly", by=world.member_a)
    with pytest.raises(PlanError) as refused:
        actions.set_baseline(item=tiny, period_start=FY22[0], period_end=FY22[1],
                             by=world.member_a)
    assert refused.value.field == "period"
    assert "small numbers" in refused.value.message
    tiny.refresh_from_db()
    assert tiny.baseline_set_at is None and tiny.baseline_value is None


def test_a_period_without_a_figure_is_refused(world, item):
    with pytest.raises(PlanError) as refused:
        actions.set_baseline(item=item, period_start=dt.date(2019, 4, 1),
                             period_end=dt.date(2020, 3, 31), by=world.member_a)
    assert refused.value.field == "period"
    item.refresh_from_db()
    assert item.baseline_set_at is None


def test_another_partnerships_local_metric_is_refused(world, owner):
    catalogue()
    theirs = local_metric(world.partnership_b, key="berkshire-kits", name="Kits")
    with pytest.raises(PlanError) as refused:
        actions.add_metric(partnership=world.partnership_a, metric=theirs, owner=owner,
                           frequency="annual", by=world.member_a)
    assert refused.value.field == "metric"
    assert not FrameworkMetric.objects.exists()
    ours = local_metric(world.partnership_a, key="manchester-kits", name="Kits")
    assert actions.add_metric(partnership=world.partnership_a, metric=ours, owner=owner,
                              frequency="annual", by=world.member_a).metric == ours


def test_a_metric_published_for_england_only_is_not_offered(world, owner):
    catalogue()
    england_only = Metric.objects.filter(geography="england").first()
    assert england_only is not None
    assert england_only not in performance.offered_metrics(world.partnership_a)
    with pytest.raises(PlanError):
        actions.add_metric(partnership=world.partnership_a, metric=england_only, owner=owner,
                           frequency="annual", by=world.member_a)


def test_another_partnerships_person_is_refused_as_owner(world, treatment, item):
    stranger = Person.objects.create(partnership=world.partnership_b, full_name="Bea Other")
    with pytest.raises(PlanError) as refused:
        actions.add_metric(partnership=world.partnership_a, metric=local_metric(
            world.partnership_a, key="kits"), owner=stranger, frequency="annual",
            by=world.member_a)
    assert refused.value.field == "owner"
    with pytest.raises(PlanError):
        actions.change_metric(item=item, owner=stranger, frequency="annual", by=world.member_a)
    item.refresh_from_db()
    assert item.owner.full_name == "Ada Owner"
    assert FrameworkMetric.objects.count() == 1


def test_a_metric_is_in_the_framework_once(world, treatment, item, owner):
    with pytest.raises(PlanError) as refused:
        actions.add_metric(partnership=world.partnership_a, metric=treatment, owner=owner,
                           frequency="annual", by=world.member_a)
    assert refused.value.field == "metric"
    actions.withdraw_metric(item=item, by=world.member_a)
    again = actions.add_metric(partnership=world.partnership_a, metric=treatment, owner=owner,
                               frequency="quarterly", by=world.member_a)
    assert again.pk != item.pk
    with pytest.raises(PlanError):
        actions.change_metric(item=item, owner=owner, frequency="annual", by=world.member_a)


@pytest.fixture
def based(world, item) -> FrameworkMetric:
    actions.set_baseline(item=item, period_start=FY22[0], period_end=FY22[1], by=world.member_a)
    item.refresh_from_db()
    return item


def test_targets_replace_the_trajectory_and_keep_unchanged_points(world, based):
    actions.set_targets(item=based, rows=[TargetRow(1, dt.date(2025, 3, 31), "2,400"),
                                          TargetRow(2, dt.date(2027, 3, 31), "2640")],
                        by=world.member_a)
    first = TargetPoint.objects.get(period_end=dt.date(2025, 3, 31))
    actions.set_targets(item=based, rows=[TargetRow(1, dt.date(2025, 3, 31), "2400"),
                                          TargetRow(2, None, ""),
                                          TargetRow(3, dt.date(2026, 3, 31), "2500.5")],
                        by=world.member_a)
    points = list(based.targets.order_by("period_end").values_list("period_end", "value"))
    assert points == [(dt.date(2025, 3, 31), 2400.0), (dt.date(2026, 3, 31), 2500.5)]
    assert TargetPoint.objects.get(period_end=dt.date(2025, 3, 31)).pk == first.pk


@pytest.mark.parametrize(("rows", "field", "words"), [
    ([TargetRow(1, dt.date(2026, 3, 31), "2400"), TargetRow(2, dt.date(2023, 3, 31), "2500")],
     "by_2", "Row 2: the date must be after the end of the baseline period (2022/23"),
    ([TargetRow(1, dt.date(2026, 3, 31), "lots")], "value_1",
     "Row 1: the value must be a number"),
    ([TargetRow(1, dt.date(2026, 3, 31), "nan")], "value_1", "Row 1: the value must be"),
    ([TargetRow(1, dt.date(2026, 3, 31), "")], "value_1", "Row 1: enter the value"),
    ([TargetRow(3, None, "2400")], "by_3", "Row 3: enter the date"),
    ([TargetRow(1, dt.date(2026, 3, 31), "1"), TargetRow(2, dt.date(2026, 3, 31), "2")],
     "by_2", "Row 2: row 1 has a target by 31 March 2026 already"),
])
def test_targets_are_checked_row_by_row(world, based, rows, field, words):
    actions.set_targets(item=based, rows=[TargetRow(1, dt.date(2025, 3, 31), "2300")],
                        by=world.member_a)
    with pytest.raises(PlanError) as refused:
        actions.set_targets(item=based, rows=rows, by=world.member_a)
    assert refused.value.field == field
    assert refused.value.message.startswith(words), refused.value.message
    assert list(based.targets.values_list("value", flat=True)) == [2300.0]


def test_targets_need_a_baseline(world, item):
    with pytest.raises(PlanError):
        actions.set_targets(item=item, rows=[TargetRow(1, dt.date(2026, 3, 31), "1")],
                            by=world.member_a)
    assert not TargetPoint.objects.exists()


def test_a_new_baseline_may_not_overtake_the_targets(world, based):
    load(treatment_file(2023, 1800, 700))
    actions.set_targets(item=based, rows=[TargetRow(1, dt.date(2024, 3, 31), "2400")],
                        by=world.member_a)
    with pytest.raises(PlanError) as refused:
        actions.set_baseline(item=based, period_start=dt.date(2023, 4, 1),
                             period_end=dt.date(2024, 3, 31), by=world.member_a, replace=True)
    assert "change the targets first" in refused.value.message
    based.refresh_from_db()
    assert based.baseline_period == "2022/23"


def test_twenty_percent_more_than_the_baseline(based):
    # 2,200 × 1.2 = 2,640; 2,200 × 0.85 = 1,870
    assert actions.change_from_baseline(based, 20) == pytest.approx(2640)
    assert actions.change_from_baseline(based, -15) == pytest.approx(1870)


# --------------------------------------------------------------------------- agreement


def meeting(partnership, held_on=dt.date(2025, 4, 10), **extra) -> Meeting:
    return Meeting.objects.create(partnership=partnership, held_on=held_on, **extra)


def test_agreeing_records_the_milestone_on_the_meetings_date(world, based):
    actions.set_targets(item=based, rows=[TargetRow(1, dt.date(2026, 3, 31), "2640")],
                        by=world.member_a)
    board = meeting(world.partnership_a, title="Partnership board")
    done = actions.agree_framework(partnership=world.partnership_a, meeting=board,
                                   by=world.sro_a)
    assert (done.milestone_key, done.completed_on, done.recorded_by) == (
        "performance_framework", dt.date(2025, 4, 10), world.sro_a)
    assert done.evidence == ("Local performance framework (1 of 1 metrics with a target): "
                             "agreed at Partnership board on 10 April 2025")
    assert done.link == "/partnerships/greater-manchester/plan/framework/"


def test_agreement_is_refused_without_a_target(world, based):
    with pytest.raises(PlanError) as refused:
        actions.agree_framework(partnership=world.partnership_a,
                                meeting=meeting(world.partnership_a), by=world.sro_a)
    assert "No metric of the framework has a target" in refused.value.message
    assert not MilestoneCompletion.objects.exists()


@pytest.mark.parametrize("which", ["other", "withdrawn", "future"])
def test_agreement_is_refused_at_a_meeting_it_cannot_have_been(world, based, which):
    actions.set_targets(item=based, rows=[TargetRow(1, dt.date(2026, 3, 31), "2640")],
                        by=world.member_a)
    if which == "other":
        chosen = meeting(world.partnership_b)
    elif which == "withdrawn":
        chosen = meeting(world.partnership_a, withdrawn_at=dt.datetime(2025, 4, 11,
                                                                      tzinfo=dt.UTC))
    else:
        chosen = meeting(world.partnership_a, held_on=dt.date(2025, 6, 1))
    with pytest.raises(PlanError) as refused:
        actions.agree_framework(partnership=world.partnership_a, meeting=chosen,
                                by=world.sro_a)
    assert refused.value.field == "meeting"
    assert not MilestoneCompletion.objects.exists()
