"""Governance records (guidance chapter 3, Governance): versions of the terms of reference and
their checklist, sub-groups, links to other local bodies, and the structure the governance
map draws.

Reads work on records already loaded; writes run in one transaction and raise
``RegisterError`` (naming the form field at fault) without changing anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from cdphub.core import public_cache
from cdphub.framework import Entry, guidance

from .actions import RegisterError, check_person
from .changesets import change_set
from .governance_map import BodyLink, GovernanceStructure, GroupNode
from .models import Partnership, Person, SubGroup, TermsOfReference, TermsOfReferenceItem

# The document types a partnership may upload: extension → (how the file starts, MIME type).
# DOCX and ODT are both zip archives.
DOCUMENT_TYPES: dict[str, tuple[bytes, str]] = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".docx": (b"PK\x03\x04",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".odt": (b"PK\x03\x04", "application/vnd.oasis.opendocument.text"),
}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


# --- terms of reference --------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistLine:
    content: Entry  # one of the guidance's terms_of_reference_contents
    addressed: bool
    where: str


@dataclass
class TermsSummary:
    """One version of the terms of reference against the guidance's checklist."""

    terms: TermsOfReference
    lines: list[ChecklistLine]
    today: dt.date

    @property
    def addressed_count(self) -> int:
        return sum(1 for line in self.lines if line.addressed)

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def missing(self) -> list[Entry]:
        return [line.content for line in self.lines if not line.addressed]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def review_passed(self) -> bool:
        return self.terms.review_due is not None and self.terms.review_due < self.today


def summarise(terms: TermsOfReference, today: dt.date) -> TermsSummary:
    """The checklist in the guidance's order; a content with no item counts as not addressed."""
    items = {item.content_key: item for item in terms.items.all()}
    lines = []
    for content in guidance().terms_of_reference_contents:
        item = items.get(content.key)
        lines.append(ChecklistLine(content, bool(item and item.addressed),
                                   item.where if item and item.addressed else ""))
    return TermsSummary(terms, lines, today)


def document_problem(name: str, size: int, head: bytes) -> str | None:
    """Why an uploaded file cannot be the terms of reference document (None if it can)."""
    extension = PurePath(name).suffix.lower()
    if extension not in DOCUMENT_TYPES:
        return "The document must be a PDF, DOCX or ODT file."
    if size > MAX_DOCUMENT_BYTES:
        return "The document must be smaller than 10 MB."
    if size == 0:
        return "The document is empty."
    signature, _mime = DOCUMENT_TYPES[extension]
    if not head.startswith(signature):
        return f"The document is not a real {extension[1:].upper()} file."
    return None


def create_terms(*, partnership: Partnership, checklist: dict[str, tuple[bool, str]],
                 agreed_on: dt.date | None = None, review_due: dt.date | None = None,
                 notes: str = "", document=None, uploaded_by=None) -> TermsOfReference:
    """Record a new version (numbered 1, 2, 3 … per partnership) with its checklist, all or
    nothing: if anything fails, no version is recorded and no file is kept."""
    keys = [content.key for content in guidance().terms_of_reference_contents]
    terms = None
    try:
        # One change set: the version and its checklist are one entry in the History.
        with transaction.atomic(), change_set(by=uploaded_by):
            # Lock the partnership so two people recording a version at once get 1 and 2.
            Partnership.objects.select_for_update().get(pk=partnership.pk)
            latest = partnership.terms_of_reference.aggregate(latest=Max("version"))["latest"]
            terms = TermsOfReference(partnership=partnership, version=(latest or 0) + 1,
                                     agreed_on=agreed_on, review_due=review_due,
                                     notes=notes.strip(), uploaded_by=uploaded_by)
            if document is not None:
                extension = PurePath(document.name).suffix.lower()
                terms.document.save(
                    f"{partnership.slug}-terms-of-reference-v{terms.version}{extension}",
                    document, save=False)
            terms.save()
            for key in keys:
                addressed, where = checklist.get(key, (False, ""))
                TermsOfReferenceItem.objects.create(
                    terms=terms, content_key=key, addressed=addressed,
                    where=where.strip() if addressed else "")
    except BaseException:
        if terms is not None and terms.document:
            terms.document.storage.delete(terms.document.name)
        raise
    return terms


