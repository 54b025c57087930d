"""What the delivery plan's tests build: a partnership's member organisations and people (with
current appointments), its priorities and a meeting, and plans with actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cdphub.outcomes.models import Metric
from cdphub.partnerships.models import Appointment, Meeting, Organisation, Partnership, Person
from cdphub.planning.models import FundingStream, Plan, PlanAction, Priority

TODAY = dt.date(2024, 5, 1)


@dataclass
class Cast:
    """One partnership's records an action may name."""

    partnership: Partnership
    organisation: Organisation
    person: Person
    priority: Priority
    meeting: Meeting
    funding: FundingStream
    local_metric: Metric


def cast_of(partnership: Partnership, tag: str) -> Cast:
    organisation = Organisation.objects.create(name=f"{tag} council")
    person = Person.objects.create(partnership=partnership, full_name=f"{tag} owner",
                                   organisation=organisation, email=f"{tag.lower()}@example.org")
    Appointment.objects.create(partnership=partnership, person=person, position="core_member",
                               sector="local_authority_officials",
                               start_date=dt.date(2022, 1, 1))
    priority = Priority.objects.create(partnership=partnership, title=f"{tag} priority")
    meeting = Meeting.objects.create(partnership=partnership, held_on=dt.date(2024, 4, 18),
                                     title=f"{tag} board")
    funding = FundingStream.objects.create(
        partnership=partnership, name=f"{tag} grant", amount=100000,
        starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2025, 3, 31), holder=organisation)
    local_metric = Metric.objects.create(
        key=f"{tag.lower()}-local", kind="local", partnership=partnership,
        outcome="reduce_deaths_harm", name=f"{tag} local metric", definition="Local.",
        source="Local", geography="utla", frequency="quarterly", period_type="quarter",
        method="count", polarity="high")
    return Cast(partnership, organisation, person, priority, meeting, funding, local_metric)


def national_metric() -> Metric:
    return Metric.objects.create(
        key="national-one", kind="headline", outcome="reduce_deaths_harm",
        name="A national metric", definition="National.", source="OHID", geography="utla",
        frequency="annual", period_type="calendar", method="count", polarity="low")


def a_plan(partnership: Partnership, **extra) -> Plan:
    extra.setdefault("starts_on", dt.date(2024, 4, 1))
    extra.setdefault("ends_on", dt.date(2027, 3, 31))
    return Plan.objects.create(partnership=partnership, **extra)


def an_action(plan: Plan, cast: Cast, title: str = "Open a second needle exchange",
              commitments=("treatment_services",), **extra) -> PlanAction:
    extra.setdefault("starts_on", dt.date(2024, 4, 1))
    extra.setdefault("due_on", dt.date(2025, 3, 31))
    return PlanAction.objects.create(
        plan=plan, priority=extra.pop("priority", cast.priority), title=title,
        commitments=list(commitments), lead_organisation=cast.organisation,
        owner=cast.person, **extra)
