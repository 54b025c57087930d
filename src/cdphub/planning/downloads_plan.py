"""The delivery plan's downloads (``docs/downloads.md``): the plan's actions, the coverage
check, and the year-on-year comparison. Each is a ``core.downloads.Table``; the views return
it with ``table_response`` and record the export in the audit log."""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from cdphub.core.downloads import COUNT, DATE, DATETIME, FLAG, About, Column, Table

from . import plans
from .compare import Comparison
from .models import Plan, PlanAction
from .plans import Coverage
from .quarters import Quarter

SOURCE = "cdphub delivery plans"


def _joined(values) -> str:
    return "; ".join(str(v) for v in values)


def _partnership_cells(plan: Plan) -> dict:
    return {"partnership": plan.partnership.name, "partnership_code": plan.partnership.slug,
            "plan": plan.title, "plan_status": plan.get_status_display(),
            "plan_starts_on": plan.starts_on, "plan_ends_on": plan.ends_on}


PLAN_HEAD = [
    Column("partnership", "Partnership"), Column("partnership_code", "Partnership code"),
    Column("plan", "Plan"), Column("plan_status", "Plan status"),
    Column("plan_starts_on", "Plan starts", DATE), Column("plan_ends_on", "Plan ends", DATE),
]

ACTION_COLUMNS = [
    *PLAN_HEAD,
    Column("priority", "Priority"), Column("title", "Action"),
    Column("description", "Description"), Column("commitments", "National commitments"),
    Column("lead_organisation", "Lead organisation"), Column("owner", "Owner"),
    Column("starts_on", "Start date", DATE), Column("due_on", "Due date", DATE),
    Column("overdue", "Overdue", FLAG),
    Column("funding_stream", "Funding stream"), Column("metrics", "Metrics"),
    Column("status", "Status"), Column("commentary", "Status commentary"),
    Column("completed_on", "Date completed", DATE),
    Column("milestones", "Milestones"),
    Column("meeting", "Agreed at meeting"), Column("meeting_on", "Meeting date", DATE),
    Column("latest_quarter", "Latest update quarter"),
    Column("latest_status", "Latest update status"),
    Column("latest_update", "Latest update"),
    Column("latest_recorded_at", "Latest update recorded at", DATETIME),
    Column("carried", "Carried from the previous plan", FLAG),
    Column("withdrawn_at", "Withdrawn at", DATETIME),
    Column("withdrawal_reason", "Reason for withdrawing it"),
    Column("link", "Link"),
]


def _milestone_words(action: PlanAction) -> str:
    return _joined(f"{m.title} (due {m.due_on.isoformat()}"
                   + (f", done {m.done_on.isoformat()})" if m.done_on else ")")
                   for m in action.milestones.all())


def action_rows(plan: Plan, today: dt.date, link) -> list[dict]:
    """One row per action of ``plan``, live ones first, then the withdrawn; ``link`` makes an
    action's address."""
    actions = list(plan.actions.select_related(
        "priority", "lead_organisation", "owner", "funding_stream", "meeting")
        .prefetch_related("metrics", "milestones", "updates")
        .order_by(F("withdrawn_at").asc(nulls_first=True), "priority__title", "due_on", "pk"))
    rows = []
    for action in actions:
        latest = plans.latest_update(action)
        rows.append({
            **_partnership_cells(plan),
            "priority": action.priority.title, "title": action.title,
            "description": action.description,
            "commitments": _joined(action.commitment_labels()),
            "lead_organisation": action.lead_organisation.name,
            "owner": action.owner.full_name, "starts_on": action.starts_on,
            "due_on": action.due_on, "overdue": action.is_overdue(today),
            "funding_stream": str(action.funding_stream) if action.funding_stream else "",
            "metrics": _joined(m.name for m in action.metrics.all()),
            "status": action.get_status_display(), "commentary": action.commentary,
            "completed_on": action.completed_on,
            "milestones": _milestone_words(action),
            "meeting": action.meeting.title if action.meeting else "",
            "meeting_on": action.meeting.held_on if action.meeting else None,
            "latest_quarter": Quarter(latest.quarter_start).code if latest else "",
            "latest_status": latest.get_status_display() if latest else "",
            "latest_update": latest.text if latest else "",
            "latest_recorded_at": latest.recorded_at if latest else None,
            "carried": action.carried_from_id is not None,
            "withdrawn_at": action.withdrawn_at,
            "withdrawal_reason": action.withdrawal_reason,
            "link": link(action),
        })
    return rows


