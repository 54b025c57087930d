"""The report's sections generated from the register and the planning records, as at the
report's data date: the requirements met, the partnership's structure, the needs assessment's
findings and priorities, the delivery plan's progress, the local performance framework, and
the year's meetings."""

from __future__ import annotations

import datetime as dt

from cdphub.partnerships import status
from cdphub.partnerships.models import Partnership

from .sections_common import section
from .years import ReportingYear


def requirements(partnership: Partnership, year: ReportingYear, as_at: dt.date) -> dict:
    """The guidance's milestones with the dates the partnership met them (up to the data
    date)."""
    rows = []
    for occurrence in status.milestone_status(partnership, as_at):
        rows.append({
            "key": occurrence.milestone.key,
            "label": occurrence.milestone.label,
            "due_on": occurrence.due_on.isoformat(),
            "status": occurrence.status,
            "completed_on": (occurrence.completed_on.isoformat()
                             if occurrence.completed_on else None),
            "evidence": occurrence.evidence,
        })
    return section("requirements", as_at, {"milestones": rows},
                   ["Milestones recorded in the register"])


BUILDERS = {
    "requirements": requirements,
}
