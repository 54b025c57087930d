"""The demo's delivery plans (demo/plans.py): every partnership has an agreed plan built on its
priorities, with actions across the Box 6 commitments (a few left uncovered), quarterly
updates for the last four quarters, funding streams, a performance framework whose baselines
are the published figures, and a risks log; Greater Manchester's superseded 2022 plan and
the dated history give the year-on-year comparison something to show."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.apps import apps
from django.db.models import Prefetch
from django.utils import timezone

from cdphub.core.clock import today
from cdphub.demo.plans import LATER_MARK, build_plans_demo
from cdphub.framework import guidance
from cdphub.outcomes.published import Figures
from cdphub.partnerships.models import MilestoneCompletion, Partnership
from cdphub.planning import actions_plan, plans
from cdphub.planning.models import (
    ActionMilestone,
    FrameworkMetric,
    FundingStream,
    Plan,
    PlanAction,
    Priority,
    QuarterlyUpdate,
    Risk,
    TargetPoint,
)
from cdphub.planning.quarters import Quarter, last_completed

GM = "greater-manchester"
BERKSHIRE = "berkshire-west"
STATUS = PlanAction.Status


@pytest.fixture
def demo(shared_demo, db):
    return shared_demo


def _agreed_plans():
    return (Plan.objects.agreed().select_related("partnership", "agreed_at_meeting")
            .prefetch_related(Prefetch("actions", queryset=PlanAction.objects.filter(
                withdrawn_at__isnull=True).prefetch_related("metrics", "milestones",
                                                            "updates"))))


def _four_quarters() -> list[Quarter]:
    latest = last_completed(today())
    return [latest.previous().previous().previous(), latest.previous().previous(),
            latest.previous(), latest]


def test_every_partnership_has_an_agreed_plan_with_ten_to_twenty_actions(demo):
    agreed = {plan.partnership_id: plan for plan in _agreed_plans()}
    assert set(agreed) == set(Partnership.objects.values_list("pk", flat=True))
    for plan in agreed.values():
        assert (plan.starts_on, plan.ends_on) == (dt.date(2025, 4, 1), dt.date(2028, 3, 31))
        meeting = plan.agreed_at_meeting
        assert meeting.partnership_id == plan.partnership_id and not meeting.is_withdrawn
        assert plan.agreed_on == meeting.held_on <= today()
        assert 10 <= len(plan.actions.all()) <= 20, plan.partnership.slug
    assert not Plan.objects.drafts().exists()


def test_each_plan_was_agreed_after_its_needs_assessment_was_signed_off(demo):
    for plan in Plan.objects.agreed().select_related("partnership"):
        signed = plan.partnership.assessments.signed_off().first()
        if signed is not None:
            assert plan.agreed_on >= signed.signed_off_on + dt.timedelta(days=14)


def test_actions_belong_to_the_partnership(demo):
    """Lead organisations are member organisations, owners its people, priorities its active
    ones, funding its streams, metrics national; milestones, metrics and dates fit."""
    now = today()
    keys = {c.key for c in guidance().commitments}
    members = {}
    for plan in _agreed_plans():
        partnership = plan.partnership
        if partnership.pk not in members:
            members[partnership.pk] = set(plans.member_organisations(partnership, now)
                                          .values_list("pk", flat=True))
        for action in plan.actions.select_related("owner", "priority", "funding_stream"):
            assert action.lead_organisation_id in members[partnership.pk], action
            assert action.owner.partnership_id == partnership.pk
            assert action.priority.partnership_id == partnership.pk
            assert action.priority.status == Priority.Status.ACTIVE
            assert action.funding_stream is None or (
                action.funding_stream.partnership_id == partnership.pk)
            assert action.commitments and set(action.commitments) <= keys
            assert action.starts_on <= action.due_on
            metrics = list(action.metrics.all())
            assert 1 <= len(metrics) <= 2
            assert all(m.partnership_id is None for m in metrics)
            assert 1 <= action.milestones.count() <= 3
            assert (action.completed_on is not None) == (action.status == STATUS.COMPLETE)


def test_each_plan_leaves_one_to_three_commitments_uncovered_and_which_varies(demo):
    uncovered = []
    for plan in _agreed_plans():
        gaps = [c.commitment.key for c in plans.coverage(plan, plan.actions.all()).uncovered]
        assert 1 <= len(gaps) <= 3, plan.partnership.slug
        uncovered.append(frozenset(gaps))
    assert len(set(uncovered)) > 40
    assert {key for gaps in uncovered for key in gaps} == {
        c.key for c in guidance().commitments}


def test_statuses_are_mostly_on_track(demo):
    counts = Counter(PlanAction.objects.filter(plan__status=Plan.Status.AGREED,
                                               withdrawn_at__isnull=True)
                     .values_list("status", flat=True))
    total = sum(counts.values())
    assert counts[STATUS.ON_TRACK] == max(counts.values()) > total / 3
    for status in STATUS.values:
        assert counts[status] > total / 20, status
    assert counts[STATUS.AT_RISK] + counts[STATUS.OFF_TRACK] < total / 3


def test_every_plan_has_an_action_past_its_due_date(demo):
    now = today()
    overdue = 0
    for plan in _agreed_plans():
        late = [a for a in plan.actions.all() if a.is_overdue(now)]
        assert 1 <= len(late) <= 3, plan.partnership.slug
        overdue += len(late)
    assert overdue < PlanAction.objects.filter(withdrawn_at__isnull=True).count() / 8


def test_every_active_priority_has_an_action_except_those_raised_since(demo):
    """The needs assessment's priorities are the plan's (some raised from its findings while
    the plan was written); only a priority raised after the plan was agreed has no action
    yet, in some partnerships."""
    without = 0
    for plan in _agreed_plans():
        unused = plans.coverage(plan, plan.actions.all()).priorities_without_action
        assert all(LATER_MARK in p.description for p in unused), plan.partnership.slug
        assert len(unused) <= 1
        without += len(unused)
        active = plan.partnership.priorities.filter(status=Priority.Status.ACTIVE)
        assert not active.filter(finding__isnull=True).exists()
        assert 2 <= active.count() <= 5
    assert 10 < without < Partnership.objects.count() / 3
    later = Priority.objects.filter(description__contains=LATER_MARK).select_related(
        "partnership")
    for priority in later:
        plan = priority.partnership.plans.agreed().get()
        assert priority.created_at.date() > plan.agreed_on


def test_owners_recorded_updates_for_the_last_four_quarters(demo):
    """An update for each quarter an action was active in (``plans.active_in``) once its
    plan was agreed and the action added, recorded after the quarter ended, by the owner;
    only some of the latest quarter's are missing; the newest sets the action's status."""
    now = today()
    quarters = _four_quarters()
    latest = quarters[-1]
    per_quarter = Counter()
    missing = 0
    for plan in _agreed_plans():
        for action in plan.actions.all():
            updates = {u.quarter_start: u for u in action.updates.all()}
            assert set(updates) <= {q.start for q in quarters}
            for quarter in quarters:
                asked = (plans.active_in(action, quarter) and plan.agreed_on <= quarter.end
                         and action.created_at.date() <= quarter.end)
                update = updates.get(quarter.start)
                if update is None:
                    assert not asked or quarter == latest, (action, quarter)
                    missing += asked
                    continue
                assert asked, (action, quarter)
                per_quarter[quarter] += 1
                assert quarter.end < update.recorded_at.date() < now
                assert update.recorded_by == action.owner.user
                assert update.text
            if updates:
                newest = updates[max(updates)]
                assert (action.status, action.commentary) == (newest.status, newest.text)
    assert all(per_quarter[q] > 500 for q in quarters[:-1]), per_quarter
    assert 0 < missing < per_quarter[latest]
    gm = Plan.objects.agreed().get(partnership__slug=GM)
    assert {u.quarter_start for u in QuarterlyUpdate.objects.filter(action__plan=gm)} == {
        q.start for q in quarters}


def test_updates_trace_the_status_over_the_quarters(demo):
    """Actions off track now were on track or at risk before; those complete were on track
    until the quarter they completed."""
    trajectories = defaultdict(list)
    for update in QuarterlyUpdate.objects.filter(
            action__plan__status=Plan.Status.AGREED,
            action__withdrawn_at__isnull=True).order_by("quarter_start"):
        trajectories[update.action_id].append(update.status)
    worsened = 0
    for statuses in trajectories.values():
        if STATUS.COMPLETE in statuses:
            assert statuses[-1] == STATUS.COMPLETE and statuses.count(STATUS.COMPLETE) == 1
        if statuses[-1] == STATUS.OFF_TRACK and len(statuses) > 1:
            assert statuses[0] != STATUS.OFF_TRACK
            worsened += 1
    assert worsened > 20


def test_the_latest_updates_are_due_in_some_plans_and_overdue_in_others(demo):
    """Whether the latest quarter's missing updates are due or overdue depends on the day:
    the demo shows both whenever the calendar allows (the quarter ended 90 days ago or
    less), Greater Manchester's overdue once 14 days have passed."""
    now = today()
    since = (now - last_completed(now).end).days
    kinds = Counter()
    for plan in Plan.objects.agreed().select_related("partnership"):
        due = plans.updates_due(plan, now)
        assert due, plan.partnership.slug
        assert len({d.overdue for d in due}) == 1
        kinds[due[0].overdue] += 1
        if plan.partnership.slug == GM:
            assert due[0].overdue == (since > 14)
        if plan.partnership.slug == BERKSHIRE and 14 < since <= 90:
            assert not due[0].overdue
    if since <= 90:
        assert kinds[True] and kinds[False], kinds
    else:
        assert kinds == {True: Plan.objects.agreed().count()}


