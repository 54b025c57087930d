"""Quarterly updates of the delivery plan's actions, under ``<slug>/plan/updates/`` (names in
the 'partnerships' namespace): the updates of the agreed plan for a quarter (the one being
collected unless another is chosen), each action recorded, due or overdue, the signed-in
user's own actions first; recording an action's update (its owner, or the partnership's SRO
or leads); and every update of the plan as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import DATE, DATETIME, FLAG, About, Column, Table, table_response
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import lookups
from .actions_plan import PlanError, record_update
from .forms_updates import TEXT_MAX, RecordUpdateForm, quarter_from_code
from .models import Plan, PlanAction, QuarterlyUpdate
from .plans import active_in, live_actions
from .quarters import Quarter, between, last_completed

VIEW = "planning.view_plan"
RECORD = "planning.record_update"
SECTION = "plan"

#: The tag colour of each action status (the words are always shown too).
STATUS_TAGS = {
    PlanAction.Status.NOT_STARTED: "govuk-tag--grey",
    PlanAction.Status.ON_TRACK: "govuk-tag--green",
    PlanAction.Status.AT_RISK: "govuk-tag--yellow",
    PlanAction.Status.OFF_TRACK: "govuk-tag--red",
    PlanAction.Status.COMPLETE: "govuk-tag--blue",
}
RECORDED, DUE, OVERDUE = "recorded", "due", "overdue"


def _context(request, partnership: Partnership, **extra) -> dict:
    return {"partnership": partnership, "section": SECTION, "plan_tab": "updates",
            "partnership_sections": sections_for(partnership.slug), "today": today(), **extra}


def agreed_plan(partnership: Partnership) -> Plan | None:
    return partnership.plans.agreed().first()


def plan_quarters(plan: Plan, on: dt.date) -> list[Quarter]:
    """The quarters of the plan that have ended by ``on``, newest first (at least the one
    being collected)."""
    collected = last_completed(on)
    quarters = between(plan.starts_on, min(collected.end, max(plan.ends_on, plan.starts_on)))
    if collected not in quarters:
        quarters.append(collected)
    return sorted(set(quarters), reverse=True)


def action_quarters(action: PlanAction, on: dt.date) -> list[Quarter]:
    """The quarters an update of ``action`` may be recorded for, newest first: those that have
    ended by ``on``, since the action and its plan started, that the action was under way in."""
    first = max(action.starts_on, action.plan.starts_on)
    return [q for q in reversed(between(first, last_completed(on).end)) if active_in(action, q)]


@dataclass
class Row:
    action: PlanAction
    update: QuarterlyUpdate | None
    state: str  # RECORDED, DUE or OVERDUE
    can_record: bool
    record_url: str = ""

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS.get(self.update.status if self.update else "", "govuk-tag--grey")


def _record_url(partnership: Partnership, action: PlanAction, quarter: Quarter) -> str:
    return (reverse("partnerships:plan-update-record", args=[partnership.slug, action.pk])
            + "?" + urlencode({"quarter": quarter.code}))


def _updates_url(partnership: Partnership, quarter: Quarter | None = None) -> str:
    url = reverse("partnerships:plan-updates", args=[partnership.slug])
    return url + ("?" + urlencode({"quarter": quarter.code}) if quarter else "")


@access(VIEW, load=lookups.partnership)
def plan_updates(request, partnership: Partnership, slug: str):
    on = today()
    plan = agreed_plan(partnership)
    if plan is None:
        return render(request, "planning/updates_list.html", _context(
            request, partnership, plan=None, draft=partnership.plans.drafts().first()))
    collected = last_completed(on)
    quarters = plan_quarters(plan, on)
    chosen = quarter_from_code(request.GET.get("quarter"))
    selected = chosen if chosen in quarters else collected
    deadline = selected.deadline(plan.update_due_days)
    updates = {u.action_id: u for u in QuarterlyUpdate.objects.filter(
        action__plan=plan, quarter_start=selected.start).select_related("recorded_by")}
    rows, not_active = [], 0
    for action in live_actions(plan):
        if not active_in(action, selected):
            not_active += 1
            continue
        update = updates.get(action.pk)
        state = RECORDED if update else OVERDUE if on > deadline else DUE
        rows.append(Row(action, update, state, request.user.has_perm(RECORD, action),
                        _record_url(partnership, action, selected)))
    yours = [r for r in rows if r.action.owner.user_id == request.user.pk]
    others = [r for r in rows if r.action.owner.user_id != request.user.pk]
    return render(request, "planning/updates_list.html", _context(
        request, partnership, plan=plan, quarters=quarters, selected=selected,
        collected=collected, deadline=deadline, deadline_passed=on > deadline, yours=yours,
        others=others, not_active=not_active,
        counts={state: sum(1 for r in rows if r.state == state)
                for state in (RECORDED, DUE, OVERDUE)},
        total=len(rows)))


def _action(slug: str, pk: int, **_kwargs) -> PlanAction:
    """For ``@access(load=…)``: an action of a plan of the partnership in the URL (another
    partnership's action is not found)."""
    return get_object_or_404(
        PlanAction.objects.select_related("plan__partnership__region", "owner", "priority"),
        plan__partnership__slug=slug, pk=pk)


@access(RECORD, load=_action)
def record(request, action: PlanAction, slug: str, pk: int):
    partnership, plan, on = action.plan.partnership, action.plan, today()
    context = _context(request, partnership, action=action, plan=plan, text_max=TEXT_MAX)
    if not plan.is_agreed or action.is_withdrawn:
        return render(request, "planning/updates_record.html", {**context, "form": None})
    quarters = action_quarters(action, on)
    if not quarters:
        return render(request, "planning/updates_record.html", {
            **context, "form": None, "first_quarter": Quarter.containing(
                max(action.starts_on, plan.starts_on, on))})
    existing = {u.quarter_start: u for u in action.updates.select_related("recorded_by")}
    asked = quarter_from_code(request.GET.get("quarter"))
    quarter = asked if asked in quarters else quarters[0]
    if request.method == "POST":
        form = RecordUpdateForm(request.POST, quarters=quarters, today=on)
        posted = quarter_from_code(request.POST.get("quarter"))
        quarter = posted if posted in quarters else quarter
    else:
        update = existing.get(quarter.start)
        form = RecordUpdateForm(quarters=quarters, today=on, initial={
            "quarter": quarter.code, "status": update.status if update else action.status,
            "text": update.text if update else ""})
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["quarter"]
        correcting = chosen.start in existing
        try:
            record_update(action=action, quarter=chosen, status=form.cleaned_data["status"],
                          text=form.cleaned_data["text"], by=request.user)
        except PlanError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"The update for \u201c{action.title}\u201d for "
                                      f"{chosen.label} is {'corrected' if correcting else 'recorded'}.")
            return redirect(_updates_url(partnership, chosen))
    return render(request, "planning/updates_record.html", {
        **context, "form": form, "quarter": quarter, "existing": existing.get(quarter.start),
        "recorded": [(q, existing[q.start]) for q in quarters if q.start in existing],
        "back_url": _updates_url(partnership, quarter)})


