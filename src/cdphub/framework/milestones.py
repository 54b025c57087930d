"""Milestone status: done, due or overdue, including recurring milestones. Pure Python.

A one-off milestone is done once it has a completion; otherwise it is overdue after its
deadline and due before it. A recurring milestone is a series of occurrences: the first falls
on the guidance's deadline; each next one falls ``recurrence_months`` after the previous
completion (anchor "completion": "at least every three years") or after the previous
deadline (anchor "deadline": "every 12 months thereafter").

How an occurrence is shown (``shown_status``) adds one distinction the status does not make:
an occurrence still to come is "due" only within ``DUE_SOON_DAYS`` of its date, and "not yet
due" before that, so that a milestone years away does not read as something to do now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import Milestone

DONE, DUE, OVERDUE = "done", "due", "overdue"
#: How an occurrence that is due, but not within ``DUE_SOON_DAYS``, is shown.
NOT_YET_DUE = "not yet due"
#: An occurrence is shown as due (and listed as needing attention) from this many days
#: before its date; further away it is "not yet due" (cdphub's rule, docs/rules.md).
DUE_SOON_DAYS = 90


@dataclass(frozen=True)
class Occurrence:
    milestone: Milestone
    due_on: dt.date
    status: str
    completed_on: dt.date | None = None
    evidence: str = ""


def shown_status(occurrence: Occurrence, today: dt.date) -> str:
    """Done, overdue, due (on or within ``DUE_SOON_DAYS`` days before its date) or not yet
    due (further away)."""
    if occurrence.status != DUE:
        return occurrence.status
    return DUE if (occurrence.due_on - today).days <= DUE_SOON_DAYS else NOT_YET_DUE


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the end of a shorter month; month-end dates
    stay at month end (30 April + 12 months = 30 April; 31 Dec + 36 months = 31 Dec)."""
    import calendar

    month_index = date.month - 1 + months
    year, month = date.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    was_month_end = date.day == calendar.monthrange(date.year, date.month)[1]
    return dt.date(year, month, last if was_month_end else min(date.day, last))


def occurrences(
    milestone: Milestone,
    completions: list[tuple[dt.date, str]],
    today: dt.date,
) -> list[Occurrence]:
    """Every occurrence of ``milestone`` up to the next one not yet done.

    ``completions`` are (date, evidence) pairs. Each completion satisfies the earliest
    occurrence not yet satisfied whose window it falls in; a completion made early (before
    the previous occurrence was due) still counts for the one that is open.
    """
    done = sorted(completions)
    result: list[Occurrence] = []
    due_on = milestone.deadline
    index = 0
    while True:
        if index < len(done):
            completed_on, evidence = done[index]
            index += 1
            result.append(Occurrence(milestone, due_on, DONE, completed_on, evidence))
            if not milestone.recurrence_months:
                return result
            base = completed_on if milestone.anchor == "completion" else due_on
            due_on = add_months(base, milestone.recurrence_months)
            continue
        status = OVERDUE if today > due_on else DUE
        result.append(Occurrence(milestone, due_on, status))
        if status == DUE or not milestone.recurrence_months or milestone.anchor == "completion":
            return result
        # Fixed cycle: one overdue occurrence per missed deadline, up to the next due one.
        due_on = add_months(due_on, milestone.recurrence_months)


def current(milestone: Milestone, completions: list[tuple[dt.date, str]],
            today: dt.date) -> Occurrence:
    """The occurrence that matters now: the earliest overdue one, else the next due one,
    else (a one-off that is done) the completion."""
    series = occurrences(milestone, completions, today)
    for occurrence in series:
        if occurrence.status == OVERDUE:
            return occurrence
    return series[-1]