def test_agreeing_recorded_the_milestone_as_agree_plan_does(demo):
    completions = defaultdict(list)
    for completion in MilestoneCompletion.objects.filter(
            milestone_key=actions_plan.MILESTONE):
        completions[completion.partnership_id].append(completion)
    for plan in Plan.objects.select_related("partnership", "agreed_at_meeting"):
        linked = [c for c in completions[plan.partnership_id]
                  if c.link == actions_plan.plan_url(plan)]
        assert len(linked) == 1, plan
        assert linked[0].completed_on == plan.agreed_on
        assert linked[0].recorded_at.date() == plan.agreed_on
    for partnership in Partnership.objects.all():
        documents = [c for c in completions[partnership.pk] if not c.link]
        if partnership.slug == GM:
            assert documents == []  # its 2022 plan is in cdphub
        else:
            assert [c.evidence for c in documents] in (
                [], ["Local drugs strategy delivery plan 2023 to 2025"])
    # The same wording as agreeing a plan at that meeting gives.
    demo_plan = Plan.objects.agreed().get(partnership__slug=BERKSHIRE)
    draft = actions_plan.start_plan(partnership=demo_plan.partnership,
                                    starts_on=demo_plan.starts_on, ends_on=demo_plan.ends_on,
                                    title=demo_plan.title, by=None)
    actions_plan.agree_plan(plan=draft, meeting=demo_plan.agreed_at_meeting, by=None)
    made = MilestoneCompletion.objects.get(link=actions_plan.plan_url(draft))
    recorded = MilestoneCompletion.objects.get(link=actions_plan.plan_url(demo_plan))
    assert recorded.evidence == made.evidence


