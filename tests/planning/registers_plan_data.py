"""Records the funding, risks and national-plans tests build on: a partnership's organisation
and person, and a plan with actions mapped to commitments (made directly, not through the
plan's own writes, which are tested with the plan)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cdphub.partnerships.models import Organisation, Partnership, Person
from cdphub.planning.models import FundingStream, Plan, PlanAction, Priority


def person_of(partnership: Partnership, name: str, organisation: str) -> Person:
    organisation, _ = Organisation.objects.get_or_create(name=organisation)
    return Person.objects.create(partnership=partnership, full_name=name,
                                 organisation=organisation)


def stream_of(partnership: Partnership, name: str = "SSMTRG", amount: str = "1000000",
              holder: Organisation | None = None, arrangement: str = "aligned",
              starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2025, 3, 31)) -> FundingStream:
    if holder is None:
        holder = person_of(partnership, f"Holder of {name}", f"{partnership.name} council"
                           ).organisation
    return FundingStream.objects.create(partnership=partnership, name=name, amount=amount,
                                        starts_on=starts_on, ends_on=ends_on, holder=holder,
                                        arrangement=arrangement)


def plan_of(partnership: Partnership, status: str = Plan.Status.AGREED,
            actions: Iterable[tuple[list[str], str]] = (), funding_stream=None,
            starts_on=dt.date(2024, 4, 1)) -> Plan:
    """A plan of ``partnership`` with one action per (commitment keys, status)."""
    plan = Plan.objects.create(
        partnership=partnership, status=status, starts_on=starts_on,
        ends_on=starts_on.replace(year=starts_on.year + 3),
        agreed_on=starts_on if status != Plan.Status.DRAFT else None)
    priority = Priority.objects.filter(partnership=partnership).first() or \
        Priority.objects.create(partnership=partnership, title="Treatment capacity")
    owner = Person.objects.filter(partnership=partnership).first() or person_of(
        partnership, "Olive Owner", f"{partnership.name} council")
    for index, (commitments, status_) in enumerate(actions):
        PlanAction.objects.create(
            plan=plan, priority=priority, title=f"Action {index + 1} of {partnership.name}",
            commitments=list(commitments), lead_organisation=owner.organisation, owner=owner,
            starts_on=starts_on, due_on=starts_on.replace(year=starts_on.year + 1),
            status=status_, funding_stream=funding_stream)
    return plan
