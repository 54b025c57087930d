"""The register's rules (guidance chapter 3 and Appendix 1), each written once.

Every write to the register goes through ``actions`` (the pages' forms, the Appendix 1 import
in ``returns``, the demo); the forms and the import also check a file or a form before anything
is written, so that each problem is reported against its own field or cell. All of them ask
the questions below rather than writing a rule out again. Each function answers one question
and changes nothing; the caller words the answer for its page, its file or its exception
(the wording differs: a form's field, a file's row and column). ``docs/rules.md`` lists every
rule with its source in the guidance and the test that proves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from cdphub.framework import guidance
from cdphub.geography.models import Area, AreaType

from .models import SINGLE_HOLDER_POSITIONS, Appointment, Coverage, Partnership, Position

# --- the footprint (chapter 3, Geography) ----------------------------------------------------


class AuthorityProblem(StrEnum):
    NOT_UPPER_TIER = "not an upper-tier local authority"
    NOT_ENGLISH = "not in England"
    NOT_IN_USE = "not in use on the date"


def authority_problem(area: Area, on: dt.date) -> AuthorityProblem | None:
    """Why ``area`` cannot be in a footprint from ``on`` (None if it can): a partnership is
    made of English upper-tier local authorities, each in use on the date."""
    if area.area_type != AreaType.UTLA:
        return AuthorityProblem.NOT_UPPER_TIER
    if not area.code.startswith("E"):
        return AuthorityProblem.NOT_ENGLISH
    if not area.is_valid_on(on):
        return AuthorityProblem.NOT_IN_USE
    return None


def clashing_coverage(areas: Iterable[Area], on: dt.date,
                      partnership: Partnership | None = None):
    """Coverage of any of ``areas`` by another partnership on ``on`` or later (ended coverage
    that ends on or after ``on`` included): an upper-tier local authority can be in only one
    partnership at a time. ``partnership`` is the one claiming them (None: a new one)."""
    clashes = Coverage.objects.filter(area__in=list(areas)).valid_on_or_after(on)
    return clashes.exclude(partnership=partnership) if partnership is not None else clashes


def name_in_use(name: str) -> bool:
    """Whether a partnership of this name (ignoring capitals) is already registered."""
    return Partnership.objects.filter(name__iexact=name.strip()).exists()


# --- the SRO and the lead roles (chapter 3, Leadership roles) -------------------------------

#: The SRO role recorded when core members agreed an exception (chapter 3, footnote 15).
EXCEPTION_SRO_ROLE = "other"


class SroProblem(StrEnum):
    NO_ROLE = "no role the guidance lists"
    EXCEPTION_NOT_RECORDED = "exception not recorded"


def is_expected_sro_role(role: str) -> bool:
    """Whether ``role`` is one of the roles the guidance expects an SRO to hold."""
    return role in {entry.key for entry in guidance().sro_roles}


def sro_problem(role: str, exception_rationale: str) -> SroProblem | None:
    """Why someone holding ``role`` cannot be the SRO (None if they can): the SRO holds one of
    the roles the guidance lists, or core members agreed an exception, recorded with its
    rationale."""
    if is_expected_sro_role(role):
        return None
    if role == EXCEPTION_SRO_ROLE:
        return None if exception_rationale.strip() else SroProblem.EXCEPTION_NOT_RECORDED
    return SroProblem.NO_ROLE


def needs_sro_role(position: str) -> bool:
    """The SRO's appointment records which of the roles they hold."""
    return position == Position.SRO


def needs_contact_email(position: str) -> bool:
    """The return to central government gives an email address for the SRO and each lead
    (Appendix 1)."""
    return position in SINGLE_HOLDER_POSITIONS


def current_holder(partnership: Partnership, position: str) -> Appointment | None:
    """Whoever holds the SRO or a lead role now (an appointment with no end date): one person
    at a time in each. None for other positions, which many may hold."""
    if position not in SINGLE_HOLDER_POSITIONS:
        return None
    return partnership.appointments.filter(position=position, end_date__isnull=True).first()


# --- membership (chapter 3, Representation; Appendix 3) -------------------------------------


def needs_elected_tier(sector: str, elected_tier: str) -> bool:
    """An elected member must say which tier of local government they represent (a two-tier
    area needs both)."""
    return sector == "elected_members" and not elected_tier
