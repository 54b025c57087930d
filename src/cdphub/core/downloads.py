"""The one writer of CSV and XLSX downloads: every file cdphub hands out is made here.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (and a formula can fetch a web page or, through DDE, start a program), so
text from the database never reaches a file as one:

- **CSV**: text that starts with one of those characters gets a leading apostrophe, which
  spreadsheets show as "this cell is text". ``restore`` takes it off again, for imports that
  read back what an export wrote.
- **XLSX**: text is always written as a text cell (never a formula), unchanged; text that
  starts with one of those characters is also marked "quote prefix", so editing the cell in a
  spreadsheet does not turn it into a formula either.

Numbers stay numbers in both (``-3.5`` is a number, not text), as does text that is nothing
but a number. Booleans are written ``yes``/``no``; ``None``, NaN and infinities are empty
cells; dates and times are ISO 8601 in CSV and date cells in XLSX. XLSX text loses the control
characters a workbook cannot hold and is cut to a cell's 32,767 characters, saying so.

Conventions that differ between downloads today (a byte-order mark or not, styling) are
arguments here, so this is the one place where a single convention can be set.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32_767  # characters a spreadsheet cell holds
CUT_NOTE = " [cut: the full text is longer than a spreadsheet cell holds]"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


# --- one cell --------------------------------------------------------------------------------


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as a formula? (A plain number such as ``-3.5`` is
    read as that number, which is harmless.)"""
    return text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text)


def defuse(text: str) -> str:
    """CSV text a spreadsheet would run as a formula, with a leading apostrophe. Defusing
    twice changes nothing (an export of what an import read back is the same file)."""
    return "'" + text if is_formula_like(text) else text


def restore(text: str) -> str:
    """The text ``defuse`` was given (for imports of what an export wrote)."""
    return text[1:] if text.startswith("'") and is_formula_like(text[1:]) else text


def csv_value(value: Any) -> str:
    """One CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):  # datetimes too
        return value.isoformat()
    return defuse(str(value))


@dataclass(frozen=True)
class Styled:
    """An XLSX cell's value with how it looks (CSV writes just the value)."""

    value: Any
    bold: bool = False
    size: float | None = None
    number_format: str | None = None
    align_left: bool = False


def _xlsx_text(text: str) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > XLSX_CELL_LIMIT:
        text = text[:XLSX_CELL_LIMIT - len(CUT_NOTE)] + CUT_NOTE
    return text


def put(cell, value: Any) -> None:
    """Set an openpyxl cell: numbers and dates as themselves, anything else as text that is
    never a formula."""
    style = value if isinstance(value, Styled) else None
    if style is not None:
        value = style.value
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value)  # workbooks have no time zones: local time
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        pass
    elif isinstance(value, (int, float, Decimal, dt.date, dt.time)):
        cell.value = value
    else:
        text = _xlsx_text(str(value))
        cell.value = text
        cell.data_type = "s"  # openpyxl would otherwise store text starting "=" as a formula
        if is_formula_like(text):
            cell.quotePrefix = True
    if style is not None:
        if style.bold or style.size:
            cell.font = Font(bold=style.bold, size=style.size)
        if style.number_format:
            cell.number_format = style.number_format
        if style.align_left:
            cell.alignment = Alignment(horizontal="left")


# --- files -------------------------------------------------------------------------------------


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """CSV (comma-separated, CRLF line ends, quoted where needed) of ``rows``, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_value(value) for value in row])
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]], *, bom: bool = False) -> bytes:
    """UTF-8; with ``bom``, a byte-order mark first, so Excel reads accents correctly."""
    return csv_text(rows).encode("utf-8-sig" if bom else "utf-8")


@dataclass
class Sheet:
    """One worksheet. ``header``: the first row is bold, frozen and filtered. ``widths``:
    column letter -> width; ``fit``: (least, most) widths worked out from the contents."""

    title: str
    rows: Iterable[Sequence[Any]]
    header: bool = False
    widths: Mapping[str, float] = field(default_factory=dict)
    fit: tuple[int, int] | None = None


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        for row_number, row in enumerate(spec.rows, start=1):
            for column_number, value in enumerate(row, start=1):
                put(sheet.cell(row=row_number, column=column_number), value)
        if spec.header and sheet.max_row >= 1:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
        if spec.fit:
            least, most = spec.fit
            for index, cells in enumerate(sheet.iter_cols(), start=1):
                longest = max((len(str(c.value)) for c in cells if c.value is not None),
                              default=0)
                sheet.column_dimensions[get_column_letter(index)].width = min(
                    most, max(least, longest + 2))
        for letter, width in spec.widths.items():
            sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- responses ---------------------------------------------------------------------------------

_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """Letters, digits, dots, dashes and underscores only; never empty or hidden."""
    cleaned = _UNSAFE_IN_FILENAME.sub("-", name).strip(".-") or "download"
    return cleaned[:150]


def download(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    """An attachment with a filename a browser cannot be tricked by."""
    return HttpResponse(content, content_type=content_type, headers={
        "Content-Disposition": content_disposition_header(True, safe_filename(filename))})


def csv_response(rows: Iterable[Sequence[Any]], filename: str, *,
                 bom: bool = False) -> HttpResponse:
    return download(csv_bytes(rows, bom=bom), CSV_CONTENT_TYPE, filename)


def xlsx_response(sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    return download(xlsx_bytes(sheets), XLSX_CONTENT_TYPE, filename)
