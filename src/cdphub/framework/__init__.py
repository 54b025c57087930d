"""The guidance as data: pure Python, no Django.

``guidance()`` returns the current edition's lists (roles, sectors, milestones, commitments …)
as typed, immutable records, each citing the section of the guidance it comes from.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
CURRENT_EDITION = "guidance_2022"


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    source: str
    description: str = ""


@dataclass(frozen=True)
class Milestone(Entry):
    deadline: dt.date = dt.date(2022, 8, 1)
    recurrence_months: int | None = None
    anchor: str = "completion"  # or "deadline"


@dataclass(frozen=True)
class Commitment(Entry):
    priority: str = ""


@dataclass(frozen=True)
class AssessmentSection(Entry):
    group: str = "question"  # Box 4's questions, or "dimension": the analysis it lists
    prompt: str = ""
    metrics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guidance:
    edition: str
    title: str
    sro_roles: tuple[Entry, ...]
    lead_roles: tuple[Entry, ...]
    core_sectors: tuple[Entry, ...]
    wider_partner_types: tuple[Entry, ...]
    terms_of_reference_contents: tuple[Entry, ...]
    governance_bodies: tuple[Entry, ...]
    principles: tuple[Entry, ...]
    milestones: tuple[Milestone, ...]
    commitments: tuple[Commitment, ...]
    assessment_sections: tuple[AssessmentSection, ...]
    evidence_types: tuple[Entry, ...]

    def choices(self, name: str) -> list[tuple[str, str]]:
        """(key, label) pairs for a list, ready for a form or model field."""
        return [(entry.key, entry.label) for entry in getattr(self, name)]

    def label(self, name: str, key: str) -> str:
        for entry in getattr(self, name):
            if entry.key == key:
                return entry.label
        return key

    def milestone(self, key: str) -> Milestone:
        for milestone in self.milestones:
            if milestone.key == key:
                return milestone
        raise KeyError(key)

    def assessment_section(self, key: str) -> AssessmentSection:
        for section in self.assessment_sections:
            if section.key == key:
                return section
        raise KeyError(key)


def _entries(rows, cls=Entry):
    fields = set(cls.__dataclass_fields__)
    return tuple(cls(**{k: tuple(v) if isinstance(v, list) else v
                        for k, v in row.items() if k in fields}) for row in rows)


@cache
def guidance(edition: str = CURRENT_EDITION) -> Guidance:
    with open(DATA_DIR / f"{edition}.toml", "rb") as handle:
        data = tomllib.load(handle)
    return Guidance(
        edition=data["edition"]["key"],
        title=data["edition"]["title"],
        sro_roles=_entries(data["sro_roles"]),
        lead_roles=_entries(data["lead_roles"]),
        core_sectors=_entries(data["core_sectors"]),
        wider_partner_types=_entries(data["wider_partner_types"]),
        terms_of_reference_contents=_entries(data["terms_of_reference_contents"]),
        governance_bodies=_entries(data["governance_bodies"]),
        principles=_entries(data["principles"]),
        milestones=_entries(data["milestones"], Milestone),
        commitments=_entries(data["commitments"], Commitment),
        assessment_sections=_entries(data["assessment_sections"], AssessmentSection),
        evidence_types=_entries(data["evidence_types"]),
    )
