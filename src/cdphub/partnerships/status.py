"""What the records say about a partnership: core-membership coverage, vacancies and
milestone status. Read-only; works on prefetched records so national tables make a fixed
number of queries however many partnerships there are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from cdphub.accounts.roles import is_central, partnership_ids, region_ids
from cdphub.framework import Entry, guidance
from cdphub.framework.milestones import Occurrence, current

from .models import (
    SINGLE_HOLDER_POSITIONS,
    Appointment,
    Coverage,
    MilestoneCompletion,
    Partnership,
    Position,
    TermsOfReference,
)


def with_register(queryset):
    """Prefetch everything the status functions read."""
    return queryset.select_related("region").prefetch_related(
        Prefetch("appointments", queryset=Appointment.objects.select_related(
            "person", "person__organisation")),
        Prefetch("coverages", queryset=Coverage.objects.select_related("area")),
        Prefetch("terms_of_reference", queryset=TermsOfReference.objects.all()),
        Prefetch("milestone_completions", queryset=MilestoneCompletion.objects.all()),
    )


def current_appointments(partnership: Partnership, on: dt.date) -> list[Appointment]:
    return [a for a in partnership.appointments.all() if a.is_current_on(on)]


def current_authorities(partnership: Partnership, on: dt.date):
    return sorted(
        (c.area for c in partnership.coverages.all() if c.is_valid_on(on)),
        key=lambda area: area.name,
    )


@dataclass
class SectorCoverage:
    sector: Entry
    appointments: list[Appointment] = field(default_factory=list)

    @property
    def represented(self) -> bool:
        return bool(self.appointments)


@dataclass
class CoreCoverage:
    core: list[SectorCoverage]
    wider: list[SectorCoverage]
    two_tier: bool
    elected_tiers: set[str]

    @property
    def missing(self) -> list[Entry]:
        return [c.sector for c in self.core if not c.represented]

    @property
    def represented_count(self) -> int:
        return sum(1 for c in self.core if c.represented)

    @property
    def missing_tier(self) -> str | None:
        """In a two-tier area, the tier with no elected member (None if both are there)."""
        if not self.two_tier:
            return None
        for tier in ("upper", "lower"):
            if tier not in self.elected_tiers:
                return tier
        return None


def core_coverage(partnership: Partnership, on: dt.date) -> CoreCoverage:
    """Each of the 10 core sectors as represented or missing, the wider partner types engaged,
    and whether a two-tier area has elected members from both tiers."""
    appointments = current_appointments(partnership, on)
    by_sector: dict[str, list[Appointment]] = {}
    for appointment in appointments:
        by_sector.setdefault(appointment.sector, []).append(appointment)
    g = guidance()
    authorities = current_authorities(partnership, on)
    return CoreCoverage(
        core=[SectorCoverage(s, by_sector.get(s.key, [])) for s in g.core_sectors],
        wider=[SectorCoverage(s, by_sector.get(s.key, [])) for s in g.wider_partner_types],
        two_tier=any(area.subtype == "County" for area in authorities),
        elected_tiers={a.elected_tier for a in by_sector.get("elected_members", [])},
    )


def leadership(partnership: Partnership, on: dt.date) -> list[tuple[str, Appointment | None]]:
    """The SRO and the three lead roles, each with its holder or None (vacant)."""
    holders = {a.position: a for a in current_appointments(partnership, on)
               if a.position in SINGLE_HOLDER_POSITIONS}
    return [(Position(p).label, holders.get(p)) for p in SINGLE_HOLDER_POSITIONS]


def milestone_evidence(partnership: Partnership) -> dict[str, list[tuple[dt.date, str]]]:
    """(date, evidence) completions for each milestone, from the records where cdphub holds
    them, and from recorded completions for the rest."""
    evidence: dict[str, list[tuple[dt.date, str]]] = {m.key: [] for m in guidance().milestones}
    appointments = list(partnership.appointments.all())
    sros = [a for a in appointments if a.position == Position.SRO]
    if sros:
        first = min(sros, key=lambda a: a.start_date)
        evidence["sro_nominated"].append((first.start_date, f"{first.person} appointed SRO"))
    core_keys = {s.key for s in guidance().core_sectors}
    core = sorted(a.start_date for a in appointments if a.sector in core_keys)
    if core:
        evidence["partnership_formed"].append((core[0], "First core member appointed"))
    coverages = list(partnership.coverages.all())
    if coverages:
        evidence["footprint_confirmed"].append(
            (min(c.valid_from for c in coverages), "Footprint recorded"))
    for terms in partnership.terms_of_reference.all():
        if terms.agreed_on:
            evidence["terms_of_reference"].append(
                (terms.agreed_on, f"Terms of reference version {terms.version} agreed"))
    for completion in partnership.milestone_completions.all():
        evidence.setdefault(completion.milestone_key, []).append(
            (completion.completed_on, completion.evidence))
    return evidence


def milestone_status(partnership: Partnership, today: dt.date) -> list[Occurrence]:
    evidence = milestone_evidence(partnership)
    return [current(m, evidence.get(m.key, []), today) for m in guidance().milestones]


def visible_to(queryset, user):
    """Restrict a partnership queryset to those this user may read."""
    if is_central(user):
        return queryset
    return queryset.filter(Q(pk__in=partnership_ids(user)) | Q(region_id__in=region_ids(user)))