def test_framework_baselines_are_the_published_figures(demo):
    entries = defaultdict(list)
    for entry in FrameworkMetric.objects.select_related("metric", "partnership", "owner"):
        entries[entry.partnership].append(entry)
    assert len(entries) == Partnership.objects.count()
    for partnership, framework in entries.items():
        assert 3 <= len(framework) <= 5, partnership.slug
        assert "numbers_in_treatment" in {e.metric.key for e in framework}
        for entry in framework:
            assert entry.owner.partnership_id == partnership.pk
            assert entry.baseline_set_at is not None
            assert entry.baseline_period_end <= dt.date(2022, 3, 31)
            published = Figures.for_partnership_page(partnership).filter(
                partnership=partnership, metric=entry.metric, breakdown="",
                period_end=entry.baseline_period_end).shown_only().first()
            assert published is not None, (partnership.slug, entry.metric.key)
            assert (entry.baseline_period, entry.baseline_value) == (
                published.period_label, published.value)


def _line(entry: FrameworkMetric, targets: list[TargetPoint], day: dt.date) -> float:
    """Straight lines from the baseline through the targets (independent of the demo's)."""
    points = [(entry.baseline_period_end, entry.baseline_value),
              *((t.period_end, t.value) for t in targets)]
    for (start, a), (end, b) in zip(points, points[1:], strict=False):
        if day <= end:
            return a + (b - a) * (day - start).days / (end - start).days
    return points[-1][1]


