"""The report as an accessible HTML document and a tagged PDF, from one template.

``render_html(snapshot)`` gives the standalone document (its own styles inline, so a stored
copy shows the same in ten years); ``render_pdf(snapshot)`` gives the same document as a
tagged PDF (PDF/UA-1) made by WeasyPrint. Both read only the snapshot (``build.py``).
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string


def _context(snapshot: dict, *, for_pdf: bool) -> dict:
    return {
        "doc": snapshot,
        "for_pdf": for_pdf,
        "data_date": dt.date.fromisoformat(snapshot["data_date"]),
    }


def render_body(snapshot: dict) -> str:
    """The document's body alone (for a page of the service that shows it in its layout)."""
    return render_to_string("reporting/_document_body.html", _context(snapshot, for_pdf=False))


def render_html(snapshot: dict, *, for_pdf: bool = False) -> str:
    return render_to_string("reporting/document.html", _context(snapshot, for_pdf=for_pdf))


def render_pdf(snapshot: dict) -> bytes:
    # imported here: WeasyPrint loads Pango on import, which only PDF-making needs
    import weasyprint

    html = render_html(snapshot, for_pdf=True)
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
