"""Writes to the register that touch several records. Views and importers call these; each
runs in one transaction, checks the guidance's rules (asking ``rules``, where each is written
once) and raises ``RegisterError`` (naming the field and the fix) without changing anything
when a rule is broken."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.text import slugify

from cdphub.core.clock import today
from cdphub.geography.models import Area

from . import rules
from .changesets import change_set
from .models import (
    Appointment,
    Coverage,
    FootprintChange,
    Organisation,
    Partnership,
    Person,
)
from .signals import footprint_changed


class RegisterError(Exception):
    """A change the guidance's rules do not allow. ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def check_authorities(areas: Iterable[Area], on: dt.date, field: str = "authorities") -> list[Area]:
    """The guidance's geography rules for a footprint: at least one authority; each an
    English upper-tier local authority in use on the date."""
    areas = list(areas)
    if not areas:
        raise RegisterError("Choose at least one upper-tier local authority: a partnership is "
                            "no smaller than a single upper-tier local authority.", field)
    for area in areas:
        problem = rules.authority_problem(area, on)
        if problem == rules.AuthorityProblem.NOT_UPPER_TIER:
            raise RegisterError(f"{area} is not an upper-tier local authority. A footprint is "
                                "made of upper-tier local authorities.", field)
        if problem == rules.AuthorityProblem.NOT_ENGLISH:
            raise RegisterError(f"{area} is not in England: Combating Drugs Partnerships are "
                                "for England only.", field)
        if problem == rules.AuthorityProblem.NOT_IN_USE:
            raise RegisterError(
                f"{area} is not in use on {on:%-d %B %Y}"
                + (f" (it was replaced on {area.replaced_on:%-d %B %Y})" if area.valid_to else "")
                + ". Choose the authority in use on that date.", field)
    return areas


def _claim(partnership: Partnership, areas: list[Area], valid_from: dt.date,
           change: FootprintChange | None = None) -> None:
    """Open coverage of ``areas`` by ``partnership`` from ``valid_from``, refusing any
    authority another partnership covers on or after that date."""
    codes = [a.pk for a in areas]
    # Lock the rows that could conflict (PostgreSQL; SQLite serialises writers anyway).
    clashes = (
        rules.clashing_coverage(areas, valid_from, partnership)
        .select_for_update().select_related("partnership", "area")
    )
    for clash in clashes:
        raise RegisterError(
            f"{clash.area.name} ({clash.area.code}) is already covered by "
            f"{clash.partnership.name}"
            + (f" until {clash.valid_to:%-d %B %Y}" if clash.valid_to else "")
            + ". An upper-tier local authority can be in only one partnership: that "
            "partnership must propose removing it first.", "authorities")
    try:
        with transaction.atomic():
            Coverage.objects.bulk_create(
                Coverage(partnership=partnership, area=area, valid_from=valid_from, change=change)
                for area in areas
            )
            footprint_changed.send(sender=Partnership, partnership=partnership)
    except IntegrityError as error:
        # Another request claimed one of these authorities at the same moment.
        holder = (
            Coverage.objects.filter(area_id__in=codes, valid_to__isnull=True)
            .exclude(partnership=partnership).select_related("partnership", "area").first()
        )
        name = f"{holder.area.name} is already covered by {holder.partnership.name}" if holder \
            else "One of these authorities was claimed by another partnership at the same time"
        raise RegisterError(f"{name}. Nothing was changed.", "authorities") from error


def _region_for(areas: list[Area]) -> Area:
    regions = [a.parent for a in areas if a.parent is not None]
    return max(set(regions), key=lambda r: (regions.count(r), -r.pk))


# Words used by the register's own URLs, never given to a partnership.
RESERVED_SLUGS = {"new", "milestones", "footprint-changes", "register", "import", "export",
                  "plans", "reports"}


