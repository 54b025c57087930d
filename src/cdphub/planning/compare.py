"""Year on year: a delivery plan as it is now against the partnership's plan as it stood on an
earlier day (usually a year before), from the plans' history (django-simple-history's
``as_of``). Actions are matched across plans by their ``lineage``: an action carried into
the next plan is the same action.

* **added**: live in the plan now, and not in the plan in force on the earlier day;
* **completed**: complete now and not complete then (an action added since and already
  complete is listed here as well as under added); an action of the earlier plan that was
  completed there and so not carried into this one counts as completed too;
* **dropped**: open then (not complete, not withdrawn) and since withdrawn, or not carried
  into this plan;
* **changed status**: in both, live, with another status now (other than complete).

"The plan in force" on a day is the one agreed then, else the draft being written then (as
``plans.current_plan`` chooses today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from .models import Plan, PlanAction

STATUS = PlanAction.Status


def status_label(value: str | None) -> str:
    return STATUS(value).label if value in STATUS.values else ""


@dataclass(frozen=True)
class Change:
    """One action in one of the comparison's lists."""

    lineage: str
    title: str
    priority: str
    then_status: str | None  # a PlanAction.Status value; None: not in the earlier plan
    now_status: str | None  # None: not in this plan (dropped)
    #: The action as it is now (this plan's, or the earlier plan's when it was not carried).
    action: PlanAction | None
    note: str = ""

    @property
    def then_label(self) -> str:
        return status_label(self.then_status)

    @property
    def now_label(self) -> str:
        return status_label(self.now_status)


@dataclass
class Comparison:
    plan: Plan
    on: dt.date
    #: The plan in force on ``on`` as it stood then (a historical instance), or None.
    earlier: Plan | None
    added: list[Change] = field(default_factory=list)
    completed: list[Change] = field(default_factory=list)
    dropped: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    def lists(self) -> list[tuple[str, str, list[Change]]]:
        """(key, heading, changes) for each of the four lists, in the page's order."""
        return [("added", "Actions added", self.added),
                ("completed", "Actions completed", self.completed),
                ("dropped", "Actions dropped", self.dropped),
                ("changed", "Actions that changed status", self.changed)]


LISTS = ("added", "completed", "dropped", "changed")


def end_of(day: dt.date) -> dt.datetime:
    """The last moment of ``day`` in the service's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def plan_in_force(partnership_id: int, moment: dt.datetime) -> Plan | None:
    """The partnership's plan as it stood at ``moment``: the agreed one, else the draft."""
    plans = list(Plan.history.as_of(moment).filter(partnership_id=partnership_id))
    for status in (Plan.Status.AGREED, Plan.Status.DRAFT):
        found = [p for p in plans if p.status == status]
        if found:
            return max(found, key=lambda p: (p.starts_on, p.pk))
    return None


def _order(change: Change) -> tuple:
    return (change.priority.lower(), change.title.lower(), change.lineage)


def compare(plan: Plan, on: dt.date) -> Comparison:
    """``plan`` as it is now against the partnership's plan in force at the end of ``on``."""
    moment = end_of(on)
    earlier = plan_in_force(plan.partnership_id, moment)
    result = Comparison(plan=plan, on=on, earlier=earlier)
    then: dict[str, PlanAction] = {}
    if earlier is not None:
        then = {a.lineage: a for a in PlanAction.history.as_of(moment).filter(
            plan_id=earlier.pk) if a.withdrawn_at is None}
    now = {a.lineage: a for a in plan.actions.select_related("priority")}
    priority_titles = dict(plan.partnership.priorities.values_list("pk", "title"))

    def change(lineage, *, old, new, current, note="") -> Change:
        shown = new or current or old
        return Change(lineage=lineage, title=shown.title,
                      priority=priority_titles.get(shown.priority_id, ""),
                      then_status=old.status if old is not None else None,
                      now_status=new.status if new is not None else None,
                      action=current, note=note)

    for lineage, action in now.items():
        old = then.get(lineage)
        if action.is_withdrawn:
            if old is not None and old.status != STATUS.COMPLETE:
                result.dropped.append(change(
                    lineage, old=old, new=None, current=action,
                    note=f"Withdrawn: {action.withdrawal_reason}".strip()))
            continue
        if old is None:
            result.added.append(change(lineage, old=None, new=action, current=action))
        if action.status == STATUS.COMPLETE:
            if old is None or old.status != STATUS.COMPLETE:
                result.completed.append(change(lineage, old=old, new=action, current=action))
        elif old is not None and old.status != action.status:
            result.changed.append(change(lineage, old=old, new=action, current=action))

    gone = [lineage for lineage, old in then.items()
            if lineage not in now and old.status != STATUS.COMPLETE]
    latest: dict[str, PlanAction] = {}
    for action in PlanAction.objects.filter(
            plan__partnership_id=plan.partnership_id, lineage__in=gone).order_by("pk"):
        latest[action.lineage] = action  # the newest record of each lineage
    for lineage in gone:
        old, current = then[lineage], latest.get(lineage)
        if current is not None and current.status == STATUS.COMPLETE and not current.is_withdrawn:
            result.completed.append(change(lineage, old=old, new=current, current=current,
                                           note="Completed in the earlier plan"))
        elif current is not None and current.is_withdrawn:
            result.dropped.append(change(
                lineage, old=old, new=None, current=current,
                note=f"Withdrawn: {current.withdrawal_reason}".strip()))
        else:
            result.dropped.append(change(lineage, old=old, new=None, current=current,
                                         note="Not carried into this plan"))
    for name in LISTS:
        getattr(result, name).sort(key=_order)
    return result