def actions_table(plan: Plan, today: dt.date, *, page: str, link) -> Table:
    about = About(
        title=f"Delivery plan actions: {plan.partnership.name}, {plan.title} "
              f"({plan.period_label()})",
        source=SOURCE, url=page,
        filters=[("Partnership", plan.partnership.name), ("Plan", str(plan))],
        notes=["One row per action of the plan. Withdrawn actions are listed last, with when "
               "and why they were withdrawn: leave them out when counting the plan's actions.",
               "National commitments are those of Box 6 of the guidance (From harm to hope, "
               "chapter 4), joined by \"; \"; metrics likewise.",
               "Overdue: past its due date and not complete, on the day the file was made."])
    return Table(ACTION_COLUMNS, action_rows(plan, today, link), about, sheet="Actions")


COVERAGE_COLUMNS = [
    *PLAN_HEAD,
    Column("strategy_priority", "Strategy priority"),
    Column("commitment", "National commitment"),
    Column("commitment_key", "Commitment key"),
    Column("covered", "Covered", FLAG),
    Column("actions_count", "Actions for the commitment", COUNT),
    Column("title", "Action"), Column("priority", "Partnership priority"),
    Column("lead_organisation", "Lead organisation"), Column("owner", "Owner"),
    Column("due_on", "Due date", DATE), Column("status", "Status"),
    Column("link", "Link"),
]


def coverage_rows(plan: Plan | None, coverage: Coverage, link) -> list[dict]:
    """One row per commitment and action; a commitment with no action has one row, not
    covered."""
    head = _partnership_cells(plan) if plan is not None else {}
    rows = []
    for entry in coverage.commitments:
        commitment = entry.commitment
        base = {**head, "strategy_priority": commitment.priority,
                "commitment": commitment.label, "commitment_key": commitment.key,
                "covered": entry.covered, "actions_count": len(entry.actions)}
        if not entry.actions:
            rows.append(base)
        for action in entry.actions:
            rows.append({**base, "title": action.title, "priority": action.priority.title,
                         "lead_organisation": action.lead_organisation.name,
                         "owner": action.owner.full_name, "due_on": action.due_on,
                         "status": action.get_status_display(), "link": link(action)})
    return rows


def coverage_table(partnership, plan: Plan | None, coverage: Coverage, *, page: str,
                   link) -> Table:
    uncovered = len(coverage.uncovered)
    about = About(
        title=f"Coverage of the 15 national commitments: {partnership.name}",
        source=SOURCE, url=page,
        filters=[("Partnership", partnership.name),
                 ("Plan", str(plan) if plan is not None else "No plan yet")],
        notes=["One row per commitment and action: an action mapped to two commitments is "
               "counted under both. A commitment with no action has one row, marked not "
               "covered: the guidance asks every plan to cover all 15 commitments.",
               "Withdrawn actions do not count.",
               f"{15 - uncovered} of 15 commitments covered; {uncovered} with no action."]
        + (["Active priorities with no action: "
            + _joined(p.title for p in coverage.priorities_without_action)]
           if coverage.priorities_without_action else []))
    return Table(COVERAGE_COLUMNS, coverage_rows(plan, coverage, link), about,
                 sheet="Coverage")


COMPARE_COLUMNS = [
    *PLAN_HEAD,
    Column("compared_on", "Compared with the plan in force on", DATE),
    Column("earlier_plan", "Earlier plan"),
    Column("change", "Change"), Column("priority", "Priority"), Column("title", "Action"),
    Column("then_status", "Status then"), Column("now_status", "Status now"),
    Column("note", "Note"), Column("link", "Link"),
]
CHANGE_WORDS = {"added": "Added", "completed": "Completed", "dropped": "Dropped",
                "changed": "Changed status"}


def compare_table(comparison: Comparison, lists, *, page: str, link) -> Table:
    plan = comparison.plan
    head = {**_partnership_cells(plan), "compared_on": comparison.on,
            "earlier_plan": (f"{comparison.earlier.title} ({comparison.earlier.starts_on:%Y}"
                             f"\u2013{comparison.earlier.ends_on:%Y}, "
                             f"{comparison.earlier.get_status_display().lower()} then)"
                             if comparison.earlier is not None else "No plan then")}
    rows = []
    for key, _heading, changes in comparison.lists():
        if key not in lists:
            continue
        for change in changes:
            rows.append({**head, "change": CHANGE_WORDS[key], "priority": change.priority,
                         "title": change.title, "then_status": change.then_label,
                         "now_status": change.now_label, "note": change.note,
                         "link": link(change.action) if change.action is not None else ""})
    about = About(
        title=f"Delivery plan year on year: {plan.partnership.name}, {plan.title}",
        source=SOURCE, url=page,
        filters=[("Partnership", plan.partnership.name),
                 ("Compared with", comparison.on.isoformat()),
                 ("Lists", ", ".join(CHANGE_WORDS[k] for k in lists))],
        notes=["Actions are matched across plans by their lineage: an action carried into the "
               "next plan is the same action.",
               "An action added since and already complete is listed as added and as "
               "completed."])
    return Table(COMPARE_COLUMNS, rows, about, sheet="Year on year")
