"""Tables as CSV and XLSX downloads, each with the metric's definition, units and a data note.

CSV: one header row and the data rows, with the metric, unit and source repeated on every
row (so the file stays one table for any tool); XLSX: the table on the first sheet and an
"About" sheet with the definition, unit, source, the data note and when it was made.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import Http404, HttpResponse
from django.utils import timezone

from cdphub.core.downloads import Sheet, csv_response, xlsx_response

FORMATS = ("csv", "xlsx")
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
        extra = [value for _, value in repeated]
        table = [[*headings, *(heading for heading, _ in repeated)],
                 *([row.get(key) for key, _ in columns] + extra for row in rows)]
        return csv_response(table, f"{filename}.csv")
    data = [headings, *([row.get(key) for key, _ in columns] for row in rows)]
    return xlsx_response([Sheet("Data", data), Sheet("About", about)], f"{filename}.xlsx")