def test_framework_targets_leave_the_latest_figure_clearly_on_or_off_track(demo):
    """Each target improves on the baseline; the latest published figure lies clearly above
    or below the straight-line trajectory, on track for some metrics and off for others."""
    sides = Counter()
    gm = Counter()
    for entry in FrameworkMetric.objects.select_related("metric", "partnership"
                                                        ).prefetch_related("targets"):
        targets = list(entry.targets.all())
        assert 1 <= len(targets) <= 3
        assert targets[-1].period_end in (dt.date(2027, 3, 31), dt.date(2026, 12, 31))
        better = 1 if entry.metric.polarity == "high" else -1
        assert entry.metric.polarity in ("high", "low")
        assert better * (targets[-1].value - entry.baseline_value) > 0
        latest = (Figures.for_partnership_page(entry.partnership)
                  .filter(partnership=entry.partnership, metric=entry.metric, breakdown="")
                  .order_by("-period_end").first())
        assert latest.period_end > entry.baseline_period_end and latest.value is not None
        gap = better * (latest.value - _line(entry, targets, latest.period_end))
        assert abs(gap) >= 0.015 * abs(entry.baseline_value), (entry.partnership.slug,
                                                                 entry.metric.key)
        sides[gap > 0] += 1
        if entry.partnership.slug == GM:
            gm[gap > 0] += 1
    assert min(sides.values()) > sum(sides.values()) / 4, sides
    assert gm[True] and gm[False]


def test_funding_streams_scale_with_the_partnership(demo):
    streams = defaultdict(list)
    for stream in FundingStream.objects.select_related("holder"):
        streams[stream.partnership_id].append(stream)
    assert len(streams) == Partnership.objects.count()
    for partnership_streams in streams.values():
        assert 3 <= len(partnership_streams) <= 5
        names = {s.name for s in partnership_streams}
        assert {"Supplemental Substance Misuse Treatment and Recovery Grant",
                "Public Health Grant: drug and alcohol treatment budget"} <= names
        assert all(s.amount > 0 and s.starts_on <= s.ends_on for s in partnership_streams)
    arrangements = Counter(s.arrangement for ss in streams.values() for s in ss)
    assert arrangements[FundingStream.Arrangement.POOLED] > 10
    assert arrangements[FundingStream.Arrangement.ALIGNED] > arrangements[
        FundingStream.Arrangement.POOLED]

    def grant(slug):
        return FundingStream.objects.get(
            partnership__slug=slug,
            name="Supplemental Substance Misuse Treatment and Recovery Grant").amount

    assert grant(GM) > 10 * grant("rutland")
    drawn = PlanAction.objects.filter(funding_stream__isnull=False)
    assert drawn.count() > PlanAction.objects.count() / 2


def test_each_risks_log_has_a_disagreement_an_escalation_and_a_closed_entry(demo):
    now = today()
    logs = defaultdict(list)
    for risk in Risk.objects.select_related("owner"):
        logs[risk.partnership_id].append(risk)
    assert len(logs) == Partnership.objects.count()
    for partnership_id, log in logs.items():
        assert 3 <= len(log) <= 6
        assert [r.kind for r in log].count(Risk.Kind.DISAGREEMENT) == 1
        escalated = [r for r in log if r.status == Risk.Status.ESCALATED]
        closed = [r for r in log if r.status == Risk.Status.CLOSED]
        assert len(escalated) == 1 and escalated[0].escalation
        assert len(closed) == 1 and closed[0].resolution
        assert closed[0].raised_on < closed[0].closed_on < now
        assert all(r.owner.partnership_id == partnership_id and r.raised_on < now
                   for r in log)
    assert {r.rating_band for log in logs.values() for r in log} >= {"High", "Medium"}


def _as_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def test_greater_manchesters_plan_changed_over_the_year(demo):
    """At the data level, what the year-on-year comparison reads: the plan's actions as they
    stood a year ago (their history) against now. Some were added since, some completed,
    one dropped and some changed status."""
    plan = Plan.objects.agreed().get(partnership__slug=GM)
    moment = _as_of(today() - dt.timedelta(days=365))
    assert Plan.history.as_of(moment).get(pk=plan.pk).status == Plan.Status.AGREED
    then = {a.lineage: a for a in PlanAction.history.as_of(moment).filter(plan_id=plan.pk)
            if a.withdrawn_at is None}
    now = {a.lineage: a for a in plan.actions.all()}
    added = [a for lineage, a in now.items() if lineage not in then and not a.is_withdrawn]
    completed = [a for lineage, a in now.items() if lineage in then and a.is_complete
                 and then[lineage].status != STATUS.COMPLETE]
    dropped = [a for lineage, a in now.items() if lineage in then and a.is_withdrawn]
    changed = [a for lineage, a in now.items() if lineage in then and not a.is_withdrawn
               and not a.is_complete and a.status != then[lineage].status]
    assert len(added) >= 2 and completed and dropped and changed
    assert all(a.meeting.held_on > moment.date() for a in added)
    assert all(a.withdrawal_reason for a in dropped)


