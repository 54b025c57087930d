"""A partnership's History: every change to its records, one entry per save.

Each record keeps its versions (django-simple-history). One save writes a version of every
record it touches, all with the same time and user (``changesets.py``), so the versions are
grouped by (time, user) into one entry, which lists each record the save added, changed,
withdrew or removed and, for a change, each field with its old and new value (a sensitive
value, such as a stored file's location or an email address, is only said to have changed).

Listing a page reads only (id, time, user) of every version of the partnership's records, then
the full versions of the page's entries and, for each record changed, the version before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from .models import (
    Action,
    Appointment,
    Coverage,
    Decision,
    FootprintChange,
    LocalBodyLink,
    Meeting,
    MilestoneCompletion,
    Partnership,
    Person,
    SubGroup,
    TermsOfReference,
    TermsOfReferenceItem,
)

PER_PAGE = 20
SYSTEM = "system"  # the person filter's value for changes made by no signed-in user


@dataclass(frozen=True)
class Source:
    label: str  # what one record is called: "Meeting"
    kind: str  # the record type it is filtered under (a key of RECORD_TYPES)
    model: type[models.Model]
    of_partnership: Callable[[int], dict]  # partnership id → filter of its versions


# The record types the page filters by, in the order the filter lists them.
RECORD_TYPES = {
    "partnership": "Partnership",
    "footprint": "Footprint",
    "people": "People and roles",
    "terms": "Terms of reference",
    "groups": "Sub-groups and local bodies",
    "meetings": "Meetings and decisions",
    "actions": "Actions",
    "milestones": "Milestones",
}

# Parents before their parts: an entry is headed by the first record it touched in this order.
SOURCES = [
    Source("Partnership", "partnership", Partnership, lambda pid: {"id": pid}),
    Source("Meeting", "meetings", Meeting, lambda pid: {"partnership_id": pid}),
    Source("Terms of reference", "terms", TermsOfReference, lambda pid: {"partnership_id": pid}),
    Source("Footprint change", "footprint", FootprintChange, lambda pid: {"partnership_id": pid}),
    Source("Footprint", "footprint", Coverage, lambda pid: {"partnership_id": pid}),
    Source("Person", "people", Person, lambda pid: {"partnership_id": pid}),
    Source("Role", "people", Appointment, lambda pid: {"partnership_id": pid}),
    Source("Sub-group", "groups", SubGroup, lambda pid: {"partnership_id": pid}),
    Source("Link to a local body", "groups", LocalBodyLink, lambda pid: {"partnership_id": pid}),
    Source("Action", "actions", Action, lambda pid: {"partnership_id": pid}),
    Source("Decision", "meetings", Decision, lambda pid: {"meeting__partnership_id": pid}),
    Source("Terms of reference checklist", "terms", TermsOfReferenceItem,
           lambda pid: {"terms__partnership_id": pid}),
    Source("Milestone", "milestones", MilestoneCompletion, lambda pid: {"partnership_id": pid}),
]



def register(kind: str, kind_label: str, *sources: Source, hidden=(), sensitive=(),
             labels=None) -> None:
    """Add a higher app's records to the History (the register does not import the apps
    built on it: each adds its own records from its ``AppConfig.ready``). ``kind`` is the
    filter they are listed under; ``hidden`` and ``sensitive`` name (model, field) pairs."""
    RECORD_TYPES.setdefault(kind, kind_label)
    for source in sources:
        if all(existing.model is not source.model for existing in SOURCES):
            SOURCES.append(source)
    for model, name in hidden:
        HIDDEN_BY_MODEL.setdefault(model, set()).add(name)
    SENSITIVE.update(sensitive)
    LABELS.update(labels or {})


# Fields never listed: the record's own id, the partnership it belongs to, the parent a part
# belongs to, and times the record sets itself.
HIDDEN = {"id", "partnership", "terms", "created_at", "proposed_at", "recorded_at"}
HIDDEN_BY_MODEL = {Decision: {"meeting"}}
# Fields whose values are not shown, only that they changed.
SENSITIVE = {(TermsOfReference, "document"), (Person, "email"), (Person, "user")}
LABELS = {
    (Action, "due_on"): "due date", (Action, "completed_on"): "date done",
    (Action, "description"): "what needs doing", (Meeting, "withdrawn_by"): "withdrawn by",
}


@dataclass
class Version:
    """One version's key: which source, which record, when, by whom."""

    source: int  # index into SOURCES
    history_id: int
    object_id: int
    date: dt.datetime
    user_id: int | None
    type: str  # "+", "~" or "-"


@dataclass
class Change:
    field: str
    old: str
    new: str
    sensitive: bool = False
    listing: bool = False  # a list of what was added or removed (attendees), not old → new

    @property
    def text(self) -> str:
        if self.sensitive:
            return f"{self.field}: changed (not shown)"
        if self.listing:
            return f"{self.field}: {self.new or self.old}"
        return f"{self.field}: {self.old or '(empty)'} → {self.new or '(empty)'}"


