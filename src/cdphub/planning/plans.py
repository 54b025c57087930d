"""Reading a delivery plan: which plan is current, the organisations an action may be led by,
the coverage of the 15 Box 6 commitments, status counts, and which quarterly updates are due
or overdue. Every page, download, reminder and (later) report reads plans through here, so
they agree with one another.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from cdphub.framework import guidance
from cdphub.partnerships.models import Organisation, Partnership

from .models import Plan, PlanAction, Priority, QuarterlyUpdate
from .quarters import Quarter, last_completed

STATUS = PlanAction.Status


def current_plan(partnership: Partnership) -> Plan | None:
    """The plan in force (agreed), else the draft being written (None: there is none)."""
    return (partnership.plans.agreed().first() or partnership.plans.drafts().first())


def member_organisations(partnership: Partnership, on: dt.date) -> QuerySet[Organisation]:
    """The partnership's member organisations on ``on``: those of people appointed to it
    then. An action's lead organisation is one of these."""
    return Organisation.objects.filter(
        people__partnership=partnership,
        people__appointments__partnership=partnership,
        people__appointments__start_date__lte=on,
    ).filter(Q(people__appointments__end_date__isnull=True)
             | Q(people__appointments__end_date__gte=on)).distinct().order_by("name")


def live_actions(plan: Plan) -> QuerySet[PlanAction]:
    """The plan's actions that are not withdrawn, with what pages show of them."""
    return (plan.actions.filter(withdrawn_at__isnull=True)
            .select_related("priority", "lead_organisation", "owner", "funding_stream",
                            "meeting")
            .prefetch_related("metrics", Prefetch(
                "updates", queryset=QuarterlyUpdate.objects.order_by("-quarter_start"))))


def worst_status(actions) -> str | None:
    """The worst status among ``actions`` (``PlanAction.SEVERITY``); None when there are none."""
    present = {a.status for a in actions}
    return next((s for s in PlanAction.SEVERITY if s in present), None)


def status_counts(actions) -> dict[str, int]:
    """How many actions have each status, every status present (zeros too), in the order
    the choices list them."""
    counts = Counter(a.status for a in actions)
    return {value: counts.get(value, 0) for value in STATUS.values}


@dataclass
class CommitmentCoverage:
    commitment: object  # framework Commitment
    actions: list = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.actions)

    @property
    def worst(self) -> str | None:
        return worst_status(self.actions)

    @property
    def counts(self) -> dict[str, int]:
        return status_counts(self.actions)


@dataclass
class Coverage:
    commitments: list[CommitmentCoverage]
    #: The partnership's active priorities that no live action of the plan belongs to.
    priorities_without_action: list[Priority]

    @property
    def uncovered(self) -> list[CommitmentCoverage]:
        return [c for c in self.commitments if not c.covered]

    def by_strategy_priority(self) -> list[tuple[str, list[CommitmentCoverage]]]:
        """The commitments grouped under the strategy's three priorities, in Box 6's order."""
        groups: dict[str, list[CommitmentCoverage]] = {}
        for entry in self.commitments:
            groups.setdefault(entry.commitment.priority, []).append(entry)
        return list(groups.items())


def coverage(plan: Plan, actions=None) -> Coverage:
    """Every one of the 15 commitments with the plan's live actions mapped to it (an action
    mapped to two commitments counts under both), and the active priorities with no action."""
    actions = list(live_actions(plan) if actions is None else actions)
    entries = [CommitmentCoverage(c, [a for a in actions if c.key in a.commitments])
               for c in guidance().commitments]
    used = {a.priority_id for a in actions}
    without = [p for p in plan.partnership.priorities.filter(status=Priority.Status.ACTIVE)
               if p.pk not in used]
    return Coverage(entries, without)


# --- quarterly updates ----------------------------------------------------------------------


def active_in(action: PlanAction, quarter: Quarter) -> bool:
    """Whether an update is asked of ``action`` for ``quarter``: it had started by the
    quarter's end, and was not complete or withdrawn before the quarter began."""
    if action.starts_on > quarter.end:
        return False
    if action.withdrawn_at is not None and action.withdrawn_at.date() < quarter.end:
        return False
    return not (action.completed_on is not None and action.completed_on < quarter.start)


@dataclass(frozen=True)
class UpdateDue:
    action: PlanAction
    quarter: Quarter
    deadline: dt.date
    overdue: bool


def updates_due(plan: Plan, today: dt.date, actions=None) -> list[UpdateDue]:
    """The live actions with no update yet for the last quarter that has ended, each with the
    deadline and whether it has passed. Only an agreed plan asks for updates."""
    if not plan.is_agreed:
        return []
    quarter = last_completed(today)
    deadline = quarter.deadline(plan.update_due_days)
    result = []
    for action in (live_actions(plan) if actions is None else actions):
        if not active_in(action, quarter):
            continue
        if any(u.quarter_start == quarter.start for u in action.updates.all()):
            continue
        result.append(UpdateDue(action, quarter, deadline, today > deadline))
    return result


def latest_update(action: PlanAction) -> QuarterlyUpdate | None:
    """The newest quarter's update (uses the prefetched, newest-first ``updates``)."""
    updates = list(action.updates.all())
    return updates[0] if updates else None
