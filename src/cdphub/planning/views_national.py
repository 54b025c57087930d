"""Every partnership's delivery plan against the 15 Box 6 commitments, under
``/partnerships/plans/``: central users see all of England, regional advisers their region
(``partnerships.status.visible_to``; the region filter offers only the regions they can see,
``partnerships.scope``). Each cell is the number of live actions the partnership's current
plan (agreed, else draft: ``plans.current_plan``) maps to the commitment, with their worst
status (``plans.worst_status``).

The matrix is read in a fixed number of queries however many partnerships it shows: the
partnerships, their draft and agreed plans, and those plans' live actions, each in one query
(``plan_matrix``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import COUNT, DATE, FORMATS, About, Column, Table, table_response
from cdphub.framework import guidance
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.scope import scope_for
from cdphub.partnerships.status import visible_to

from .models import Plan, PlanAction
from .plans import worst_status

PERMISSION = "planning.view_national_plans"
STATUS = PlanAction.Status
#: Each status's tag colour; the tag's words are the status's own, so colour is never the only
#: thing that says it.
STATUS_TAG = {STATUS.OFF_TRACK: "govuk-tag--red", STATUS.AT_RISK: "govuk-tag--orange",
              STATUS.NOT_STARTED: "govuk-tag--grey", STATUS.ON_TRACK: "govuk-tag--blue",
              STATUS.COMPLETE: "govuk-tag--green"}
NO_ACTION = "No action"
NO_PLAN = "No plan"


@dataclass
class Cell:
    commitment: object  # framework Commitment
    count: int
    worst: str | None  # a PlanAction.Status value; None: no action

    @property
    def worst_label(self) -> str:
        return STATUS(self.worst).label if self.worst else NO_ACTION

    @property
    def tag(self) -> str:
        return STATUS_TAG.get(self.worst, "")


@dataclass
class Row:
    partnership: Partnership
    plan: Plan | None
    cells: list[Cell]

    @property
    def covered(self) -> int:
        return sum(1 for cell in self.cells if cell.count)

    @property
    def plan_status(self) -> str:
        return self.plan.get_status_display() if self.plan else NO_PLAN


def _current_plans(partnership_ids) -> dict[int, Plan]:
    """Each partnership's plan in force (agreed), else its draft, as ``plans.current_plan``
    chooses, for many partnerships in one query."""
    chosen: dict[int, Plan] = {}
    for plan in Plan.objects.filter(partnership_id__in=partnership_ids,
                                    status__in=[Plan.Status.AGREED, Plan.Status.DRAFT]):
        held = chosen.get(plan.partnership_id)
        if held is None or (plan.is_agreed and not held.is_agreed):
            chosen[plan.partnership_id] = plan
    return chosen


def plan_matrix(partnerships) -> list[Row]:
    """One row per partnership (in the order given): its current plan (or None) and, for each
    of the 15 commitments in Box 6's order, the number of the plan's live actions mapped to it
    and their worst status. Three queries whatever the number of partnerships."""
    partnerships = list(partnerships)
    plans = _current_plans([p.pk for p in partnerships])
    by_plan: dict[int, list[PlanAction]] = {}
    for action in (PlanAction.objects.filter(plan_id__in=[p.pk for p in plans.values()],
                                             withdrawn_at__isnull=True)
                   .only("pk", "plan_id", "commitments", "status")):
        by_plan.setdefault(action.plan_id, []).append(action)
    commitments = guidance().commitments
    rows = []
    for partnership in partnerships:
        plan = plans.get(partnership.pk)
        actions = by_plan.get(plan.pk, []) if plan else []
        cells = []
        for commitment in commitments:
            mapped = [a for a in actions if commitment.key in a.commitments]
            cells.append(Cell(commitment, len(mapped), worst_status(mapped)))
        rows.append(Row(partnership, plan, cells))
    return rows


@dataclass
class Summary:
    shown: int
    agreed: int
    draft_only: int
    no_plan: int
    all_covered: int
    #: (commitment, how many of the partnerships shown have no action on it), most often
    #: uncovered first; only commitments some partnership leaves uncovered.
    most_uncovered: list


def summarise(rows: list[Row], top: int = 3) -> Summary:
    total = len(guidance().commitments)
    uncovered = Counter()
    for row in rows:
        for cell in row.cells:
            if not cell.count:
                uncovered[cell.commitment.key] += 1
    by_key = {c.key: c for c in guidance().commitments}
    order = {c.key: i for i, c in enumerate(guidance().commitments)}
    ranked = sorted(uncovered.items(), key=lambda kv: (-kv[1], order[kv[0]]))
    return Summary(
        shown=len(rows),
        agreed=sum(1 for r in rows if r.plan and r.plan.is_agreed),
        draft_only=sum(1 for r in rows if r.plan and r.plan.is_draft),
        no_plan=sum(1 for r in rows if r.plan is None),
        all_covered=sum(1 for r in rows if r.covered == total),
        most_uncovered=[(by_key[key], count) for key, count in ranked[:top]])


def _partnerships(request):
    partnerships = visible_to(Partnership.objects.all(), request.user).select_related(
        "region").order_by("name")
    region_code = request.GET.get("region", "")
    if region_code:
        partnerships = partnerships.filter(region__code=region_code)
    return partnerships, region_code


def _groups():
    """The strategy's three priorities, each with its commitments, in Box 6's order."""
    groups: dict[str, list] = {}
    for commitment in guidance().commitments:
        groups.setdefault(commitment.priority, []).append(commitment)
    return list(groups.items())


@access(PERMISSION)
def national_plans(request):
    partnerships, region_code = _partnerships(request)
    rows = plan_matrix(partnerships)
    scope = scope_for(request.user)  # the region filter offers only regions the user can see
    return render(request, "planning/national_plans.html", {
        "rows": rows, "summary": summarise(rows), "groups": _groups(),
        "total": len(guidance().commitments), "regions": scope.regions, "scope": scope,
        "region_code": region_code, "today": today(),
        "empty_reason": "" if rows else scope.empty_reason(region_code=region_code),
        "statuses": [(STATUS(s).label, STATUS_TAG[s]) for s in PlanAction.SEVERITY],
    })


NATIONAL_COLUMNS = [
    Column("partnership", "Partnership"),
    Column("partnership_code", "Partnership code"),
    Column("region", "Region"),
    Column("region_code", "Region code"),
    Column("plan_status", "Plan status"),
    Column("plan_start", "Plan start", DATE),
    Column("plan_end", "Plan end", DATE),
    Column("agreed_on", "Agreed on", DATE),
    Column("strategy_priority", "Strategy priority"),
    Column("commitment", "Commitment"),
    Column("commitment_key", "Commitment code"),
    Column("actions", "Number of actions", COUNT),
    Column("worst_status", "Worst status"),
    Column("covered", "Commitments covered by the plan", COUNT),
]


@access(PERMISSION)
def national_plans_download(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404("Downloads are CSV or XLSX.")
    partnerships, region_code = _partnerships(request)
    rows = plan_matrix(partnerships)
    audit.record(AuditEvent.Kind.EXPORT, request=request,
                 target=f"national delivery plans matrix ({fmt.upper()})"[:300],
                 filters=request.GET.dict())
    data = [{"partnership": row.partnership.name, "partnership_code": row.partnership.slug,
             "region": row.partnership.region.name if row.partnership.region else "",
             "region_code": row.partnership.region.code if row.partnership.region else "",
             "plan_status": row.plan_status,
             "plan_start": row.plan.starts_on if row.plan else None,
             "plan_end": row.plan.ends_on if row.plan else None,
             "agreed_on": row.plan.agreed_on if row.plan else None,
             "strategy_priority": cell.commitment.priority,
             "commitment": cell.commitment.label, "commitment_key": cell.commitment.key,
             "actions": cell.count, "worst_status": cell.worst_label, "covered": row.covered}
            for row in rows for cell in row.cells]
    page = reverse("partnerships:national-plans") + (
        f"?{request.GET.urlencode()}" if request.GET else "")
    about = About(
        title="Delivery plans of every partnership against the 15 commitments",
        source="cdphub delivery plans", url=request.build_absolute_uri(page),
        filters=[("Region", region_code)] if region_code else (),
        notes=["One row per partnership and commitment (Box 6 of the guidance).",
               "The plan: the partnership's agreed plan, else its draft. Number of actions: "
               "its actions mapped to the commitment, not withdrawn; worst status: the worst "
               "of their statuses (off track, at risk, not started, on track, complete)."])
    return table_response(Table(NATIONAL_COLUMNS, data, about, sheet="Delivery plans"), fmt,
                          f"cdphub-delivery-plans-{today()}")
