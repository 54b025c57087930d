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
from cdphub.partnerships.models import Partnership

from . import sections_outcomes, sections_records
from .models import NARRATIVE_SECTIONS, Report
from .sections_common import SECTION_TITLES
from .years import ReportingYear

SCHEMA = 1

#: The builders of the generated sections, by key. ``build`` calls each with
#: ``(partnership, year, as_at)``; a key with no builder yet is left out.
#: ``sections_records`` builds the sections from the register and the planning records;
#: ``sections_outcomes`` the outcomes framework table from the official figures.
BUILDERS: dict[str, Callable[[Partnership, ReportingYear, dt.date], dict]] = {
    **sections_records.BUILDERS,
    **sections_outcomes.BUILDERS,
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
