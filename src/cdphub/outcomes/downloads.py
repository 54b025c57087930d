"""Tables as CSV and XLSX downloads, each with the metric's definition, units and a data note.

CSV: one header row and the data rows, with the metric, unit and source repeated on every
row (so the file stays one table for any tool); XLSX: the table on the first sheet and an
"About" sheet with the definition, unit, source, the data note and when it was made.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.http import Http404, HttpResponse
from django.utils import timezone
from openpyxl import Workbook

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SYNTHETIC_NOTE = ("SYNTHETIC DEMO DATA: these figures were simulated for a demonstration of "
                  "cdphub and are not real statistics.")


def about_rows(metric=None, *, title: str, note: str = "", synthetic: bool = False):
    rows = [("Table", title)]
    if metric is not None:
        rows += [("Metric", metric.name), ("Metric key", metric.key),
                 ("Definition", metric.definition), ("Unit", metric.unit),
                 ("Source", metric.source), ("Method", metric.get_method_display()),
                 ("Polarity", metric.get_polarity_display())]
    if note:
        rows.append(("Note", note))
    if synthetic:
        rows.append(("Data", SYNTHETIC_NOTE))
    rows.append(("Comparisons", "Compared with England by overlap of 95% confidence intervals "
                 "(and 99.8% for best/worst), as OHID Fingertips does."))
    rows.append(("Small numbers", "Figures based on counts of 1 to 4 (and those from which "
                 "they could be worked out) are not shown."))
    rows.append(("Made", timezone.localtime().strftime("%d %B %Y %H:%M") + " by cdphub"))
    return rows


def table_response(fmt: str, filename: str, columns: Sequence[tuple[str, str]],
                   rows: Sequence[dict], about: list[tuple[str, str]],
                   repeated: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    """``columns``: (key, heading) pairs; ``repeated``: (heading, value) columns added to
    every CSV row (the metric, unit and source)."""
    if fmt not in FORMATS:
        raise Http404("Downloads are CSV or XLSX.")
    headings = [heading for _, heading in columns]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([*headings, *(h for h, _ in repeated)])
        extra = [v for _, v in repeated]
        for row in rows:
            writer.writerow([_cell(row.get(key)) for key, _ in columns] + extra)
        body: bytes | str = buffer.getvalue()
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Data")
        sheet.append(headings)
        for row in rows:
            sheet.append([_xlsx_cell(row.get(key)) for key, _ in columns])
        info = book.create_sheet("About")
        for name, value in about:
            info.append([name, value])
        buffer = io.BytesIO()
        book.save(buffer)
        body = buffer.getvalue()
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value)
    return _safe_text(str(value))


def _xlsx_cell(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return _safe_text(value)
    return value


def _safe_text(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