@dataclass
class RecordChange:
    """What one save did to one record."""

    label: str
    verb: str  # added, changed, withdrawn, removed
    what: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""  # for a withdrawal: the reason


@dataclass
class AddedGroup:
    """Several records of one kind added by the save (a new version's checklist items)."""

    label: str
    whats: list[str]


@dataclass
class Entry:
    date: dt.datetime
    user: object | None
    records: list[RecordChange]
    added_parts: list[AddedGroup]

    @property
    def headline(self) -> RecordChange:
        return self.records[0]

    @property
    def others(self) -> list[RecordChange]:
        return self.records[1:]


@dataclass
class Group:
    date: dt.datetime
    user_id: int | None
    versions: list[Version]


def versions(partnership_id: int) -> list[Version]:
    """The key of every version of every record of the partnership (one query per kind of
    record)."""
    found = []
    for index, source in enumerate(SOURCES):
        rows = source.model.history.filter(**source.of_partnership(partnership_id)).values_list(
            "history_id", "id", "history_date", "history_user_id", "history_type")
        found += [Version(index, *row) for row in rows]
    return found


def groups(all_versions: list[Version], *, kind: str = "", person: str = "") -> list[Group]:
    """The saves, newest first, each with its versions; only saves that touched a record of
    ``kind`` (a key of RECORD_TYPES) and made by ``person`` (a user id, or SYSTEM), if given."""
    saves: dict[tuple[dt.datetime, int | None], list[Version]] = {}
    for version in all_versions:
        saves.setdefault((version.date, version.user_id), []).append(version)
    result = []
    for (date, user_id), group in saves.items():
        if person == SYSTEM and user_id is not None:
            continue
        if person and person != SYSTEM and str(user_id) != person:
            continue
        if kind and not any(SOURCES[v.source].kind == kind for v in group):
            continue
        group.sort(key=lambda v: (v.source, v.object_id, v.history_id))
        result.append(Group(date, user_id, group))
    result.sort(key=lambda g: (g.date, max(v.history_id for v in g.versions)), reverse=True)
    return result


def people(all_versions: list[Version]) -> list[tuple[str, str]]:
    """(value, name) of everyone who has changed the partnership's records, for the filter."""
    ids = {version.user_id for version in all_versions}
    users = get_user_model().objects.filter(pk__in=[i for i in ids if i is not None])
    options = sorted(((str(user.pk), str(user)) for user in users), key=lambda o: o[1].lower())
    if None in ids:
        options.append((SYSTEM, "The system (no one signed in)"))
    return options


def entries(page_groups: list[Group]) -> list[Entry]:
    """The page's saves, each with what it did to each record. A fixed number of queries
    whatever the page holds: the page's versions and, for the records changed, their earlier
    versions, a query per kind of record; attendee lists in one query; names looked up once."""
    wanted: dict[int, set[int]] = {}  # source → ids of records the page changed
    for group in page_groups:
        for version in group.versions:
            wanted.setdefault(version.source, set()).add(version.object_id)
    # Every version of those records: the page's own, and each changed record's earlier
    # versions to compare with.
    history: dict[tuple[int, int], list] = {}
    for index, ids in wanted.items():
        model = SOURCES[index].model
        for record in model.history.filter(id__in=ids).select_related("history_user").order_by(
                "history_date", "history_id"):
            history.setdefault((index, record.id), []).append(record)
    full = {(index, record.history_id): record
            for (index, _id), records in history.items() for record in records}
    names = _Names()
    plans = []
    snapshot_ids: set[int] = set()
    for group in page_groups:
        per_object: dict[tuple[int, int], list[Version]] = {}
        for version in group.versions:
            per_object.setdefault((version.source, version.object_id), []).append(version)
        planned = []
        for (index, object_id), group_versions in per_object.items():
            first = full[(index, group_versions[0].history_id)]
            last = full[(index, group_versions[-1].history_id)]
            before = None
            if first.history_type != "+" and last.history_type != "-":
                earlier = [r for r in history[(index, object_id)]
                           if r.history_date < first.history_date]
                before = earlier[-1] if earlier else None
                if SOURCES[index].model is Meeting and before is not None:
                    snapshot_ids |= {before.history_id, last.history_id}
            planned.append((SOURCES[index], before, last, first.history_type))
        plans.append((group, planned))
    attendees = _attendees(snapshot_ids)
    result = []
    for group, planned in plans:
        records: list[RecordChange] = []
        added: dict[str, AddedGroup] = {}
        user = None
        for source, before, last, first_type in planned:
            user = user or last.history_user
            change = _record_change(source, first_type, before, last, names, attendees)
            if change is None:
                continue
            if change.verb == "added" and records:  # a part added with its parent
                added.setdefault(change.label, AddedGroup(change.label, [])).whats.append(
                    change.what)
            else:
                records.append(change)
        if not records and added:  # only parts were added: head the entry with the first
            first_group = next(iter(added.values()))
            records.append(RecordChange(first_group.label, "added", first_group.whats.pop(0)))
            if not first_group.whats:
                added.pop(first_group.label)
        if records:
            result.append(Entry(group.date, user, records, list(added.values())))
    return result


