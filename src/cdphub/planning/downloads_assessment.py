"""Every figure a needs assessment shows, as one table (``docs/downloads.md``).

The figures are those of the page: frozen in the assessment's snapshot once it is signed off,
else live (``figures.build``). One row per metric and place: the partnership, its region,
England, each authority of the footprint and each breakdown the data have. Each metric once,
with the sections that show it.
"""

from __future__ import annotations

import datetime as dt

from cdphub.core.downloads import DATE, FLAG, NUMBER, SUPPRESSION_NOTE, About, Column, Table
from cdphub.framework import guidance
from cdphub.geography.codes import ENGLAND_CODE
from cdphub.outcomes.downloads import LICENCE, SYNTHETIC_NOTE, comparison_words, published_decimals

from .models import Assessment

NUMBER_CELLS = {"kind": NUMBER, "decimals_key": "decimals"}
COLUMNS = [
    Column("metric", "Metric"), Column("metric_key", "Metric key"), Column("unit", "Unit"),
    Column("sections", "Shown in sections"),
    Column("place_type", "Type of place"), Column("name", "Name"), Column("code", "Code"),
    Column("breakdown", "Breakdown"),
    Column("period", "Period"), Column("period_start", "Period start", DATE),
    Column("period_end", "Period end", DATE),
    Column("value", "Value", **NUMBER_CELLS),
    Column("lower_95", "Lower 95% limit", **NUMBER_CELLS),
    Column("upper_95", "Upper 95% limit", **NUMBER_CELLS),
    Column("shown_as", "Shown as"),
    Column("england_value", "England value", **NUMBER_CELLS),
    Column("comparison", "Compared with England"),
    Column("trend", "Recent trend"),
    Column("synthetic", "Synthetic data", FLAG),
]


def trend_words(trend: str) -> str:
    """A stored trend in the words of the outcomes pages: 'Increasing, getting worse'."""
    if not trend:
        return ""
    head, _, judgement = trend.partition(" and ")
    return head.capitalize() + (f", {judgement}" if judgement else "")


def shown_as(figure: dict | None) -> str:
    """A figure as the page shows it: its value with the unit, 'Not shown (small numbers)'
    for a suppressed one, nothing when there is none."""
    if not figure:
        return ""
    if figure.get("suppressed"):
        return "Not shown (small numbers)"
    return figure.get("text") or ""


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _cells(figure: dict | None, england: dict | None) -> dict:
    if not figure:
        return {}
    shown = figure.get("value") is not None
    return {
        "period": figure.get("period"), "period_start": _date(figure.get("period_start")),
        "period_end": _date(figure.get("period_end")),
        "value": figure.get("value"), "lower_95": figure.get("lower_95"),
        "upper_95": figure.get("upper_95"), "shown_as": shown_as(figure),
        "england_value": (england or {}).get("value"),
        "comparison": comparison_words(figure.get("comparison")) if shown else "",
        "trend": trend_words(figure.get("trend") or "") if shown else "",
        "synthetic": bool(figure.get("is_synthetic")),
    }


def sections_showing() -> dict[str, list[str]]:
    """metric key → the labels of the sections that show it, in the assessment's order."""
    shown: dict[str, list[str]] = {}
    for section in guidance().assessment_sections:
        for key in section.metrics:
            shown.setdefault(key, []).append(section.label)
    return shown


def figure_rows(partnership, figures: dict) -> list[dict]:
    sections = sections_showing()
    rows = []
    for key, block in figures.get("metrics", {}).items():
        base = {"metric": block["name"], "metric_key": key, "unit": block["unit"],
                "sections": "; ".join(sections.get(key, [])),
                "decimals": published_decimals(block["method"])}
        england = block.get("england")
        places = [("Partnership", partnership.name, partnership.slug, "",
                   block.get("partnership")),
                  ("Region", block.get("region_name", ""), block.get("region_code", ""), "",
                   block.get("region")),
                  ("England", "England", ENGLAND_CODE, "", england)]
        places += [("Authority", a["name"], a["code"], "", a if "period" in a else None)
                   for a in block.get("authorities", [])]
        places += [("Partnership", partnership.name, partnership.slug, b["label"], b)
                   for b in block.get("breakdowns", [])]
        for place_type, name, code, breakdown, figure in places:
            row = {**base, "place_type": place_type, "name": name, "code": code,
                   "breakdown": breakdown, **_cells(figure, england)}
            if breakdown:  # England's figure for the same breakdown
                row["england_value"] = figure.get("england_value")
            rows.append(row)
    return rows


def figures_table(assessment: Assessment, figures: dict, *, live: bool, url: str) -> Table:
    partnership = assessment.partnership
    as_at = figures.get("as_at", "")
    when = (f"Frozen when the assessment was signed off: the figures as at {as_at}." if not live
            else f"Live: the figures published on {as_at}. They will be frozen when the "
                 "assessment is signed off.")
    loads = [f"Data load: {load['file_name']} ({load['scope']}), loaded at "
             f"{load['loaded_at']}" for load in figures.get("loads", [])]
    rows = figure_rows(partnership, figures)
    about = About(
        title=f"{assessment.title}: figures ({partnership.name})",
        source="National Combating Drugs Outcomes Framework figures in cdphub, from the data "
               "loads listed below",
        url=url, filters=[("Partnership", partnership.name),
                          ("Needs assessment", assessment.title)],
        details=[("Figures", when), ("Status", assessment.get_status_display())],
        synthetic=SYNTHETIC_NOTE if any(r.get("synthetic") for r in rows) else "",
        suppression=SUPPRESSION_NOTE, licence=LICENCE,
        notes=loads or ["No data loads: no figures yet."])
    return Table(COLUMNS, rows, about, sheet="Figures")

