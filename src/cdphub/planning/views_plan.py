"""The delivery plan's pages, under ``<slug>/plan/`` (names in the 'partnerships' namespace):
the plan (the plan in force, or any of the partnership's plans) with its plan on a page, what
is overdue and its actions by priority; starting, changing and agreeing a plan; an action's
page, its changes, withdrawal, status and milestones; the coverage check of the 15 national
commitments; the plan against the plan a year before; and the downloads.

Every view loads the partnership by the URL's slug and the plan, action or milestone only
among that partnership's own (``lookups_plan``), so another partnership's record is not found
(404). The writes are ``actions_plan``; a ``PlanError`` is shown on the named field and
changes nothing. A superseded plan is read only.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import table_response
from cdphub.framework import guidance
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import actions_plan, downloads_plan, lookups, lookups_plan, plans
from .compare import LISTS, compare
from .forms_plan import (
    ActionForm,
    ActionStatusForm,
    CompareForm,
    MilestoneForm,
    PlanAgreeForm,
    PlanEditForm,
    PlanForm,
    WithdrawActionForm,
)
from .models import Plan, PlanAction, Priority

VIEW = "planning.view_plan"
CHANGE = "planning.change_plan"
AGREE = "planning.agree_plan"
RECORD_UPDATE = "planning.record_update"
SECTION = "plan"

STATUS = PlanAction.Status
#: How each status is drawn: the GOV.UK tag colour, and the bar's fill. Every tag and bar
#: also says the status in words (colour is never the only carrier of meaning).
STATUS_TAG = {STATUS.NOT_STARTED: "grey", STATUS.ON_TRACK: "turquoise",
              STATUS.AT_RISK: "orange", STATUS.OFF_TRACK: "red", STATUS.COMPLETE: "green"}
STATUS_FILL = {STATUS.NOT_STARTED: "#b1b4b6", STATUS.ON_TRACK: "#28a197",
               STATUS.AT_RISK: "#f47738", STATUS.OFF_TRACK: "#d4351c",
               STATUS.COMPLETE: "#00703c"}


def _context(request, partnership: Partnership, **extra) -> dict:
    return {"partnership": partnership, "section": SECTION, "plan_tab": "plan",
            "partnership_sections": sections_for(partnership.slug), "today": today(),
            "can_change": request.user.has_perm(CHANGE, partnership),
            "can_agree": request.user.has_perm(AGREE, partnership),
            "status_tags": STATUS_TAG, **extra}


def _posted(request):
    return request.POST if request.method == "POST" else None


def _apply_error(form, error: actions_plan.PlanError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _action_url(action: PlanAction) -> str:
    return reverse("partnerships:plan-action", args=[action.plan.partnership.slug, action.pk])


def _refuse_if_superseded(request, plan: Plan):
    if plan.status == Plan.Status.SUPERSEDED:
        messages.error(request, "This plan has been superseded by a later one and can no "
                                "longer be changed.")
        return redirect(actions_plan.plan_url(plan))
    return None


def _refuse_if_fixed(request, action: PlanAction):
    """An action of a superseded plan, or a withdrawn action, is not changed."""
    if action.plan.status == Plan.Status.SUPERSEDED or action.is_withdrawn:
        messages.error(request, "This action was withdrawn and can no longer be changed."
                       if action.is_withdrawn else "This action belongs to a superseded plan "
                       "and can no longer be changed.")
        return redirect(_action_url(action))
    return None


# --- presentation ---------------------------------------------------------------------------


def status_summary(counts: dict[str, int]) -> dict:
    """What the plan on a page draws for a set of actions: a tag per status present (words and
    number) and a bar of 100 units split by status (drawn, and hidden from screen readers:
    the tags say the same)."""
    total = sum(counts.values())
    tags, segments, x = [], [], 0.0
    for status in PlanAction.SEVERITY:
        count = counts.get(status, 0)
        if not count:
            continue
        label = STATUS(status).label
        tags.append({"status": status, "label": label, "count": count,
                     "colour": STATUS_TAG[status]})
        width = 100 * count / total
        segments.append({"x": round(x, 3), "width": round(width, 3),
                         "fill": STATUS_FILL[status], "label": label})
        x += width
    return {"total": total, "tags": tags, "segments": segments}


def _grouped_by_priority(actions) -> list[tuple[Priority, list[tuple[PlanAction, object]]]]:
    groups: dict[int, tuple[Priority, list]] = {}
    for action in actions:
        groups.setdefault(action.priority_id, (action.priority, []))[1].append(
            (action, plans.latest_update(action)))
    return sorted(groups.values(), key=lambda group: group[0].title.lower())


def _on_a_page(coverage: plans.Coverage) -> list[tuple[str, list[dict]]]:
    return [(strategy, [{"entry": entry, "summary": status_summary(entry.counts)}
                        for entry in entries])
            for strategy, entries in coverage.by_strategy_priority()]


def _milestone_record(plan: Plan):
    if not plan.agreed_on:
        return None
    return plan.partnership.milestone_completions.filter(
        milestone_key=actions_plan.MILESTONE, link=actions_plan.plan_url(plan)).first()


def _plan_page(request, partnership: Partnership, plan: Plan | None, *, current: bool):
    on = today()
    if plan is None:
        return render(request, "planning/plan_detail.html", _context(
            request, partnership, plan=None, other_plans=list(partnership.plans.all())))
    actions = list(plans.live_actions(plan).prefetch_related("milestones"))
    coverage = plans.coverage(plan, actions)
    due = plans.updates_due(plan, on, actions)
    return render(request, "planning/plan_detail.html", _context(
        request, partnership, plan=plan, current=current, actions=actions,
        on_a_page=_on_a_page(coverage), coverage=coverage,
        plan_summary=status_summary(plans.status_counts(actions)),
        overdue_actions=[a for a in actions if a.is_overdue(on)],
        overdue_updates=[d for d in due if d.overdue],
        updates_waiting=[d for d in due if not d.overdue],
        by_priority=_grouped_by_priority(actions),
        withdrawn=list(plan.actions.filter(withdrawn_at__isnull=False).select_related(
            "priority", "withdrawn_by")),
        other_plans=list(partnership.plans.exclude(pk=plan.pk)),
        draft_next=(partnership.plans.drafts().exclude(pk=plan.pk).first()
                    if plan.is_agreed else None),
        milestone_record=_milestone_record(plan),
        changeable=plan.status != Plan.Status.SUPERSEDED))


@access(VIEW, load=lookups.partnership)
def plan(request, partnership: Partnership, slug: str):
    """The plan in force (agreed), else the draft; with none, an offer to start one."""
    return _plan_page(request, partnership, plans.current_plan(partnership), current=True)


@access(VIEW, load=lookups.partnership)
def plan_detail(request, partnership: Partnership, slug: str, pk: int):
    found = lookups_plan.plan(partnership, pk)
    return _plan_page(request, partnership, found,
                      current=plans.current_plan(partnership) == found)


# --- starting, changing and agreeing a plan -------------------------------------------------


@access(CHANGE, load=lookups.partnership)
def plan_start(request, partnership: Partnership, slug: str):
    on = today()
    form = PlanForm(data=_posted(request), today=on)
    draft = partnership.plans.drafts().first()
    in_force = partnership.plans.agreed().first()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = actions_plan.start_plan(
                partnership=partnership, title=data["title"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], by=request.user)
        except actions_plan.PlanError as error:
            _apply_error(form, error)
        else:
            carried = started.actions.count()
            messages.success(request, f"\u201c{started.title}\u201d is started as a draft"
                             + (f": {carried} open action{'s' if carried != 1 else ''} of the "
                                "plan in force carried over." if carried else "."))
            return redirect(actions_plan.plan_url(started))
    open_actions = (in_force.actions.filter(withdrawn_at__isnull=True).exclude(
        status=STATUS.COMPLETE).count() if in_force else 0)
    return render(request, "planning/plan_start.html", _context(
        request, partnership, form=form, draft=draft, in_force=in_force,
        open_actions=open_actions))


@access(CHANGE, load=lookups.partnership)
def plan_edit(request, partnership: Partnership, slug: str, pk: int):
    found = lookups_plan.plan(partnership, pk)
    if refused := _refuse_if_superseded(request, found):
        return refused
    form = PlanEditForm(data=_posted(request), today=today(), plan=found)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions_plan.change_plan(
                plan=found, title=data["title"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], update_due_days=data["update_due_days"],
                reminder_days=data["reminder_days"], by=request.user)
        except actions_plan.PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{found.title}\u201d is updated.")
            return redirect(actions_plan.plan_url(found))
    return render(request, "planning/plan_edit.html", _context(
        request, partnership, plan=found, form=form))


@access(AGREE, load=lookups.partnership)
def plan_agree(request, partnership: Partnership, slug: str, pk: int):
    found = lookups_plan.plan(partnership, pk)
    on = today()
    form = PlanAgreeForm(data=_posted(request), partnership=partnership, on=on)
    if request.method == "POST" and form.is_valid():
        try:
            actions_plan.agree_plan(plan=found, meeting=form.cleaned_data["meeting"],
                                    by=request.user)
        except actions_plan.PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{found.title}\u201d is agreed: it is the plan in "
                                      "force, and the delivery plan milestone is recorded as "
                                      f"done on {found.agreed_on:%-d %B %Y}.")
            return redirect(actions_plan.plan_url(found))
    return render(request, "planning/plan_agree.html", _context(
        request, partnership, plan=found, form=form,
        live_count=found.actions.filter(withdrawn_at__isnull=True).count(),
        in_force=partnership.plans.agreed().exclude(pk=found.pk).first()))


# --- actions --------------------------------------------------------------------------------


def _action_form_page(request, partnership, *, plan: Plan, form, action=None):
    return render(request, "planning/plan_action_form.html", _context(
        request, partnership, plan=plan, form=form, action=action,
        has_priorities=form.fields["priority"].queryset.exists()))


@access(CHANGE, load=lookups.partnership)
def action_add(request, partnership: Partnership, slug: str, pk: int):
    found = lookups_plan.plan(partnership, pk)
    if refused := _refuse_if_superseded(request, found):
        return refused
    chosen = None
    if (wanted := request.GET.get("priority", "")).isdigit():
        chosen = partnership.priorities.filter(pk=int(wanted),
                                               status=Priority.Status.ACTIVE).first()
    form = ActionForm(data=_posted(request), partnership=partnership, today=today(),
                      priority=chosen)
    if request.method == "POST" and form.is_valid():
        try:
            added = actions_plan.add_action(plan=found, by=request.user, **form.values())
        except actions_plan.PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{added.title}\u201d is added to the plan.")
            return redirect(_action_url(added))
    return _action_form_page(request, partnership, plan=found, form=form)


@access(VIEW, load=lookups.partnership)
def action_detail(request, partnership: Partnership, slug: str, pk: int):
    action = lookups_plan.action(partnership, pk)
    fixed = action.plan.status == Plan.Status.SUPERSEDED or action.is_withdrawn
    return render(request, "planning/plan_action.html", _context(
        request, partnership, plan=action.plan, action=action,
        milestones=list(action.milestones.all()),
        updates=list(action.updates.select_related("recorded_by").order_by("-quarter_start")),
        metrics=list(action.metrics.all()), changeable=not fixed,
        can_record=not fixed and request.user.has_perm(RECORD_UPDATE, action),
        overdue=action.is_overdue(today())))


@access(CHANGE, load=lookups.partnership)
def action_edit(request, partnership: Partnership, slug: str, pk: int):
    action = lookups_plan.action(partnership, pk)
    if refused := _refuse_if_fixed(request, action):
        return refused
    form = ActionForm(data=_posted(request), partnership=partnership, today=today(),
                      action=action)
    if request.method == "POST" and form.is_valid():
        try:
            actions_plan.change_action(action=action, by=request.user, **form.values())
        except actions_plan.PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{action.title}\u201d is updated.")
            return redirect(_action_url(action))
    return _action_form_page(request, partnership, plan=action.plan, form=form, action=action)


@access(CHANGE, load=lookups.partnership)
def action_withdraw(request, partnership: Partnership, slug: str, pk: int):
    action = lookups_plan.action(partnership, pk)
    if refused := _refuse_if_fixed(request, action):
        return refused
    form = WithdrawActionForm(data=_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            actions_plan.withdraw_action(action=action, reason=form.cleaned_data["reason"],
                                         by=request.user)
        except actions_plan.PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{action.title}\u201d is withdrawn from the plan. "
                                      "It stays in the plan's history.")
            return redirect(actions_plan.plan_url(action.plan))
    return render(request, "planning/plan_action_withdraw.html", _context(
        request, partnership, plan=action.plan, action=action, form=form))


@access(CHANGE, load=lookups.partnership)
def action_status(request, partnership: Partnership, slug: str, pk: int):
    action = lookups_plan.action(partnership, pk)
    if refused := _refuse_if_fixed(request, action):
        return refused
    form = ActionStatusForm(data=_posted(request), action=action)
    if request.method == "POST" and form.is_valid():
        try:
            actions_plan.set_status(action=action, status=form.cleaned_data["status"],
                                    commentary=form.cleaned_data["commentary"], by=request.user)
        except actions_plan.PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{action.title}\u201d is now "
                                      f"{action.get_status_display().lower()}.")
            return redirect(_action_url(action))
    return render(request, "planning/plan_action_status.html", _context(
        request, partnership, plan=action.plan, action=action, form=form))


@access(CHANGE, load=lookups.partnership)
def milestone_add(request, partnership: Partnership, slug: str, pk: int):
    action = lookups_plan.action(partnership, pk)
    if refused := _refuse_if_fixed(request, action):
        return refused
    form = MilestoneForm(data=_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions_plan.add_milestone(action=action, title=data["title"],
                                       due_on=data["due_on"], done_on=data["done_on"],
                                       by=request.user)
        except actions_plan.PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"The milestone \u201c{data['title']}\u201d is added.")
            return redirect(_action_url(action) + "#milestones")
    return render(request, "planning/plan_milestone_form.html", _context(
        request, partnership, plan=action.plan, action=action, form=form, milestone=None))


@access(CHANGE, load=lookups.partnership)
def milestone_edit(request, partnership: Partnership, slug: str, pk: int):
    milestone = lookups_plan.milestone(partnership, pk)
    action = milestone.action
    if refused := _refuse_if_fixed(request, action):
        return refused
    form = MilestoneForm(data=_posted(request), milestone=milestone)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data.get("remove"):
                actions_plan.remove_milestone(milestone=milestone, by=request.user)
                done = f"The milestone \u201c{milestone.title}\u201d is removed."
            else:
                actions_plan.change_milestone(milestone=milestone, title=data["title"],
                                              due_on=data["due_on"], done_on=data["done_on"],
                                              by=request.user)
                done = f"The milestone \u201c{milestone.title}\u201d is updated."
        except actions_plan.PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, done)
            return redirect(_action_url(action) + "#milestones")
    return render(request, "planning/plan_milestone_form.html", _context(
        request, partnership, plan=action.plan, action=action, form=form,
        milestone=milestone))


# --- the coverage check ---------------------------------------------------------------------


def _coverage_plan(request, partnership: Partnership) -> Plan | None:
    """The plan the coverage check looks at: ``?plan=<id>`` (one of the partnership's), else
    the plan in force, else the draft."""
    wanted = request.GET.get("plan", "")
    if wanted.isdigit():
        return lookups_plan.plan(partnership, int(wanted))
    return plans.current_plan(partnership)


def _coverage_of(partnership: Partnership, plan: Plan | None) -> plans.Coverage:
    if plan is not None:
        return plans.coverage(plan)
    return plans.Coverage(
        [plans.CommitmentCoverage(c) for c in guidance().commitments],
        list(partnership.priorities.filter(status=Priority.Status.ACTIVE)))


@access(VIEW, load=lookups.partnership)
def coverage(request, partnership: Partnership, slug: str):
    chosen = _coverage_plan(request, partnership)
    found = _coverage_of(partnership, chosen)
    covered = len(found.commitments) - len(found.uncovered)
    query = f"?plan={chosen.pk}" if chosen is not None and "plan" in request.GET else ""
    return render(request, "planning/plan_coverage.html", _context(
        request, partnership, plan_tab="coverage", plan=chosen, coverage=found,
        covered=covered, total=len(found.commitments), query=query,
        groups=[(strategy, [{"entry": e, "summary": status_summary(e.counts)}
                            for e in entries])
                for strategy, entries in found.by_strategy_priority()],
        other_plans=[p for p in partnership.plans.exclude(status=Plan.Status.SUPERSEDED)
                     if chosen is None or p.pk != chosen.pk]))


def _export(request, partnership: Partnership, what: str, fmt: str) -> None:
    audit.record(AuditEvent.Kind.EXPORT, request=request, partnership_id=partnership.pk,
                 target=f"{what} of {partnership.slug} ({fmt.upper()})")


def _check_format(fmt: str) -> None:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Downloads are CSV or XLSX.")


def _absolute_action_link(request):
    return lambda action: request.build_absolute_uri(_action_url(action))


@access(VIEW, load=lookups.partnership)
def coverage_download(request, partnership: Partnership, slug: str, fmt: str):
    _check_format(fmt)
    chosen = _coverage_plan(request, partnership)
    page = request.build_absolute_uri(
        reverse("partnerships:plan-coverage", args=[slug])
        + (f"?plan={chosen.pk}" if chosen is not None and "plan" in request.GET else ""))
    table = downloads_plan.coverage_table(partnership, chosen, _coverage_of(partnership, chosen),
                                          page=page, link=_absolute_action_link(request))
    _export(request, partnership, "coverage check", fmt)
    return table_response(table, fmt, f"{slug}-plan-coverage")


# --- year on year ---------------------------------------------------------------------------


def a_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _compared_on(request) -> tuple[dt.date, CompareForm]:
    """The day chosen (``?on=YYYY-MM-DD``, or the form's day, month and year), else a year
    ago; and the form showing it. A day that is not a date, or in the future, is refused on
    the form and a year ago used."""
    default = a_year_before(today())
    if "on_0" in request.GET:
        form = CompareForm(data=request.GET)
        if form.is_valid():
            chosen = form.cleaned_data["on"]
            if chosen <= today():
                return chosen, form
            form.add_error("on", "Enter a date that is today or in the past.")
        return default, form
    try:
        chosen = dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        chosen = default
    if chosen > today():
        chosen = default
    return chosen, CompareForm(initial={"on": chosen})


@access(VIEW, load=lookups.partnership)
def plan_compare(request, partnership: Partnership, slug: str, pk: int):
    found = lookups_plan.plan(partnership, pk)
    on, form = _compared_on(request)
    comparison = compare(found, on)
    return render(request, "planning/plan_compare.html", _context(
        request, partnership, plan=found, comparison=comparison, on=on, compare_form=form,
        form=form if form.is_bound else None))


@access(VIEW, load=lookups.partnership)
def plan_compare_download(request, partnership: Partnership, slug: str, pk: int, fmt: str):
    _check_format(fmt)
    found = lookups_plan.plan(partnership, pk)
    on, _form = _compared_on(request)
    wanted = request.GET.get("list", "")
    lists = (wanted,) if wanted in LISTS else LISTS
    page = request.build_absolute_uri(
        reverse("partnerships:plan-compare", args=[slug, pk]) + f"?on={on.isoformat()}")
    table = downloads_plan.compare_table(compare(found, on), lists, page=page,
                                         link=_absolute_action_link(request))
    _export(request, partnership, "delivery plan year on year", fmt)
    suffix = f"-{wanted}" if wanted in LISTS else ""
    return table_response(table, fmt, f"{slug}-plan-{found.pk}-year-on-year{suffix}")


# --- the plan's actions as a file -----------------------------------------------------------


@access(VIEW, load=lookups.partnership)
def plan_download(request, partnership: Partnership, slug: str, pk: int, fmt: str):
    _check_format(fmt)
    found = lookups_plan.plan(partnership, pk)
    page = request.build_absolute_uri(actions_plan.plan_url(found))
    table = downloads_plan.actions_table(found, today(), page=page,
                                         link=_absolute_action_link(request))
    _export(request, partnership, "delivery plan actions", fmt)
    return table_response(table, fmt, f"{slug}-plan-{found.pk}-actions")