def unique_slug(name: str) -> str:
    base = slugify(name.replace("Combating Drugs Partnership", "")).strip("-")[:70] or "partnership"
    slug, n = base, 2
    if base in RESERVED_SLUGS:
        slug = f"{base}-{n}"
    while Partnership.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_partnership(*, name: str, areas: Iterable[Area], valid_from: dt.date,
                       rationale: str = "") -> Partnership:
    """Register a partnership with its footprint (central administrators and bulk imports)."""
    name = name.strip()
    if not name:
        raise RegisterError("Enter the partnership's name.", "name")
    areas = check_authorities(areas, valid_from)
    try:
        with transaction.atomic(), change_set():  # one entry in the History
            if rules.name_in_use(name):
                raise RegisterError(f"There is already a partnership called {name}. Choose "
                                    "another name.", "name")
            partnership = Partnership.objects.create(
                name=name, slug=unique_slug(name), region=_region_for(areas),
                footprint_rationale=rationale.strip(),
            )
            _claim(partnership, areas, valid_from)
    except OperationalError as error:  # SQLite: another writer held the database too long
        raise RegisterError("The register is busy. Nothing was changed: try again.") from error
    return partnership


def propose_footprint_change(*, partnership: Partnership, add: Iterable[Area],
                             remove: Iterable[Area], effective_from: dt.date, rationale: str,
                             proposed_by=None) -> FootprintChange:
    add, remove = list(add), list(remove)
    if not add and not remove:
        raise RegisterError("Choose at least one authority to add or remove.", "add_areas")
    if not rationale.strip():
        raise RegisterError("Explain why the footprint should change.", "rationale")
    if add:
        check_authorities(add, effective_from, "add_areas")
    current = set(partnership.authorities_on(effective_from))
    for area in remove:
        if area not in current:
            raise RegisterError(f"{area.name} is not in this partnership's footprint on "
                                f"{effective_from:%-d %B %Y}.", "remove_areas")
    for area in add:
        if area in current:
            raise RegisterError(f"{area.name} is already in this partnership's footprint.",
                                "add_areas")
    if not (current - set(remove)) | set(add):
        raise RegisterError("A partnership must cover at least one upper-tier local authority.",
                            "remove_areas")
    with transaction.atomic():
        change = FootprintChange.objects.create(
            partnership=partnership, effective_from=effective_from, rationale=rationale.strip(),
            proposed_by=proposed_by,
        )
        change.add_areas.set(add)
        change.remove_areas.set(remove)
    return change


def agree_footprint_change(*, change: FootprintChange, decided_by, note: str = "") -> None:
    """Apply a proposed change: close the removed authorities' coverage the day before it
    takes effect and open the added ones, all or nothing (one entry in the History)."""
    with transaction.atomic(), change_set(by=decided_by):
        change = FootprintChange.objects.select_for_update().get(pk=change.pk)
        if change.status != FootprintChange.Status.PROPOSED:
            raise RegisterError(f"This change is already {change.get_status_display().lower()}.")
        partnership = change.partnership
        day_before = change.effective_from - dt.timedelta(days=1)
        for area in change.remove_areas.all():
            coverage = partnership.coverages.filter(area=area, valid_to__isnull=True).first()
            if coverage is None:
                raise RegisterError(f"{area.name} is no longer in the footprint: this change "
                                    "cannot be applied. Ask the partnership to propose it again.")
            if coverage.valid_from > day_before:
                coverage.delete()  # it never took effect
            else:
                coverage.valid_to = day_before
                coverage.save(update_fields=["valid_to"])
        added = list(change.add_areas.all())
        if added:
            check_authorities(added, change.effective_from, "add_areas")
            _claim(partnership, added, change.effective_from, change)
        if not partnership.coverages.filter(valid_to__isnull=True).exists():
            raise RegisterError("A partnership must cover at least one upper-tier local "
                                "authority.")
        remaining = list(partnership.authorities_on(max(change.effective_from, today())))
        if remaining:
            partnership.region = _region_for(remaining)
            partnership.save(update_fields=["region"])
        change.status = FootprintChange.Status.AGREED
        change.decided_by = decided_by
        change.decided_at = timezone.now()
        change.decision_note = note
        change.save()
        footprint_changed.send(sender=Partnership, partnership=partnership)