def publish_terms(terms: TermsOfReference, *, by) -> TermsOfReference:
    """Show this version of the terms of reference on the partnership's public page (an agreed
    version only; the newest published version is the one shown). One change set."""
    with transaction.atomic():
        terms = TermsOfReference.objects.select_for_update().get(pk=terms.pk)
        if terms.agreed_on is None:
            raise RegisterError("Only an agreed version can be published: record the date "
                                "the partnership agreed it first.", "agreed_on")
        if terms.published_at is not None:
            raise RegisterError(f"Version {terms.version} is published already.")
        with change_set(by=by):
            terms.published_at = timezone.now()
            terms.published_by = by
            terms.save(update_fields=["published_at", "published_by"])
    public_cache.changed()
    return terms


def unpublish_terms(terms: TermsOfReference, *, by) -> TermsOfReference:
    """Take this version off the public page. One change set."""
    with transaction.atomic():
        terms = TermsOfReference.objects.select_for_update().get(pk=terms.pk)
        if terms.published_at is None:
            raise RegisterError(f"Version {terms.version} is not published.")
        with change_set(by=by):
            terms.published_at = None
            terms.published_by = None
            terms.save(update_fields=["published_at", "published_by"])
    public_cache.changed()
    return terms


# --- sub-groups ----------------------------------------------------------------------------


def reporting_chain(start_id: int | None, parents: dict[int, int | None]) -> list[int]:
    """The ids from ``start_id`` up towards the board (stopping if a loop is found)."""
    chain: list[int] = []
    node = start_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return chain


def save_sub_group(sub_group: SubGroup, *, members: Iterable[Person]) -> SubGroup:
    """Create or update a sub-group, refusing a name already used in the partnership and a
    ``reports_to`` that would make a loop (a group reporting, through others, to itself)."""
    try:
        with transaction.atomic():
            partnership = Partnership.objects.select_for_update().get(pk=sub_group.partnership_id)
            groups = partnership.sub_groups.all()
            check_person(partnership, sub_group.chair, "chair")
            for member in members:
                check_person(partnership, member, "members")
            if groups.filter(name__iexact=sub_group.name).exclude(pk=sub_group.pk).exists():
                raise RegisterError(f"There is already a sub-group called {sub_group.name}. "
                                    "Choose another name.", "name")
            parent = sub_group.reports_to
            if parent is not None:
                if parent.partnership_id != partnership.pk:
                    raise RegisterError("Choose a sub-group of this partnership.", "reports_to")
                if parent.pk is not None and parent.pk == sub_group.pk:
                    raise RegisterError("A sub-group cannot report to itself.", "reports_to")
                parents = dict(groups.values_list("pk", "reports_to_id"))
                if sub_group.pk is not None and sub_group.pk in reporting_chain(parent.pk,
                                                                                 parents):
                    raise RegisterError(
                        f"{sub_group.name} cannot report to {parent.name}: {parent.name} "
                        f"already reports to {sub_group.name}"
                        + ("" if parent.reports_to_id == sub_group.pk else " through other groups")
                        + ", which would make a loop. Choose another group or the board.",
                        "reports_to")
            sub_group.save()
            sub_group.members.set(members)
    except IntegrityError as error:
        raise RegisterError(f"There is already a sub-group called {sub_group.name}. Choose "
                            "another name.", "name") from error
    return sub_group


# --- the governance map --------------------------------------------------------------------


def structure(partnership: Partnership) -> GovernanceStructure:
    """The partnership's governance as the map draws it: the sub-groups as a tree under the
    board, and the linked local bodies."""
    groups = list(partnership.sub_groups.select_related("chair").order_by("name"))
    ids = {group.pk for group in groups}
    children: dict[int | None, list[SubGroup]] = {}
    for group in groups:
        parent = group.reports_to_id if group.reports_to_id in ids else None
        children.setdefault(parent, []).append(group)
    placed: set[int] = set()

    def node(group: SubGroup) -> GroupNode:
        placed.add(group.pk)
        return GroupNode(
            name=group.name, chair=group.chair.full_name if group.chair else "",
            children=tuple(node(child) for child in children.get(group.pk, [])
                           if child.pk not in placed))

    roots = [node(group) for group in children.get(None, [])]
    # Groups caught in a loop (only possible in data written outside cdphub) still appear.
    roots += [node(group) for group in groups if group.pk not in placed]
    links = [BodyLink(name=link.name, body_type=link.get_body_type_display(),
                      relationship=link.relationship,
                      relationship_label=link.get_relationship_display())
             for link in partnership.local_links.all()]
    return GovernanceStructure(board=partnership.name, groups=tuple(roots), links=tuple(links))