UPDATE_COLUMNS = [
    Column("partnership", "Partnership"), Column("partnership_code", "Partnership code"),
    Column("plan", "Plan"), Column("action", "Action"), Column("priority", "Priority"),
    Column("owner", "Owner"), Column("quarter", "Quarter"),
    Column("quarter_start", "Quarter start", DATE), Column("quarter_end", "Quarter end", DATE),
    Column("deadline", "Update due by", DATE), Column("status", "Status"),
    Column("text", "Update"), Column("recorded_by", "Recorded by"),
    Column("recorded_at", "Recorded at", DATETIME),
    Column("withdrawn", "Action withdrawn", FLAG),
]


@access(VIEW, load=lookups.partnership)
def updates_download(request, partnership: Partnership, slug: str, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("Downloads are CSV or XLSX.")
    plan = agreed_plan(partnership)
    updates = [] if plan is None else (
        QuarterlyUpdate.objects.filter(action__plan=plan)
        .select_related("action__priority", "action__owner", "recorded_by")
        .order_by("action__due_on", "action_id", "quarter_start"))
    rows = []
    for update in updates:
        quarter = Quarter.containing(update.quarter_start)
        action = update.action
        rows.append({
            "partnership": partnership.name, "partnership_code": partnership.slug,
            "plan": str(plan), "action": action.title, "priority": action.priority.title,
            "owner": action.owner.full_name, "quarter": quarter.code,
            "quarter_start": quarter.start, "quarter_end": quarter.end,
            "deadline": quarter.deadline(plan.update_due_days),
            "status": update.get_status_display(), "text": update.text,
            "recorded_by": update.recorded_by.full_name if update.recorded_by else "",
            "recorded_at": update.recorded_at, "withdrawn": action.is_withdrawn})
    audit.record(AuditEvent.Kind.EXPORT, request=request, partnership_id=partnership.pk,
                 target=f"quarterly updates of {partnership.slug} ({fmt.upper()})")
    about = About(
        title=f"Quarterly updates of the delivery plan: {partnership.name}",
        url=request.build_absolute_uri(reverse("partnerships:plan-updates", args=[slug])),
        notes=[f"Every update recorded for the agreed plan ({plan}), one row each."
               if plan else "The partnership has no agreed plan, so no updates."])
    return table_response(Table(UPDATE_COLUMNS, rows, about, sheet="Quarterly updates"), fmt,
                          f"{slug}-quarterly-updates")
