"""What every generated section of the report shares: its title, and where it came from."""

from __future__ import annotations

import datetime as dt

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


def sources(as_at: dt.date, records: list[str], loads: list[dict] | None = None) -> dict:
    """Where a section came from: the records (in words), the data loads
    (``{"id", "metric", "file", "loaded_at"}``) and the date it is as at."""
    return {"as_at": as_at.isoformat(), "records": records, "loads": loads or []}


def section(key: str, as_at: dt.date, data: dict, records: list[str],
            loads: list[dict] | None = None) -> dict:
    return {"key": key, "title": SECTION_TITLES[key], "sources": sources(as_at, records, loads),
            "data": data}