def test_greater_manchesters_2022_plan_was_superseded_and_carried_over(demo):
    gm = Partnership.objects.get(slug=GM)
    old = gm.plans.get(status=Plan.Status.SUPERSEDED)
    current = gm.plans.agreed().get()
    assert current.previous == old
    assert old.agreed_on < dt.date(2023, 1, 1) < current.agreed_on == old.superseded_on
    states = [h.status for h in Plan.history.filter(id=old.pk).order_by("history_date")]
    assert states == [Plan.Status.DRAFT, Plan.Status.AGREED, Plan.Status.SUPERSEDED]
    carried = list(current.actions.filter(carried_from__isnull=False)
                   .select_related("carried_from"))
    assert len(carried) == 6
    for action in carried:
        assert action.carried_from.plan == old
        assert action.lineage == action.carried_from.lineage
        assert action.carried_from.status != STATUS.COMPLETE
    assert any(a.status != a.carried_from.status for a in carried)
    left = old.actions.exclude(lineage__in=[a.lineage for a in carried])
    assert left.filter(status=STATUS.COMPLETE, withdrawn_at__isnull=True).count() == 4
    assert left.filter(withdrawn_at__isnull=False).count() == 2


def test_the_history_dates_each_change_when_it_happened(demo):
    """Plans drafted then agreed; each update one record at its own time, saved with the
    action's status; the newest record of each action is the action as it stands, with its
    metrics."""
    plan = Plan.objects.agreed().get(partnership__slug=BERKSHIRE)
    versions = list(Plan.history.filter(id=plan.pk).order_by("history_date"))
    assert [v.status for v in versions] == [Plan.Status.DRAFT, Plan.Status.AGREED]
    assert versions[-1].history_date.date() == plan.agreed_on
    assert versions[0].history_date < versions[-1].history_date
    for action in plan.actions.prefetch_related("updates", "metrics"):
        records = list(PlanAction.history.filter(id=action.pk).order_by("history_date"))
        assert records[0].history_type == "+"
        assert records[0].history_date == action.created_at
        assert {r.history_type for r in records[1:]} <= {"~"}
        newest = records[-1]
        assert (newest.status, newest.commentary, newest.withdrawn_at) == (
            action.status, action.commentary, action.withdrawn_at)
        assert {m.metric_id for m in newest.metrics.all()} == {
            m.pk for m in action.metrics.all()}
        for update in action.updates.all():
            history = list(QuarterlyUpdate.history.filter(id=update.pk))
            assert [h.history_date for h in history] == [update.recorded_at]
        # Changed when an update was recorded (or when withdrawn), the newest update last.
        times = {u.recorded_at for u in action.updates.all()}
        assert {r.history_date for r in records[1:]} <= times | {action.withdrawn_at}
        if times and not action.is_withdrawn:
            assert newest.history_date == max(times)
    for model in (Priority, FundingStream, MilestoneCompletion, ActionMilestone,
                  FrameworkMetric, TargetPoint, Risk):
        rows = model.objects.count()
        assert model.history.values("id").distinct().count() == rows, model


def test_history_times_of_different_saves_never_coincide(demo):
    """Each save has its own time (the History page groups records by time and user)."""
    times = Counter(QuarterlyUpdate.history.values_list("history_date", flat=True))
    assert max(times.values()) == 1
    creations = Counter(PlanAction.history.filter(history_type="+", plan__status__in=[
        Plan.Status.AGREED, Plan.Status.SUPERSEDED]).values_list("history_date", flat=True))
    assert max(creations.values()) <= 6  # the carried actions, added with their new plan


def test_building_the_plans_again_duplicates_nothing(demo):
    models = [Plan, PlanAction, ActionMilestone, QuarterlyUpdate, FundingStream,
              FrameworkMetric, TargetPoint, Risk, Priority, MilestoneCompletion,
              apps.get_model("planning", "HistoricalPlanAction")]
    before = {model: model.objects.count() for model in models}
    assert build_plans_demo(today()) == {"plans": 0, "actions": 0, "updates": 0}
    assert {model: model.objects.count() for model in models} == before