def _attendees(history_ids: set[int]) -> dict[int, set[int]]:
    """Who attended, as each of these meeting versions recorded it."""
    snapshots = apps.get_model("partnerships", "HistoricalMeeting_attendees")
    found: dict[int, set[int]] = {pk: set() for pk in history_ids}
    for history_id, person_id in snapshots.objects.filter(
            history_id__in=history_ids).values_list("history_id", "person_id"):
        found[history_id].add(person_id)
    return found


def _record_change(source: Source, first_type: str, before, last, names: _Names,
                   attendees: dict[int, set[int]]) -> RecordChange | None:
    what = _describe(source.model, last, names)
    if first_type == "+":
        return RecordChange(source.label, "added", what)
    if last.history_type == "-":
        return RecordChange(source.label, "removed", what)
    if before is None:
        return RecordChange(source.label, "changed", what)
    if source.model is Meeting and before.withdrawn_at is None and last.withdrawn_at:
        return RecordChange(source.label, "withdrawn", what, note=last.withdrawal_reason)
    changes = _changes(source.model, before, last, names)
    if source.model is Meeting:
        changes += _attendee_changes(attendees[before.history_id],
                                     attendees[last.history_id], names)
    if not changes:
        return None
    return RecordChange(source.label, "changed", what, changes)


def _describe(model, record, names: _Names) -> str:
    """What the record is, from the version itself (no query but for a named person or
    area, each looked up once)."""
    if model is Meeting:
        return f"{record.title}, {_date(record.held_on)}"
    if model is Decision:
        return _short(record.text, 120)
    if model is Action:
        return _short(record.description, 120)
    if model is Person:
        return record.full_name
    if model is TermsOfReference:
        return f"version {record.version}"
    if model is Appointment:
        return f"{names.name(Person, record.person_id)}, {record.get_position_display()}"
    if model is Coverage:
        return names.name(Coverage._meta.get_field("area").related_model, record.area_id)
    if model is FootprintChange:
        return f"from {_date(record.effective_from)}"
    if model is Partnership:
        return record.name
    if model is MilestoneCompletion:
        return f"{record.get_milestone_key_display()}, {_date(record.completed_on)}"
    if model is TermsOfReferenceItem:
        return (f"{record.get_content_key_display()}: "
                f"{'addressed' if record.addressed else 'not yet'}")
    if model in (SubGroup, LocalBodyLink):
        return _short(record.name, 120)
    # A record of an app above the register (``register``): as its model names itself.
    return _short(str(record.instance), 120)


def _changes(model, before, after, names: _Names) -> list[Change]:
    changes = []
    hidden = HIDDEN | HIDDEN_BY_MODEL.get(model, set())
    for model_field in model._meta.concrete_fields:
        if model_field.name in hidden:
            continue
        old, new = (getattr(r, model_field.attname) for r in (before, after))
        if old == new:
            continue
        label = LABELS.get((model, model_field.name), str(model_field.verbose_name))
        if (model, model_field.name) in SENSITIVE:
            changes.append(Change(label, "", "", sensitive=True))
            continue
        changes.append(Change(label, _value(model_field, old, names),
                              _value(model_field, new, names)))
    return changes


def _attendee_changes(old: set[int], new: set[int], names: _Names) -> list[Change]:
    changes = []
    if added := sorted(names.name(Person, pk) for pk in new - old):
        changes.append(Change("attendees added", "", ", ".join(added), listing=True))
    if removed := sorted(names.name(Person, pk) for pk in old - new):
        changes.append(Change("attendees removed", ", ".join(removed), "", listing=True))
    return changes


class _Names:
    """The names of records a version points to, looked up once each."""

    def __init__(self):
        self.found: dict[tuple[type, object], str] = {}

    def name(self, model, pk) -> str:
        if pk is None:
            return ""
        key = (model, pk)
        if key not in self.found:
            record = model._default_manager.filter(pk=pk).first()
            if record is None:
                self.found[key] = "(no longer recorded)"
            elif model is Meeting:
                self.found[key] = f"{record.title}, {_date(record.held_on)}"
            elif model is Person:
                self.found[key] = record.full_name
            else:
                self.found[key] = str(record)
        return self.found[key]


def _value(model_field, value, names: _Names) -> str:
    if value is None or value == "":
        return ""
    if model_field.is_relation:
        return names.name(model_field.related_model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
        return f"{date_format(value)}, {value:%H:%M}"
    if isinstance(value, dt.date):
        return date_format(value)
    return _short(str(value), 300)


def _date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _short(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"
