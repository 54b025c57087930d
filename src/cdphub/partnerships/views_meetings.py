"""Meetings and actions: the record of partnership meetings, the core sectors present at each,
their decisions, and the actions agreed and how they stand."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render

from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.framework import guidance

from .actions import RegisterError
from .forms_meetings import ActionForm, ActionStatusForm, MeetingForm, WithdrawMeetingForm
from .meetings import (
    core_sectors_present,
    open_actions,
    overdue_actions,
    present_count,
    record_meeting,
    set_action_status,
    update_action,
    update_meeting,
    with_overdue,
    withdraw_meeting,
)
from .models import Action, Meeting, Partnership
from .views import _apply_error, _context, _partnership

READ = "partnerships.view_partnership"
EDIT = "partnerships.change_partnership"
ACTION_FILTERS = [("open", "Open"), ("overdue", "Overdue"), ("all", "All")]


@access(READ, load=_partnership)
def meetings(request, partnership: Partnership, slug: str):
    on = today()
    appointments = partnership.appointments.all()
    # A withdrawn meeting is listed apart, and counts towards no summary.
    rows = [(meeting, present_count(core_sectors_present(meeting, appointments)))
            for meeting in partnership.meetings.not_withdrawn().prefetch_related(
                "attendees").annotate(
                decision_count=Count("decisions", distinct=True),
                action_count=Count("actions", distinct=True)).order_by("-held_on", "-pk")]
    actions = partnership.actions.all()
    return render(request, "partnerships/meetings/index.html", _context(
        request, partnership, "meetings", rows=rows,
        withdrawn=partnership.meetings.withdrawn().select_related("withdrawn_by").order_by(
            "-held_on", "-pk"),
        open_count=open_actions(actions).count(),
        overdue_count=overdue_actions(actions, on).count(),
        core_total=len(guidance().core_sectors),
    ))


@access(EDIT, load=_partnership)
def meeting_create(request, partnership: Partnership, slug: str):
    form = MeetingForm(data=request.POST or None, partnership=partnership, on=today())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = record_meeting(
                partnership=partnership, held_on=data["held_on"], title=data["title"],
                attendees=data["attendees"], notes=data["notes"],
                decisions=form.decision_texts(), actions=form.new_actions(), by=request.user)
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request,
                             f"The meeting on {meeting.held_on:%-d %B %Y} is recorded.")
            return redirect("partnerships:meeting-detail", slug, meeting.pk)
    return render(request, "partnerships/meetings/meeting_form.html",
                  _context(request, partnership, "meetings", form=form))


def _meeting(partnership: Partnership, pk: int) -> Meeting:
    """A meeting of the partnership in the URL (another partnership's meeting is not found)."""
    return get_object_or_404(partnership.meetings.select_related("partnership", "withdrawn_by"),
                             pk=pk)


def _refuse_if_withdrawn(request, meeting: Meeting):
    if meeting.is_withdrawn:
        messages.error(request, "This meeting was withdrawn, so it can no longer be changed.")
        return redirect("partnerships:meeting-detail", meeting.partnership.slug, meeting.pk)
    return None


@access(EDIT, load=_partnership)
def meeting_edit(request, partnership: Partnership, slug: str, pk: int):
    meeting = _meeting(partnership, pk)
    if refused := _refuse_if_withdrawn(request, meeting):
        return refused
    form = MeetingForm(data=request.POST or None, partnership=partnership, on=today(),
                       meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_meeting(meeting, held_on=data["held_on"], title=data["title"],
                           attendees=data["attendees"], notes=data["notes"],
                           decisions=form.decision_texts(), actions=form.new_actions(),
                           by=request.user)
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"The meeting on {meeting.held_on:%-d %B %Y} is updated.")
            return redirect("partnerships:meeting-detail", slug, meeting.pk)
    return render(request, "partnerships/meetings/meeting_form.html", _context(
        request, partnership, "meetings", form=form, meeting=meeting))


@access(EDIT, load=_partnership)
def meeting_withdraw(request, partnership: Partnership, slug: str, pk: int):
    meeting = _meeting(partnership, pk)
    if refused := _refuse_if_withdrawn(request, meeting):
        return refused
    form = WithdrawMeetingForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = withdraw_meeting(meeting, reason=form.cleaned_data["reason"],
                                         by=request.user, request=request)
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"The meeting on {meeting.held_on:%-d %B %Y} is withdrawn"
                             + (f"; {len(cancelled)} open action{'s' if len(cancelled) != 1 else ''}"
                                " agreed at it cancelled." if cancelled else "."))
            return redirect("partnerships:meeting-detail", slug, meeting.pk)
    return render(request, "partnerships/meetings/meeting_withdraw.html", _context(
        request, partnership, "meetings", form=form, meeting=meeting,
        open_actions=open_actions(meeting.actions.all())))


@access(READ, load=_partnership)
def meeting_detail(request, partnership: Partnership, slug: str, pk: int):
    meeting = get_object_or_404(
        partnership.meetings.select_related("withdrawn_by").prefetch_related(
            "attendees__organisation", "decisions"), pk=pk)
    appointments = partnership.appointments.all()
    presence = core_sectors_present(meeting, appointments)
    roles = {}
    for appointment in appointments:
        if appointment.is_current_on(meeting.held_on):
            roles.setdefault(appointment.person_id, []).append(appointment)
    attendees = [(person, roles.get(person.pk, [])) for person in meeting.attendees.all()]
    return render(request, "partnerships/meetings/meeting_detail.html", _context(
        request, partnership, "meetings", meeting=meeting, presence=presence,
        present=present_count(presence), attendees=attendees,
        actions=with_overdue(meeting.actions.select_related("owner"), today())))


@access(READ, load=_partnership)
def action_list(request, partnership: Partnership, slug: str):
    on = today()
    show = request.GET.get("show", "open")
    if show not in dict(ACTION_FILTERS):
        show = "open"
    everything = with_overdue(partnership.actions.select_related("owner", "meeting"), on)
    chosen = {"open": open_actions(everything), "overdue": overdue_actions(everything, on),
              "all": everything}
    return render(request, "partnerships/meetings/actions.html", _context(
        request, partnership, "meetings", show=show, actions=chosen[show],
        filters=[(key, label, chosen[key].count()) for key, label in ACTION_FILTERS]))


@access(EDIT, load=_partnership)
def action_update(request, partnership: Partnership, slug: str, pk: int):
    action = get_object_or_404(Action.objects.select_related("owner", "meeting"),
                               partnership=partnership, pk=pk)
    form = ActionStatusForm(data=request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        try:
            set_action_status(action, form.cleaned_data["status"], today(),
                              completed_on=form.cleaned_data["completed_on"], by=request.user)
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"Action updated: {action.get_status_display().lower()}.")
            return redirect("partnerships:actions", slug)
    return render(request, "partnerships/meetings/action_form.html",
                  _context(request, partnership, "meetings", form=form, action=action))


@access(EDIT, load=_partnership)
def action_edit(request, partnership: Partnership, slug: str, pk: int):
    action = get_object_or_404(Action.objects.select_related("owner", "meeting", "partnership"),
                               partnership=partnership, pk=pk)
    form = ActionForm(data=request.POST or None, action=action, on=today())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_action(action, description=data["description"], owner=data["owner"],
                          due_on=data["due_on"], by=request.user)
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, "Action updated.")
            return redirect("partnerships:actions", slug)
    return render(request, "partnerships/meetings/action_edit.html",
                  _context(request, partnership, "meetings", form=form, action=action))
