"""The evidence register and the data-sharing register (Box 5): who may see which entries,
the organisations a partnership's forms offer, and every write.

Writes run in one transaction and one change set and raise ``RegisterError`` (naming the form
field at fault) without changing anything. An uploaded file is stored under a random name in
the media store only once it has passed ``files.check_upload``; if the write fails after
that, the stored file is removed again, so a refused or failed entry leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.partnerships.actions import RegisterError
from cdphub.partnerships.changesets import change_set
from cdphub.partnerships.models import Organisation, Partnership, Person

from .files import CheckedFile
from .models import DataHolding, Evidence, SharingAgreement

__all__ = ["RegisterError", "add_evidence", "agreements_past_review", "organisation_named",
           "organisations_of", "save_agreement", "save_holding", "update_evidence",
           "visible_evidence", "withdraw_evidence"]


# --- reads ---------------------------------------------------------------------------------


def sees_partnership_only(user, partnership: Partnership) -> bool:
    """Entries marked "partnership only" are for the partnership's members (the users who may
    change its assessment), not for everyone who may read the partnership."""
    return user.has_perm("planning.change_assessment", partnership)


def visible_evidence(partnership: Partnership, user) -> tuple[QuerySet[Evidence], bool]:
    """The entries ``user`` may see (withdrawn entries are never listed), and whether some
    others are hidden from them because they are for the partnership only."""
    entries = (Evidence.objects.filter(partnership=partnership, withdrawn_at__isnull=True)
               .select_related("owner", "added_by"))
    if sees_partnership_only(user, partnership):
        return entries, False
    hidden = entries.exclude(visibility=Evidence.Visibility.PUBLISHABLE).exists()
    return entries.filter(visibility=Evidence.Visibility.PUBLISHABLE), hidden


def agreements_past_review(partnership: Partnership, today: dt.date) -> list[SharingAgreement]:
    """Agreements in place whose review or expiry date has passed, oldest date first (the rule
    is ``SharingAgreement.is_past_review``)."""
    candidates = (partnership.sharing_agreements.filter(
        status=SharingAgreement.Status.IN_PLACE, review_on__lt=today).order_by("review_on", "pk"))
    return [agreement for agreement in candidates if agreement.is_past_review(today)]


def organisations_of(partnership: Partnership) -> QuerySet[Organisation]:
    """The organisations a partnership's forms offer: those of its people, and those its
    registers already name. Never another partnership's own."""
    return Organisation.objects.filter(
        Q(pk__in=Person.objects.filter(partnership=partnership).values("organisation"))
        | Q(pk__in=Evidence.objects.filter(partnership=partnership).values("owner"))
        | Q(pk__in=DataHolding.objects.filter(partnership=partnership).values("organisation"))
        | Q(pk__in=SharingAgreement.parties.through.objects.filter(
            sharingagreement__partnership=partnership).values("organisation"))
    ).order_by("name")


# --- organisations -------------------------------------------------------------------------


def clean_name(name: str) -> str:
    return re.sub(r"\s+", " ", name or "").strip()


def organisation_named(name: str) -> Organisation:
    """The organisation with this name (any case), made if there is none (as the register's
    people forms do: ``partnerships.actions``)."""
    name = clean_name(name)
    if not name:
        raise RegisterError("Enter the name of the organisation.")
    found = Organisation.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Organisation.objects.create(name=name, sector="other")
    except IntegrityError:  # made by someone else a moment ago
        return Organisation.objects.get(name__iexact=name)


def check_organisation(partnership: Partnership, organisation: Organisation | None,
                       field: str) -> None:
    """Forms offer only the partnership's organisations; a write checks again."""
    if organisation is not None and not organisations_of(partnership).filter(
            pk=organisation.pk).exists():
        raise RegisterError("Choose an organisation from the list, or enter the name of "
                            "another.", field)


# --- evidence ------------------------------------------------------------------------------


def _store(evidence: Evidence, upload, checked: CheckedFile) -> None:
    """Put the checked file in the media store under a random name (``upload_to`` gives the
    folder), keeping its original name, checked type and size on the entry."""
    evidence.file.save(f"{secrets.token_hex(16)}{checked.type.extensions[0]}", upload,
                       save=False)
    evidence.file_name = checked.name
    evidence.file_type = checked.type.media_type
    evidence.file_size = checked.size


def _check_evidence(evidence: Evidence) -> None:
    evidence.title = evidence.title.strip()
    if not evidence.title:
        raise RegisterError("Enter the title of the document or source.", "title")


def add_evidence(evidence: Evidence, *, by, owner_name: str = "", upload=None,
                 checked: CheckedFile | None = None) -> Evidence:
    """A new entry: ``evidence`` unsaved, its partnership and fields set (by the form);
    ``owner_name`` a new organisation's name instead of ``evidence.owner``; ``upload`` the
    file and ``checked`` what ``files.check_upload`` found."""
    return _save_evidence(evidence, by=by, owner_name=owner_name, upload=upload,
                          checked=checked, is_new=True)


