"""The progress report's content, generated from live records and the official figures as at
the report's data date.

``build(report)`` returns the report as plain data (JSON-serialisable: it is what a submission
freezes in ``Submission.snapshot``, and what ``render.py`` turns into HTML and PDF). Its shape:

```
{
  "schema": 1,
  "partnership": {"name", "slug", "region"},
  "year": {"start", "label", "starts_on", "ends_on", "due_on"},     # dates as ISO strings
  "data_date": "YYYY-MM-DD", "generated_at": ISO datetime, "version": int, "status": str,
  "narrative": {"foreword", "foreword_signatory", "vision", "highlights", "next_steps"},
  "case_studies": [{"title", "text", "person_named_as"}],
  "sections": [
    {"key", "title",
     "sources": {"as_at": "YYYY-MM-DD",
                 "records": ["what records, in words"],
                 "loads": [{"id", "metric", "file", "loaded_at"}]},
     "data": {...}},   # each section's own shape: see the section's builder
    ...
  ],
}
```

Section keys, in order: ``requirements``, ``structure``, ``needs_assessment``,
``delivery_plan``, ``performance_framework``, ``outcomes``, ``meetings``. Every figure comes
through the outcomes read path (``outcomes.published``), so a hidden figure is never in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from cdphub.framework import guidance
from cdphub.partnerships import status
from cdphub.partnerships.models import Partnership

from .models import NARRATIVE_SECTIONS, Report
from .years import ReportingYear

SCHEMA = 1

#: Each generated section's key and title, in the order the report shows them.
SECTION_TITLES = {
    "requirements": "Requirements met",
    "structure": "How the partnership is organised",
    "needs_assessment": "What the needs assessment found",
    "delivery_plan": "Progress against the delivery plan",
    "performance_framework": "Local performance framework",
    "outcomes": "National Combating Drugs Outcomes Framework",
    "meetings": "Meetings and attendance",
}


def _sources(as_at: dt.date, records: list[str], loads: list[dict] | None = None) -> dict:
    return {"as_at": as_at.isoformat(), "records": records, "loads": loads or []}


def requirements(partnership: Partnership, year: ReportingYear, as_at: dt.date) -> dict:
    """The guidance's milestones with the dates the partnership met them (up to the data
    date)."""
    occurrences = status.milestone_status(partnership, as_at)
    rows = []
    for occurrence in occurrences:
        milestone = occurrence.milestone
        rows.append({
            "key": milestone.key,
            "label": milestone.label,
            "due_on": occurrence.due_on.isoformat(),
            "status": occurrence.status,
            "completed_on": (occurrence.completed_on.isoformat()
                             if occurrence.completed_on else None),
            "evidence": occurrence.evidence,
        })
    return {"key": "requirements", "title": SECTION_TITLES["requirements"],
            "sources": _sources(as_at, ["Milestones recorded in the register"]),
            "data": {"milestones": rows}}


#: The builders of the generated sections, by key. ``build`` calls each with
#: ``(partnership, year, as_at)``; a key with no builder yet is left out.
BUILDERS: dict[str, Callable[[Partnership, ReportingYear, dt.date], dict]] = {
    "requirements": requirements,
}


def build(report: Report, *, as_at: dt.date | None = None) -> dict:
    """The whole report as plain data, as at ``as_at`` (default: the report's data date)."""
    as_at = as_at or report.data_date
    partnership = report.partnership
    year = report.reporting_year
    sections = [BUILDERS[key](partnership, year, as_at)
                for key in SECTION_TITLES if key in BUILDERS]
    return {
        "schema": SCHEMA,
        "partnership": {"name": partnership.name, "slug": partnership.slug,
                        "region": partnership.region.name if partnership.region_id else ""},
        "year": {"start": year.start_year, "label": year.label,
                 "starts_on": year.starts_on.isoformat(), "ends_on": year.ends_on.isoformat(),
                 "due_on": year.due_on.isoformat()},
        "data_date": as_at.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "version": report.version,
        "status": report.status,
        "narrative": {**{key: getattr(report, key) for key in NARRATIVE_SECTIONS},
                      "foreword_signatory": report.foreword_signatory},
        "case_studies": [{"title": c.title, "text": c.text, "person_named_as": c.person_named_as}
                         for c in report.case_studies.all()],
        "sections": sections,
        "edition": guidance().edition,
    }
