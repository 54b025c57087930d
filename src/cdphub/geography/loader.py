"""Load the geography reference data shipped in ``geography/data`` (see its PROVENANCE.md).

Idempotent: running it again updates names and links in place and never duplicates.
All-or-nothing: the whole load runs in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .codes import ENGLAND_CODE
from .models import Area, AreaType

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    def count(self, area: Area, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.updated += 1
        self.by_type[area.area_type] = self.by_type.get(area.area_type, 0) + 1


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _upsert(summary: LoadSummary, code: str, **fields) -> Area:
    area, created = Area.objects.update_or_create(code=code, defaults=fields)
    summary.count(area, created)
    return area


@transaction.atomic
def load_geography(step: Callable[[str], None] | None = None) -> LoadSummary:
    """Load England, regions, police force areas, upper-tier authorities and districts."""
    step = step or (lambda _message: None)
    summary = LoadSummary()

    step("England and its regions")
    england = _upsert(summary, ENGLAND_CODE, name="England", area_type=AreaType.COUNTRY)
    regions = {}
    for row in _rows("regions.csv"):
        if row["CTRYCD"] != ENGLAND_CODE:
            continue
        regions[row["RGNCD"]] = _upsert(
            summary, row["RGNCD"], name=row["RGNNM"], area_type=AreaType.REGION, parent=england
        )

    reference = _rows("utla2023_reference.csv")
    step("Police force areas")
    forces = {}
    for row in reference:
        if row["pfa_code"] not in forces:
            forces[row["pfa_code"]] = _upsert(
                summary, row["pfa_code"], name=row["pfa_name"], area_type=AreaType.PFA,
                parent=england,
            )

    changes = _rows("area_changes.csv")
    ending = {row["old_code"]: row for row in changes}
    starting = {row["new_code"]: row for row in changes}
    lad_names = {row["LADCD"]: row["LADNM"] for row in _rows("lad_all_codes.csv")}

    step("Upper-tier local authorities and districts")
    utlas: dict[str, Area] = {}
    for row in reference:
        code = row["utla_code_2023"]
        common = dict(
            area_type=AreaType.UTLA,
            subtype=row["utla_type"],
            parent=regions[row["region_code"]],
            police_force_area=forces[row["pfa_code"]],
        )
        valid_from = _date(starting[code]["change_date"]) if code in starting else None
        valid_to = None
        note = ""
        if code in ending:
            change = ending[code]
            valid_to = _date(change["change_date"]) - dt.timedelta(days=1)
            note = f"Replaced on {change['change_date']}: {change['legislation']}"
        elif code in starting:
            note = f"Created on {starting[code]['change_date']}: {starting[code]['legislation']}"
        utlas[code] = _upsert(
            summary, code, name=row["utla_name"], valid_from=valid_from, valid_to=valid_to,
            change_note=note, **common,
        )
        for lad_code in row["lad_codes_2023"].split(";"):
            lad_code = lad_code.strip()
            if lad_code and lad_code != code:
                _upsert(
                    summary, lad_code, name=lad_names.get(lad_code, lad_code),
                    area_type=AreaType.LAD, subtype="Non-metropolitan district",
                    parent=utlas[code], police_force_area=forces[row["pfa_code"]],
                )

    step("Boundary and code changes")
    for change in changes:
        date = _date(change["change_date"])
        old, new = change["old_code"], change["new_code"]
        if old not in utlas:  # an authority abolished before 2023: take region/force from its successor
            successor = utlas[new]
            utlas[old] = _upsert(
                summary, old, name=change["old_name"], area_type=AreaType.UTLA,
                subtype=change["old_type"], parent=successor.parent,
                police_force_area=successor.police_force_area,
                valid_to=date - dt.timedelta(days=1),
                change_note=f"Replaced on {change['change_date']}: {change['legislation']}",
            )
        if new not in utlas:  # a later code for an authority in the 2023 list
            predecessor = utlas[old]
            utlas[new] = _upsert(
                summary, new, name=change["new_name"], area_type=AreaType.UTLA,
                subtype=predecessor.subtype, parent=predecessor.parent,
                police_force_area=predecessor.police_force_area, valid_from=date,
                change_note=f"Created on {change['change_date']}: {change['legislation']}",
            )
        utlas[old].successors.add(utlas[new])
    return summary


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)
