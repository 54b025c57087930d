"""Demo governance records: terms of reference, sub-groups, links to local bodies, and
quarterly meetings with their decisions and actions.

Plausible and clearly synthetic, deterministic for a given ``rng`` (each partnership draws
from its own generator seeded from ``rng`` and its slug, so its data does not depend on which
other partnerships are built), and fast: everything is written with a handful of bulk inserts
(history rows included). Only people already appointed in a partnership take part in it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from simple_history.utils import bulk_create_with_history

from cdphub.framework import guidance
from cdphub.partnerships.changesets import unique_now
from cdphub.partnerships.models import (
    Action,
    Appointment,
    Decision,
    LocalBodyLink,
    Meeting,
    Partnership,
    SubGroup,
    TermsOfReference,
    TermsOfReferenceItem,
)

FIRST_MEETING = dt.date(2022, 9, 1)
MEETING_MONTHS = (3, 6, 9, 12)
BATCH = 500

# name, remit, the group it usually reports to (None: the board)
SUB_GROUPS = [
    ("Treatment and recovery group",
     "Commissioning, quality and capacity of treatment and recovery services, and continuity "
     "of care on release from prison.", None),
    ("Supply and enforcement group",
     "Disrupting drug supply and county lines, and reducing drug-related crime, with the "
     "Community Safety Partnership.", None),
    ("Prevention and early intervention group",
     "Prevention in schools and with young people at risk, and early help for families.", None),
    ("Drug-related deaths panel",
     "Reviews drug-related deaths and near misses and shares the learning.",
     "Treatment and recovery group"),
    ("Lived experience forum",
     "People with lived experience, families and recovery communities shaping the partnership's "
     "work.", None),
    ("Workforce development group",
     "Recruitment, training and retention across treatment and recovery services.",
     "Treatment and recovery group"),
]

# body type key, name pattern, relationship, notes
LINKS = [
    ("csp", "{place} Community Safety Partnership", LocalBodyLink.Relationship.SHARED,
     "Shared members; the supply group reports on enforcement to both."),
    ("hwb", "{place} Health and Wellbeing Board", LocalBodyLink.Relationship.REPORTS_TO,
     "The partnership reports progress each year."),
    ("lcjb", "{place} Local Criminal Justice Board", LocalBodyLink.Relationship.INFORMS, ""),
    ("safeguarding_children", "{place} Safeguarding Children Partnership",
     LocalBodyLink.Relationship.INFORMS, ""),
    ("safeguarding_adults", "{place} Safeguarding Adults Board",
     LocalBodyLink.Relationship.INFORMS, ""),
    ("icp", "{place} Integrated Care Partnership", LocalBodyLink.Relationship.SHARED,
     "Joint commissioning of treatment services."),
    ("vru", "{place} Violence Reduction Unit", LocalBodyLink.Relationship.INFORMS, ""),
    ("domestic_abuse", "{place} Domestic Abuse Partnership Board",
     LocalBodyLink.Relationship.REPORTS_IN, ""),
]

DECISIONS = [
    "Agreed the terms of reference for the coming year.",
    "Agreed the joint needs assessment's findings and priorities.",
    "Approved the local delivery plan for submission.",
    "Agreed to fund two additional recovery workers from the supplemental grant.",
    "Agreed the local outcomes framework and its measures.",
    "Asked the treatment and recovery group to report on waiting times.",
    "Agreed a naloxone distribution plan with the police and pharmacies.",
    "Approved the annual progress report for publication.",
    "Agreed to co-opt a representative of the local recovery community.",
    "Noted the quarterly performance report.",
    "Agreed the communications plan for the drug alert system.",
    "Agreed to review the data-sharing agreement between partners.",
]
ACTIONS = [
    "Circulate the revised terms of reference to all partners",
    "Bring options for continuity of care on release from prison",
    "Report on treatment waiting times by locality",
    "Draft the annual progress report",
    "Update the risk register with the new funding risks",
    "Set up a data-sharing agreement with the NHS trust",
    "Arrange lived experience training for board members",
    "Map housing support for people leaving treatment",
    "Confirm police representation at the drug-related deaths panel",
    "Review the equality impact assessment of the delivery plan",
    "Share the latest drug alert protocol with partners",
    "Agree a schedule for the needs assessment refresh",
]
PLACES_TO_SECTIONS = ["Section {n}", "Section {n} and Annex A", "Paragraphs {n}.1 to {n}.4",
                      "Section {n} (membership)", "Appendix {n}"]


@dataclass
class _Membership:
    person_id: int
    position: str
    start: dt.date
    end: dt.date | None

    def current_on(self, date: dt.date) -> bool:
        return self.start <= date and (self.end is None or self.end >= date)


@dataclass
class _Batch:
    """Everything to insert, with the links between new rows kept as Python references."""

    terms: list[TermsOfReference] = field(default_factory=list)
    items: list[tuple[TermsOfReference, TermsOfReferenceItem]] = field(default_factory=list)
    groups: list[tuple[SubGroup, str | None, list[int]]] = field(default_factory=list)
    links: list[LocalBodyLink] = field(default_factory=list)
    meetings: list[tuple[Meeting, list[int]]] = field(default_factory=list)
    decisions: list[tuple[Meeting, Decision]] = field(default_factory=list)
    actions: list[tuple[Meeting, Action]] = field(default_factory=list)


def build_governance_demo(partnerships: Iterable[Partnership], rng: random.Random,
                          today: dt.date) -> None:
    """Governance records for each partnership that has none yet (so running it again adds
    nothing)."""
    partnerships = list(partnerships)
    seed = rng.getrandbits(64)
    started = _with_governance([p.pk for p in partnerships])
    members = _memberships([p.pk for p in partnerships])
    batch = _Batch()
    for partnership in partnerships:
        if partnership.pk in started:
            continue
        local = random.Random(f"{seed}:{partnership.slug}")
        people = members.get(partnership.pk, [])
        _terms_of_reference(batch, partnership, local, today)
        _sub_groups(batch, partnership, local, people, today)
        _links(batch, partnership, local)
        _meetings(batch, partnership, local, people, today)
    _save(batch)


def _with_governance(ids: list[int]) -> set[int]:
    found: set[int] = set()
    for model in (TermsOfReference, SubGroup, LocalBodyLink, Meeting):
        found |= set(model.objects.filter(partnership_id__in=ids)
                     .values_list("partnership_id", flat=True))
    return found


def _memberships(ids: list[int]) -> dict[int, list[_Membership]]:
    result: dict[int, list[_Membership]] = {}
    rows = (Appointment.objects.filter(partnership_id__in=ids)
            .order_by("partnership_id", "start_date", "pk")
            .values_list("partnership_id", "person_id", "position", "start_date", "end_date"))
    for partnership_id, person_id, position, start, end in rows:
        result.setdefault(partnership_id, []).append(_Membership(person_id, position, start, end))
    return result


def _place(partnership: Partnership) -> str:
    return partnership.name.replace("Combating Drugs Partnership", "").strip() or partnership.name


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _terms_of_reference(batch: _Batch, partnership: Partnership, rng: random.Random,
                        today: dt.date) -> None:
    roll = rng.random()
    if roll < 0.06:
        return  # a few partnerships have recorded none
    if roll < 0.85:
        agreed = _date_between(rng, dt.date(2022, 8, 1), dt.date(2022, 12, 16))
    else:
        agreed = _date_between(rng, dt.date(2023, 9, 1), dt.date(2023, 12, 15))
    contents = [c.key for c in guidance().terms_of_reference_contents]
    missing = set(rng.sample(contents, rng.choice([0, 0, 1, 1, 2, 3])))
    wanted = rng.choices([1, 2, 3], weights=[25, 45, 30])[0]
    version = 0
    while version < wanted and agreed <= today:
        version += 1
        years = rng.choice([1, 2] if version == 1 else [2, 3, 3])  # first ones were interim
        review = agreed + dt.timedelta(days=365 * years)
        terms = TermsOfReference(
            partnership=partnership, version=version, agreed_on=agreed, review_due=review,
            notes="Agreed at the partnership board." if version == 1
            else "Annual review: membership and sub-groups updated.")
        batch.terms.append(terms)
        template = rng.choice(PLACES_TO_SECTIONS)
        for number, key in enumerate(contents, start=2):
            addressed = key not in missing
            batch.items.append((terms, TermsOfReferenceItem(
                content_key=key, addressed=addressed,
                where=template.format(n=number) if addressed else "")))
        missing = {key for key in missing if rng.random() < 0.3}  # later versions fill gaps
        agreed = agreed + dt.timedelta(days=rng.randint(330, 700))


def _sub_groups(batch: _Batch, partnership: Partnership, rng: random.Random,
                people: list[_Membership], today: dt.date) -> None:
    chosen = rng.sample(SUB_GROUPS, rng.randint(1, 4))
    names = {name for name, _remit, _parent in chosen}
    current = sorted({m.person_id for m in people if m.current_on(today)})
    for name, remit, parent in chosen:
        members = sorted(rng.sample(current, min(len(current), rng.randint(3, 6))))
        chair = members[0] if members else None
        group = SubGroup(partnership=partnership, name=name, remit=remit, chair_id=chair)
        batch.groups.append((group, parent if parent in names else None, members))


def _links(batch: _Batch, partnership: Partnership, rng: random.Random) -> None:
    chosen = LINKS[:2] + rng.sample(LINKS[2:], rng.randint(1, 4))
    place = _place(partnership)
    for body_type, pattern, relationship, notes in chosen:
        batch.links.append(LocalBodyLink(partnership=partnership, body_type=body_type,
                                         name=pattern.format(place=place),
                                         relationship=relationship, notes=notes))


def _meeting_dates(rng: random.Random, today: dt.date):
    year, month = FIRST_MEETING.year, FIRST_MEETING.month
    while True:
        held_on = dt.date(year, month, rng.randint(6, 26))
        if held_on > today:
            return
        yield held_on
        month += 3
        if month > 12:
            year, month = year + 1, month - 12


def _meetings(batch: _Batch, partnership: Partnership, rng: random.Random,
              people: list[_Membership], today: dt.date) -> None:
    for held_on in _meeting_dates(rng, today):
        present = sorted({m.person_id for m in people
                          if m.current_on(held_on) and rng.random() < 0.8})
        meeting = Meeting(partnership=partnership, held_on=held_on, title="Partnership board")
        batch.meetings.append((meeting, present))
        for text in rng.sample(DECISIONS, rng.randint(1, 3)):
            batch.decisions.append((meeting, Decision(text=text)))
        for description in rng.sample(ACTIONS, rng.randint(0, 3)):
            due = held_on + dt.timedelta(days=rng.randint(28, 84))
            status, completed = _action_outcome(rng, held_on, due, today)
            batch.actions.append((meeting, Action(
                partnership=partnership, description=description, due_on=due, status=status,
                completed_on=completed, owner_id=rng.choice(present) if present else None)))


def _action_outcome(rng: random.Random, held_on: dt.date, due: dt.date,
                    today: dt.date) -> tuple[str, dt.date | None]:
    roll = rng.random()
    if due >= today:  # not due yet
        if roll < 0.25 and held_on < today:
            return Action.Status.DONE, _date_between(rng, held_on, today)
        return (Action.Status.IN_PROGRESS if roll < 0.6 else Action.Status.OPEN), None
    if roll < 0.82:
        done = min(today, due + dt.timedelta(days=rng.randint(-21, 14)))
        return Action.Status.DONE, max(held_on, done)
    if roll < 0.9:
        return Action.Status.CANCELLED, None
    return (Action.Status.IN_PROGRESS if roll < 0.95 else Action.Status.OPEN), None  # overdue


def _stamp_saves(batch: _Batch) -> None:
    """A version of the terms of reference and its checklist, and a meeting with its decisions
    and actions, are each one save: their history records share one time, so the History page
    shows each as one entry (``partnerships/changesets.py``)."""
    saves: dict[int, dt.datetime] = {}
    for record in [*batch.terms, *(meeting for meeting, _present in batch.meetings)]:
        saves[id(record)] = record._history_date = unique_now()
    for parent, part in [*batch.items, *batch.decisions, *batch.actions]:
        part._history_date = saves[id(parent)]


def _save(batch: _Batch) -> None:
    _stamp_saves(batch)
    bulk_create_with_history(batch.terms, TermsOfReference, batch_size=BATCH)
    for terms, item in batch.items:
        item.terms = terms
    bulk_create_with_history([item for _t, item in batch.items], TermsOfReferenceItem,
                             batch_size=BATCH)

    # Groups reporting to the board first, so the others can name them in their first
    # history record.
    roots = [group for group, parent, _members in batch.groups if parent is None]
    bulk_create_with_history(roots, SubGroup, batch_size=BATCH)
    by_name = {(group.partnership_id, group.name): group for group in roots}
    children = []
    for group, parent, _members in batch.groups:
        if parent is not None:
            group.reports_to = by_name[(group.partnership_id, parent)]
            children.append(group)
    bulk_create_with_history(children, SubGroup, batch_size=BATCH)
    SubGroup.members.through.objects.bulk_create(
        [SubGroup.members.through(subgroup_id=group.pk, person_id=person)
         for group, _parent, members in batch.groups for person in members],
        batch_size=BATCH)

    bulk_create_with_history(batch.links, LocalBodyLink, batch_size=BATCH)

    meetings = [meeting for meeting, _present in batch.meetings]
    bulk_create_with_history(meetings, Meeting, batch_size=BATCH)
    attended = Meeting.attendees.through.objects.bulk_create(
        [Meeting.attendees.through(meeting_id=meeting.pk, person_id=person)
         for meeting, present in batch.meetings for person in present],
        batch_size=BATCH)
    # The meetings' history records who attended, as a meeting saved on a page does.
    versions = dict(Meeting.history.filter(id__in=[m.pk for m in meetings]).values_list(
        "id", "history_id"))
    if not all(row.pk for row in attended):  # SQLite before 3.35 returns no new ids
        attended = Meeting.attendees.through.objects.filter(meeting_id__in=versions)
    snapshots = apps.get_model("partnerships", "HistoricalMeeting_attendees")
    snapshots.objects.bulk_create(
        [snapshots(id=row.pk, history_id=versions[row.meeting_id], meeting_id=row.meeting_id,
                   person_id=row.person_id) for row in attended], batch_size=BATCH)
    for meeting, decision in batch.decisions:
        decision.meeting = meeting
    bulk_create_with_history([d for _m, d in batch.decisions], Decision, batch_size=BATCH)
    for meeting, action in batch.actions:
        action.meeting = meeting
    bulk_create_with_history([a for _m, a in batch.actions], Action, batch_size=BATCH)
