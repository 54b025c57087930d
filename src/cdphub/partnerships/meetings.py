"""Meetings, decisions and actions: who came, which core sectors were in the room, and which
actions are open or overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q

from cdphub.framework import Entry, guidance

from .actions import check_person
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
                   actions: Iterable[NewAction] = ()) -> Meeting:
    """A meeting with its attendees, decisions and new actions, all or nothing. Attendees
    and owners must be the partnership's own people (``RegisterError`` otherwise)."""
    attendees, actions = list(attendees), list(actions)
    for person in attendees:
        check_person(partnership, person, "attendees")
    for action in actions:
        check_person(partnership, action.owner, "owner")
    with transaction.atomic():
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


def set_action_status(action: Action, status: str, on: dt.date) -> Action:
    """Change an action's status; completing it records the day (keeping an earlier one)."""
    action.status = status
    if status == Action.Status.DONE:
        action.completed_on = action.completed_on or on
    else:
        action.completed_on = None
    action.save(update_fields=["status", "completed_on"])
    return action
