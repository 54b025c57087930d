"""Plans, actions and people for the quarterly updates and reminders tests.

The plan runs from 1 April 2026; its first quarter (Q1 2026 to 2027, April to June 2026)
ends on 30 June 2026, so with the default 14 days its updates are due by 14 July 2026 and
owners are reminded from 7 July 2026 (7 days before).
"""

from __future__ import annotations

import datetime as dt

from cdphub.partnerships.models import Appointment, Organisation, Person, Position
from cdphub.planning.models import Plan, PlanAction, Priority, QuarterlyUpdate
from cdphub.planning.quarters import Quarter

D = dt.date
Q1 = Quarter(D(2026, 4, 1))  # April to June 2026
DEADLINE = D(2026, 7, 14)  # 30 June + 14 days
REMIND_FROM = D(2026, 7, 7)  # 7 days before the deadline
PLAN_START, PLAN_END = D(2026, 4, 1), D(2029, 3, 31)
LEAD_FROM = D(2025, 1, 1)
ACTION_DUE = D(2027, 3, 31)


def plan_for(partnership, *, status=Plan.Status.AGREED, starts_on=PLAN_START,
             ends_on=PLAN_END, **fields) -> Plan:
    return Plan.objects.create(partnership=partnership, status=status, starts_on=starts_on,
                               ends_on=ends_on, **fields)


def person(partnership, name: str, email: str = "", user=None) -> Person:
    return Person.objects.create(partnership=partnership, full_name=name, email=email, user=user)


def appoint_lead(partnership, who: Person, *, start=LEAD_FROM, end=None) -> Appointment:
    return Appointment.objects.create(partnership=partnership, person=who,
                                      position=Position.PARTNERSHIP_LEAD,
                                      sector="local_authority_officials", start_date=start,
                                      end_date=end)


def action(plan: Plan, owner: Person, title: str = "Expand naloxone supply", *,
           starts_on=PLAN_START, due_on=ACTION_DUE, **fields) -> PlanAction:
    priority = (Priority.objects.filter(partnership=plan.partnership).first()
                or Priority.objects.create(partnership=plan.partnership,
                                           title="Reduce drug-related deaths"))
    organisation, _ = Organisation.objects.get_or_create(name="Manchester City Council")
    return PlanAction.objects.create(
        plan=plan, priority=priority, title=title, commitments=["supply_county_lines"],
        lead_organisation=organisation, owner=owner, starts_on=starts_on,
        due_on=due_on, **fields)


def update(act: PlanAction, quarter: Quarter = Q1, status="on_track", text="Going well.",
           by=None) -> QuarterlyUpdate:
    return QuarterlyUpdate.objects.create(action=act, quarter_start=quarter.start,
                                          status=status, text=text, recorded_by=by)


# --- hostile text for the download walk (tests/core/test_download_walk.py) -------------------

HOSTILE_ACTION = '=HYPERLINK("http://evil.example/a","action")'
HOSTILE_UPDATE = "+cmd|' /C calc'!A0 (a quarterly update)"


def plant_hostile_updates(partnership) -> None:
    """An agreed plan of ``partnership`` with an action and an update named to attack a
    spreadsheet (an agreed plan already there is used)."""
    plan = (Plan.objects.agreed().filter(partnership=partnership).first()
            or plan_for(partnership, starts_on=D(2023, 4, 1), ends_on=D(2026, 3, 31)))
    owner = person(partnership, "Hostile owner", "owner@example.org")
    act = action(plan, owner, HOSTILE_ACTION, starts_on=D(2023, 4, 1), due_on=D(2025, 3, 31))
    update(act, Quarter(D(2024, 1, 1)), text=HOSTILE_UPDATE)
