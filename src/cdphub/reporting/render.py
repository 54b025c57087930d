"""The report as an accessible HTML document and a tagged PDF, from one template.

``render_html(snapshot)`` gives the standalone document (its own styles inline, so a stored
copy shows the same in ten years); ``render_pdf(snapshot)`` gives the same document as a
tagged PDF (PDF/UA-1) made by WeasyPrint. Both read only the snapshot (``build.py``).
``render_body(snapshot)`` is the document's body alone, for a page of the service that shows
it inside its own layout (its styles are scoped under ``.report-document``).

The PDF: WeasyPrint's ``pdf/ua-1`` variant writes a structure tree (headings H1–H6, P,
Table/TR/TH/TD, L/LI, Figure for images), marks the document as tagged (``/MarkInfo``),
sets ``/Lang`` from ``<html lang>`` and the title from ``<title>`` (shown as the window
title). Fonts are the system's Liberation Sans (metric-compatible with Arial): no web fonts,
so making the PDF takes well under a second or two.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

from django.template.loader import render_to_string

#: The document's stylesheet, put inline in the standalone document (a stored copy needs no
#: other file). It has no template tags, so it is read as it is: its hash lets the document
#: view allow exactly this stylesheet in its Content-Security-Policy (``views_document``).
DOCUMENT_CSS = (Path(__file__).resolve().parent.parent / "templates" / "reporting"
                / "_document.css").read_text(encoding="utf-8")
_DIGEST = base64.b64encode(hashlib.sha256(DOCUMENT_CSS.encode()).digest()).decode()
STYLE_HASH = f"'sha256-{_DIGEST}'"

#: The narrative sections' titles (written by the partnership).
NARRATIVE_TITLES = {
    "foreword": "Foreword",
    "vision": "Our vision",
    "highlights": "Progress so far: highlights",
    "next_steps": "Next steps",
    "case_studies": "Case studies",
}
#: Where the written sections go among the generated ones, as in Cumbria's report: foreword
#: and vision first; then the requirements, structure and needs assessment; the highlights
#: before the delivery plan's progress and the figures; next steps and case studies last.
BEFORE_SECTIONS = ("foreword", "vision")
AFTER_STRUCTURE = ("requirements", "structure", "needs_assessment")

#: The outcomes section's two tables, in order: (key in the data, heading, caption).
OUTCOME_GROUPS = (
    ("headline", "Headline metrics", "Headline metrics"),
    ("supporting", "Supporting metrics with figures for the partnership", "Supporting metrics"),
)


def _outcomes(snapshot: dict) -> tuple[list[dict], dict | None]:
    """The outcomes section's tables: its metric groups, and one table of the footprint's
    authorities (a row each) by metric (a column each)."""
    section = next((s for s in snapshot.get("sections", []) if s["key"] == "outcomes"), None)
    if section is None:
        return [], None
    data = section["data"]
    groups = [{"key": key, "title": title, "caption": caption, "rows": data.get(key, [])}
              for key, title, caption in OUTCOME_GROUPS]
    metrics = [row for key, *_ in OUTCOME_GROUPS for row in data.get(key, [])
               if row.get("authorities")]
    if not metrics:
        return groups, None
    names = [area["name"] for area in metrics[0]["authorities"]]
    rows = []
    for index, name in enumerate(names):
        cells = []
        for metric in metrics:
            areas = metric["authorities"]
            cells.append(areas[index] if index < len(areas) and areas[index]["name"] == name
                         else next((a for a in areas if a["name"] == name), None))
        rows.append({"name": name, "cells": cells})
    return groups, {"metrics": metrics, "rows": rows}


def parts(snapshot: dict) -> list[dict]:
    """The document's parts in order (each with an ``id`` and ``title`` for the contents):
    ``{"kind": "narrative", "key", "text"}``, ``{"kind": "section", "section"}`` or
    ``{"kind": "case_studies", "items"}``."""
    narrative = snapshot.get("narrative", {})

    def written(key):
        return {"kind": "narrative", "key": key, "id": key.replace("_", "-"),
                "title": NARRATIVE_TITLES[key], "text": narrative.get(key, "")}

    def generated(section):
        return {"kind": "section", "key": section["key"], "id": section["key"].replace("_", "-"),
                "title": section["title"], "section": section}

    sections = snapshot.get("sections", [])
    early = [s for s in sections if s["key"] in AFTER_STRUCTURE]
    late = [s for s in sections if s["key"] not in AFTER_STRUCTURE]
    result = [written(key) for key in BEFORE_SECTIONS]
    result += [generated(s) for s in early]
    result.append(written("highlights"))
    result += [generated(s) for s in late]
    result.append(written("next_steps"))
    result.append({"kind": "case_studies", "key": "case_studies", "id": "case-studies",
                   "title": NARRATIVE_TITLES["case_studies"],
                   "items": snapshot.get("case_studies", [])})
    result.append({"kind": "about", "key": "about", "id": "about-this-report",
                   "title": "About this report"})
    return result


def _context(snapshot: dict, *, for_pdf: bool) -> dict:
    groups, authorities = _outcomes(snapshot)
    return {
        "parts": parts(snapshot),
        "document_css": DOCUMENT_CSS,
        "doc": snapshot,
        "for_pdf": for_pdf,
        "data_date": dt.date.fromisoformat(snapshot["data_date"]),
        "generated_at": dt.datetime.fromisoformat(snapshot["generated_at"]),
        "is_draft": snapshot.get("status") in ("draft", "signed_off"),
        "outcome_groups": groups,
        "authority_table": authorities,
        "file_year": snapshot["year"]["label"].replace("/", "-"),
    }


def render_body(snapshot: dict) -> str:
    """The document's body alone (for a page of the service that shows it in its layout)."""
    return render_to_string("reporting/_document_body.html", _context(snapshot, for_pdf=False))


def render_html(snapshot: dict, *, for_pdf: bool = False) -> str:
    """The standalone document: one HTML file with its styles inline."""
    return render_to_string("reporting/document.html", _context(snapshot, for_pdf=for_pdf))


def pdf_filename(snapshot: dict) -> str:
    """'greater-manchester-progress-report-2023-24.pdf'."""
    year = snapshot["year"]["label"].replace("/", "-")
    return f"{snapshot['partnership']['slug']}-progress-report-{year}.pdf"


def render_pdf(snapshot: dict) -> bytes:
    # imported here: WeasyPrint loads Pango on import, which only PDF-making needs
    import weasyprint

    html = render_html(snapshot, for_pdf=True)
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
