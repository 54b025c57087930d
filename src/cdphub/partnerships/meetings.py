"""Meetings, decisions and actions: who came, which core sectors were in the room, and which
actions are open or overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.framework import Entry, guidance

from .actions import RegisterError, check_person
from .changesets import change_set
from .models import Action, Appointment, Decision, Meeting, Partnership, Person

OPEN_STATUSES = (Action.Status.OPEN, Action.Status.IN_PROGRESS)


@dataclass
class SectorPresence:
    sector: Entry  # one of the 10 core sectors
    people: list[Person] = field(default_factory=list)

    @property
    def present(self) -> bool:
        return bool(self.people)


def core_sectors_present(meeting: Meeting,
                         appointments: Iterable[Appointment]) -> list[SectorPresence]:
    """Each core sector with the attendees who represented it: those whose appointment in the
    partnership for that sector was current on the day of the meeting."""
    attendees = {person.pk: person for person in meeting.attendees.all()}
    by_sector: dict[str, list[Person]] = {}
    for appointment in appointments:
        person = attendees.get(appointment.person_id)
        if person is None or not appointment.is_current_on(meeting.held_on):
            continue
        people = by_sector.setdefault(appointment.sector, [])
        if person not in people:
            people.append(person)
    return [SectorPresence(sector, by_sector.get(sector.key, []))
            for sector in guidance().core_sectors]


def present_count(presence: list[SectorPresence]) -> int:
    return sum(1 for sector in presence if sector.present)


def with_overdue(actions, today: dt.date):
    """Actions annotated with ``overdue`` (for templates)."""
    return actions.annotate(overdue=ExpressionWrapper(
        Q(status__in=OPEN_STATUSES, due_on__lt=today), output_field=BooleanField()))


def open_actions(actions):
    return actions.filter(status__in=OPEN_STATUSES)


def overdue_actions(actions, today: dt.date):
    """Not started or in progress, with a due date before today (as ``Action.is_overdue``)."""
    return open_actions(actions).filter(due_on__lt=today)


@dataclass(frozen=True)
class NewAction:
    description: str
    owner: Person | None = None
    due_on: dt.date | None = None


def record_meeting(*, partnership: Partnership, held_on: dt.date, title: str,
                   attendees: Iterable[Person] = (), notes: str = "",
                   decisions: Iterable[str] = (),
                   actions: Iterable[NewAction] = (), by=None) -> Meeting:
    """A meeting with its attendees, decisions and new actions, all or nothing. Attendees
    and owners must be the partnership's own people (``RegisterError`` otherwise). One change
    set: the History page shows it as one entry, made by ``by``."""
    attendees, actions = list(attendees), list(actions)
    for person in attendees:
        check_person(partnership, person, "attendees")
    for action in actions:
        check_person(partnership, action.owner, "owner")
    with transaction.atomic(), change_set(by=by):
        meeting = Meeting.objects.create(partnership=partnership, held_on=held_on,
                                         title=title.strip(), notes=notes.strip())
        meeting.attendees.set(attendees)
        for text in decisions:
            Decision.objects.create(meeting=meeting, text=text)
        for action in actions:
            Action.objects.create(partnership=partnership, meeting=meeting,
                                  description=action.description, owner=action.owner,
                                  due_on=action.due_on)
    return meeting


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


def _check_not_withdrawn(meeting: Meeting) -> None:
    if meeting.is_withdrawn:
        raise RegisterError(f"This meeting was withdrawn on {_day(meeting.withdrawn_at.date())}, "
                            "so it can no longer be changed. Record a new meeting instead.")


def update_meeting(meeting: Meeting, *, held_on: dt.date, title: str,
                   attendees: Iterable[Person] = (), notes: str = "",
                   decisions: Iterable[str] = (), actions: Iterable[NewAction] = (),
                   by=None) -> Meeting:
    """Correct a meeting: its date, name, attendees, notes and decisions, and add new actions;
    all or nothing, one change set. Decisions are matched by position, so a corrected line
    shows in the History as that decision changed. The meeting's date may not move after the
    due date or completion date of an action agreed at it."""
    partnership = meeting.partnership
    attendees, actions, decisions = list(attendees), list(actions), list(decisions)
    _check_not_withdrawn(meeting)
    for person in attendees:
        check_person(partnership, person, "attendees")
    for action in actions:
        check_person(partnership, action.owner, "owner")
    for action in meeting.actions.order_by("pk"):
        for date, what in ((action.due_on, "is due"), (action.completed_on, "was done")):
            if date is not None and date < held_on:
                raise RegisterError(
                    f"The action \u201c{action.description[:60]}\u201d {what} on {_day(date)}, "
                    f"before {_day(held_on)}. Enter the date the meeting was held, or first "
                    "change the dates of that action.", "held_on")
    with transaction.atomic(), change_set(by=by):
        changed = (meeting.held_on, meeting.title, meeting.notes) != (
            held_on, title.strip(), notes.strip())
        meeting.held_on, meeting.title, meeting.notes = held_on, title.strip(), notes.strip()
        if changed:
            meeting.save()
        if {p.pk for p in meeting.attendees.all()} != {p.pk for p in attendees}:
            meeting.attendees.set(attendees)
        existing = list(meeting.decisions.order_by("pk"))
        for decision, text in zip(existing, decisions, strict=False):
            if decision.text != text:
                decision.text = text
                decision.save()
        for decision in existing[len(decisions):]:
            decision.delete()
        for text in decisions[len(existing):]:
            Decision.objects.create(meeting=meeting, text=text)
        for action in actions:
            Action.objects.create(partnership=partnership, meeting=meeting,
                                  description=action.description, owner=action.owner,
                                  due_on=action.due_on)
    return meeting


def withdraw_meeting(meeting: Meeting, *, reason: str, by, request=None) -> list[Action]:
    """Withdraw a meeting recorded in error (or that did not take place). It stays in the
    record, marked withdrawn with the reason, who and when, and drops out of the meeting
    counts and attendance summaries. Actions agreed at it that are still open (not started or
    in progress) are cancelled with it, so they are no longer open or overdue; actions already
    done or cancelled keep their status. Returns the actions cancelled. Also an audit event
    (withdrawing a meeting changes what the partnership's summaries show)."""
    reason = reason.strip()
    if not reason:
        raise RegisterError("Enter why the meeting is being withdrawn, for example \u201cRecorded "
                            "twice\u201d or \u201cThe meeting did not take place\u201d.", "reason")
    _check_not_withdrawn(meeting)
    with transaction.atomic(), change_set(by=by):
        meeting.withdrawn_at = timezone.now()
        meeting.withdrawn_by = by
        meeting.withdrawal_reason = reason
        meeting.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        cancelled = list(open_actions(meeting.actions.all()))
        for action in cancelled:
            action.status = Action.Status.CANCELLED
            action.completed_on = None
            action.save(update_fields=["status", "completed_on"])
        audit.record(AuditEvent.Kind.RECORD_WITHDRAWN, request=request, actor=by,
                     target=f"Meeting: {meeting.title}, {_day(meeting.held_on)}",
                     partnership_id=meeting.partnership_id, meeting_id=meeting.pk,
                     reason=reason, actions_cancelled=len(cancelled))
    return cancelled


# --- actions -------------------------------------------------------------------------------


def earliest_completion(action: Action, today: dt.date) -> dt.date | None:
    """The earliest day an action can have been done: the day of the meeting that agreed it,
    or (for an action recorded outside a meeting) the day it was recorded."""
    if action.meeting_id is not None:
        return action.meeting.held_on
    first = action.history.order_by("history_date", "history_id").first()
    if first is None:
        return None
    return min(timezone.localdate(first.history_date), today)


def completion_problem(action: Action, completed_on: dt.date, today: dt.date) -> str | None:
    """Why ``completed_on`` cannot be the day the action was done (None if it can)."""
    if completed_on > today:
        return ("The date the action was done must be today or in the past. If it is not done "
                "yet, choose Not started or In progress.")
    earliest = earliest_completion(action, today)
    if earliest is not None and completed_on < earliest:
        since = ("the meeting that agreed it" if action.meeting_id is not None
                 else "the day it was recorded")
        return (f"The date the action was done must be on or after {_day(earliest)}, "
                f"{since}.")
    return None


def set_action_status(action: Action, status: str, on: dt.date,
                      completed_on: dt.date | None = None, by=None) -> Action:
    """Change an action's status; completing it records the day: ``completed_on`` if given
    (today or earlier, not before the action's meeting), else the day already recorded, else
    ``on``. Any other status clears the day."""
    if status == Action.Status.DONE and completed_on is not None:
        problem = completion_problem(action, completed_on, on)
        if problem:
            raise RegisterError(problem, "completed_on")
    action.status = status
    if status == Action.Status.DONE:
        action.completed_on = completed_on or action.completed_on or on
    else:
        action.completed_on = None
    with change_set(by=by):
        action.save(update_fields=["status", "completed_on"])
    return action


def update_action(action: Action, *, description: str, owner: Person | None,
                  due_on: dt.date | None, by=None) -> Action:
    """Correct an action's wording, owner and due date. The owner must be one of the
    partnership's people; the due date may not be before the meeting that agreed it."""
    description = description.strip()
    if not description:
        raise RegisterError("Enter what needs doing.", "description")
    check_person(action.partnership, owner, "owner")
    if due_on is not None and action.meeting_id is not None and due_on < action.meeting.held_on:
        raise RegisterError(f"The due date must be on or after {_day(action.meeting.held_on)}, "
                            "the date of the meeting that agreed the action.", "due_on")
    if (action.description, action.owner_id, action.due_on) == (
            description, getattr(owner, "pk", None), due_on):
        return action
    action.description, action.owner, action.due_on = description, owner, due_on
    with change_set(by=by):
        action.save(update_fields=["description", "owner", "due_on"])
    return action