def decide_footprint_change(*, change: FootprintChange, decided_by, status: str,
                            note: str = "") -> None:
    """Reject (central administrator) or withdraw (the partnership) a proposed change."""
    if change.status != FootprintChange.Status.PROPOSED:
        raise RegisterError(f"This change is already {change.get_status_display().lower()}.")
    change.status = status
    change.decided_by = decided_by
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save()


def check_sro(partnership: Partnership, sro_role: str) -> None:
    """The SRO should hold one of the roles the guidance lists; otherwise core members must
    have agreed the exception, recorded with its rationale (chapter 3, footnote 15)."""
    problem = rules.sro_problem(sro_role, partnership.sro_exception_rationale)
    if problem is None:
        return
    if problem == rules.SroProblem.EXCEPTION_NOT_RECORDED:
        raise RegisterError(
            "This SRO holds none of the roles the guidance expects. Record why core members "
            "agreed this exception (the partnership's SRO exception rationale) first.", "sro_role")
    raise RegisterError("Choose the role the SRO holds.", "sro_role")


def find_or_create_person(*, partnership: Partnership, full_name: str, job_title: str = "",
                          organisation: str = "", email: str = "",
                          sector: str = "other", email_public: bool | None = None) -> Person:
    """The partnership's own record of someone: the person in this partnership with the same
    email address (updated with the name given, and the job title and organisation when
    given), or a new one. People of other partnerships are never matched, changed or shown:
    someone in two partnerships has a record in each. ``email_public``: the person agreed that
    their email address is shown on the public page (kept only with an address; None leaves
    an existing person's choice as it is)."""
    full_name = full_name.strip()
    if not full_name:
        raise RegisterError("Enter the person's full name.", "full_name")
    job_title, email = job_title.strip(), email.strip()
    found = None
    if organisation.strip():
        found = Organisation.objects.filter(name__iexact=organisation.strip()).first() or \
            Organisation.objects.create(name=organisation.strip(), sector=sector)
    person = None
    if email:
        person = (Person.objects.select_for_update()
                  .filter(partnership=partnership, email__iexact=email).order_by("pk").first())
    if person is None:
        return Person.objects.create(partnership=partnership, full_name=full_name,
                                     job_title=job_title, organisation=found, email=email,
                                     email_public=bool(email_public and email))
    person.full_name = full_name
    if email_public is not None:
        person.email_public = bool(email_public)
    person.job_title = job_title or person.job_title
    person.organisation = found or person.organisation
    person.save()
    return person


def check_person(partnership: Partnership, person: Person | None, field: str) -> None:
    """Refuse a person who is not the partnership's own (a crafted form, say)."""
    if person is not None and person.partnership_id != partnership.pk:
        raise RegisterError("Choose someone from this partnership's people.", field)


def appoint(*, partnership: Partnership, person: Person, position: str, sector: str,
            start_date: dt.date, sro_role: str = "", elected_tier: str = "",
            agreed_proposal: bool = False) -> Appointment:
    check_person(partnership, person, "person")
    if rules.needs_sro_role(position):
        check_sro(partnership, sro_role)
    elif sro_role:
        sro_role = ""
    if rules.needs_elected_tier(sector, elected_tier):
        raise RegisterError("Say which tier this elected member represents.", "elected_tier")
    holder = rules.current_holder(partnership, position)
    if holder is not None:
        raise RegisterError(f"{holder.person} is already {holder.get_position_display()}. "
                            "End their appointment first.", "position")
    try:
        with transaction.atomic():
            return Appointment.objects.create(
                partnership=partnership, person=person, position=position, sector=sector,
                start_date=start_date, sro_role=sro_role, elected_tier=elected_tier,
                agreed_proposal=agreed_proposal,
            )
    except IntegrityError as error:
        raise RegisterError("Someone was appointed to this role at the same moment. Nothing "
                            "was changed.", "position") from error


def end_appointment(*, appointment: Appointment, end_date: dt.date) -> Appointment:
    if appointment.end_date is not None:
        raise RegisterError("This appointment has already ended.", "end_date")
    if end_date < appointment.start_date:
        raise RegisterError("The end date must be on or after the start date "
                            f"({appointment.start_date:%-d %B %Y}).", "end_date")
    appointment.end_date = end_date
    appointment.save(update_fields=["end_date"])
    return appointment