def update_evidence(evidence: Evidence, *, by, owner_name: str = "", upload=None,
                    checked: CheckedFile | None = None, remove_file: bool = False) -> Evidence:
    """Change an entry; a new file replaces the one stored (which is removed from the store
    once the change is saved), ``remove_file`` removes it (a link must then remain)."""
    return _save_evidence(evidence, by=by, owner_name=owner_name, upload=upload,
                          checked=checked, remove_file=remove_file, is_new=False)


def _save_evidence(evidence: Evidence, *, by, owner_name: str, upload, checked,
                   remove_file: bool = False, is_new: bool) -> Evidence:
    partnership = evidence.partnership
    if evidence.withdrawn_at is not None:
        raise RegisterError("This entry was withdrawn, so it can no longer be changed.")
    _check_evidence(evidence)
    if not owner_name:
        check_organisation(partnership, evidence.owner, "owner")
    previous = evidence.file.name if not is_new else ""
    replaced = bool(previous) and (upload is not None or remove_file)
    if not (evidence.link or upload is not None or (previous and not remove_file)):
        raise RegisterError("Enter a link to the document or upload a file (or both).", "link")
    stored = ""
    try:
        with transaction.atomic(), change_set(by=by):
            if owner_name:
                evidence.owner = organisation_named(owner_name)
            if upload is not None:
                if checked is None:
                    raise ValueError("an upload must be checked first (files.check_upload)")
                _store(evidence, upload, checked)
                stored = evidence.file.name
            elif remove_file:
                evidence.file = ""
                evidence.file_name, evidence.file_type, evidence.file_size = "", "", 0
            if is_new:
                evidence.added_by = by
            evidence.save()
            if replaced:
                storage = evidence.file.storage
                transaction.on_commit(lambda: storage.delete(previous))
    except BaseException:
        if stored:
            evidence.file.storage.delete(stored)
            evidence.file.name = previous or ""
        raise
    return evidence


def withdraw_evidence(evidence: Evidence, *, by, reason: str = "", request=None) -> Evidence:
    """Withdraw an entry added in error or no longer relied on: it drops out of the register
    and its downloads, but stays in the partnership's History, with who, when and the reason
    (if given). Its file stays in the store. Also an audit event."""
    if evidence.withdrawn_at is not None:
        raise RegisterError("This entry is already withdrawn.")
    reason = reason.strip()
    with transaction.atomic(), change_set(by=by):
        evidence.withdrawn_at = timezone.now()
        evidence.withdrawn_by = by
        evidence.withdrawal_reason = reason
        evidence.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        audit.record(AuditEvent.Kind.RECORD_WITHDRAWN, request=request, actor=by,
                     target=f"Evidence: {evidence.title}"[:300],
                     partnership_id=evidence.partnership_id, evidence_id=evidence.pk,
                     reason=reason)
    return evidence


# --- the data-sharing register ---------------------------------------------------------------


def save_holding(holding: DataHolding, *, by, organisation_name: str = "") -> DataHolding:
    """Add or change what an organisation holds; ``organisation_name`` a new organisation's
    name instead of ``holding.organisation``."""
    holding.dataset = holding.dataset.strip()
    if not holding.dataset:
        raise RegisterError("Enter the data held.", "dataset")
    if not organisation_name:
        if holding.organisation_id is None:
            raise RegisterError("Choose the organisation that holds the data, or enter its "
                                "name.", "organisation")
        check_organisation(holding.partnership, holding.organisation, "organisation")
    with transaction.atomic(), change_set(by=by):
        if organisation_name:
            holding.organisation = organisation_named(organisation_name)
        holding.save()
    return holding


def save_agreement(agreement: SharingAgreement, *, parties: Iterable[Organisation],
                   other_parties: Iterable[str] = (), by) -> SharingAgreement:
    """Add or change an agreement with its parties: organisations the partnership's forms offer
    and the names of others (found, or made)."""
    parties = list(parties)
    for party in parties:
        check_organisation(agreement.partnership, party, "parties")
    names = [clean_name(name) for name in other_parties if clean_name(name)]
    agreement.title = agreement.title.strip()
    if not agreement.title:
        raise RegisterError("Enter the title of the agreement.", "title")
    if agreement.review_on and agreement.signed_on and agreement.review_on <= agreement.signed_on:
        raise RegisterError("Enter a review or expiry date after the date it was signed.",
                            "review_on")
    with transaction.atomic(), change_set(by=by):
        everyone = {party.pk: party for party in parties}
        for name in names:
            found = organisation_named(name)
            everyone.setdefault(found.pk, found)
        if len(everyone) < 2:
            raise RegisterError("Select at least two parties, or enter their names: an "
                                "agreement is between organisations.", "parties")
        agreement.save()
        if {p.pk for p in agreement.parties.all()} != set(everyone):
            agreement.parties.set(everyone.values())
    return agreement
