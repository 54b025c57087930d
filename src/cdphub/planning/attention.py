"""The planning app's checks for a partnership's "needs attention" list
(``partnerships.attention``, which does not import this app: ``apps.py`` registers them): the
data-sharing register's agreements past review, and quarterly updates of the agreed delivery
plan that are overdue (``plans.updates_due``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from cdphub.partnerships.attention import Item, Kind, Severity, register
from cdphub.partnerships.models import Partnership

from .plans import updates_due
from .registers import agreements_past_review


def _date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def agreements_review(partnership: Partnership, today: dt.date) -> list[Item]:
    """One item when any data-sharing agreement in place is past its review or expiry date,
    naming how many and the oldest date."""
    past = agreements_past_review(partnership, today)
    if not past:
        return []
    if len(past) == 1:
        text = (f"The data-sharing agreement \u201c{past[0].title}\u201d was due for review on "
                f"{_date(past[0].review_on)}: review it and record the new date.")
    else:
        text = (f"{len(past)} data-sharing agreements are past their review date; the oldest "
                f"was due for review on {_date(past[0].review_on)}: review them and record the "
                "new dates.")
    return [Item(Kind.AGREEMENTS_REVIEW, text, Severity.HIGH,
                 reverse("partnerships:data-sharing", args=[partnership.slug]),
                 "See the data-sharing register")]


def updates_overdue(partnership: Partnership, today: dt.date) -> list[Item]:
    """One item when quarterly updates of the agreed plan's actions are overdue."""
    plan = partnership.plans.agreed().first()
    overdue = [due for due in updates_due(plan, today) if due.overdue] if plan else []
    if not overdue:
        return []
    count, first = len(overdue), overdue[0]
    verb = "is" if count == 1 else "are"
    text = (f"{count} quarterly update{'' if count == 1 else 's'} of delivery plan actions "
            f"{verb} overdue: the updates for {first.quarter.label} were due by "
            f"{_date(first.deadline)}.")
    return [Item(Kind.UPDATES_OVERDUE, text, Severity.HIGH,
                 reverse("partnerships:plan-updates", args=[partnership.slug]),
                 "See quarterly updates")]


register(agreements_review)
register(updates_overdue)
