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

One convention for every download (``docs/downloads.md``): a caller describes its table as
``Column`` objects (a heading in words, in sentence case, and what kind of value each column
holds, with the decimal places the page shows) and rows keyed by column, with an ``About``
(title, source, the page it came from, filters, notes), and ``table_response`` does the rest:
CSV in UTF-8 with a byte-order mark, numbers at full precision; XLSX with the header bold,
frozen and filtered, columns sized to their contents, number formats showing the published
decimal places (the cells keep full precision), and an "About" sheet.
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

from django.http import Http404, HttpResponse
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
                 bom: bool = True) -> HttpResponse:
    """Rows as they are (prefer ``table_response``, which applies the whole convention)."""
    return download(csv_bytes(rows, bom=bom), CSV_CONTENT_TYPE, filename)


def xlsx_response(sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    return download(xlsx_bytes(sheets), XLSX_CONTENT_TYPE, filename)


# --- the convention: tables described by their columns ------------------------------------------

TEXT, NUMBER, COUNT, DATE, DATETIME, FLAG = "text", "number", "count", "date", "datetime", "flag"
KINDS = (TEXT, NUMBER, COUNT, DATE, DATETIME, FLAG)
FORMATS = ("csv", "xlsx")

#: A heading is words in sentence case: it starts with a capital letter or a digit and has no
#: underscores (``Area code``, ``Lower 95% limit``, ``SRO email address``), never ``area_code``.
HEADING = re.compile(r"[A-Z0-9][^_\n]*")

#: The small-numbers note of files that hold statistics, and of files that hold none.
SUPPRESSION_NOTE = ("Figures based on counts of 1 to 4, and those from which such a count "
                    "could be worked out, are not shown: their cells are empty.")
NO_STATISTICS_NOTE = "Not applicable: this file holds records, not statistics."
RESTRICTED_LICENCE = ("Official: for the work of Combating Drugs Partnerships and central "
                      "government. It may hold personal data: keep it as your organisation's "
                      "data protection policy says, and do not publish it.")
DATE_FORMAT = "d mmm yyyy"
DATETIME_FORMAT = "d mmm yyyy hh:mm:ss"
MIN_WIDTH, MAX_WIDTH = 8, 60


def check_heading(heading: str) -> str:
    if not HEADING.fullmatch(heading):
        raise ValueError(f"{heading!r} is not a heading in words: start with a capital letter "
                         "or a digit, no underscores (docs/downloads.md)")
    return heading


def number_format(decimals: int) -> str:
    """The XLSX format that shows ``decimals`` places, with thousands separators."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


@dataclass(frozen=True)
class Column:
    """One column of a download. ``kind``: TEXT, NUMBER (``decimals``: the places the page
    shows, for XLSX; the cell keeps every digit), COUNT (a whole number), DATE, DATETIME or
    FLAG (yes/no). ``decimals_key``: in a table that mixes metrics, the row's key that holds
    each row's decimal places instead. ``width`` overrides the width worked out from the
    contents."""

    key: str
    heading: str
    kind: str = TEXT
    decimals: int | None = None
    width: float | None = None
    decimals_key: str | None = None

    def __post_init__(self):
        check_heading(self.heading)
        if self.kind not in KINDS:
            raise ValueError(f"{self.kind!r} is not a kind of column: one of {KINDS}")
        if (self.decimals is not None or self.decimals_key) and self.kind != NUMBER:
            raise ValueError("decimals are for NUMBER columns")
        if self.decimals is not None and self.decimals < 0:
            raise ValueError("decimals are 0 or more")

    def decimals_for(self, row: Mapping[str, Any]) -> int | None:
        if self.decimals_key and row.get(self.decimals_key) is not None:
            return row[self.decimals_key]
        return 0 if self.kind == COUNT else self.decimals

    def format_for(self, row: Mapping[str, Any]) -> str | None:
        """The XLSX number format of this column's cell in ``row``."""
        if self.decimals_key and row.get(self.decimals_key) is not None:
            return number_format(row[self.decimals_key])
        return self.number_format

    @property
    def number_format(self) -> str | None:
        if self.kind == NUMBER:
            return number_format(self.decimals) if self.decimals is not None else "General"
        if self.kind == COUNT:
            return number_format(0)
        if self.kind == DATE:
            return DATE_FORMAT
        if self.kind == DATETIME:
            return DATETIME_FORMAT
        return None

    def value(self, value: Any, row: Mapping[str, Any] | None = None) -> Any:
        """The cell's value: a whole float in a column shown without decimals is written as a
        whole number (``497``, not ``497.0``); a flag as yes/no; anything else as it is."""
        if value is None or value == "":
            return None
        if isinstance(value, float) and value.is_integer() \
                and self.decimals_for(row or {}) == 0:
            return int(value)
        if self.kind == FLAG:
            return bool(value)
        return value


@dataclass(frozen=True)
class About:
    """What the "About" sheet says. ``url``: the page the download came from; ``filters``:
    (what, chosen) pairs, for example ("Region", "North West"); ``details``: more (label,
    text) rows (a metric's definition, unit, method); ``notes``: lines at the end.
    ``suppression``: None for files that hold no statistics."""

    title: str
    source: str = "cdphub"
    url: str = ""
    filters: Sequence[tuple[str, str]] = ()
    details: Sequence[tuple[str, Any]] = ()
    synthetic: str = ""
    suppression: str | None = None
    licence: str = RESTRICTED_LICENCE
    notes: Sequence[str] = ()
    generated_at: dt.datetime | None = None
    appendix: Sequence[Sequence[Any]] = ()  # a table after the rest (first row: headings)

    def rows(self) -> list[list[Any]]:
        made = self.generated_at or timezone.now()
        rows: list[list[Any]] = [
            [Styled(self.title, bold=True, size=14)],
            ["Source", self.source],
            ["From the page", self.url or "–"],
            ["Generated at", Styled(made, number_format=DATETIME_FORMAT, align_left=True)],
        ]
        if self.filters:
            rows += [[f"Filter: {what}", chosen] for what, chosen in self.filters]
        else:
            rows.append(["Filters applied", "None"])
        rows += [[label, text] for label, text in self.details]
        if self.synthetic:
            rows.append(["Synthetic data", self.synthetic])
        rows.append(["Small numbers", self.suppression or NO_STATISTICS_NOTE])
        rows.append(["Licence", self.licence])
        rows += [["Note", note] for note in self.notes]
        if self.appendix:
            head, *body = self.appendix
            rows += [[], [Styled(heading, bold=True) for heading in head], *body]
        return rows


@dataclass
class Table:
    """A download: ``rows`` are mappings from column keys to values (missing keys are empty
    cells); ``sheet``: the data sheet's name; ``extra``: more sheets after "About"."""

    columns: Sequence[Column]
    rows: Iterable[Mapping[str, Any]]
    about: About
    sheet: str = "Data"
    extra: Sequence[Sheet] = ()

    def __post_init__(self):
        keys = [column.key for column in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"two columns with one key: {keys}")
        headings = [column.heading for column in self.columns]
        if len(set(headings)) != len(headings):
            raise ValueError(f"two columns with one heading: {headings}")
        self.rows = list(self.rows)

    def values(self) -> list[list[Any]]:
        return [[column.value(row.get(column.key), row) for column in self.columns]
                for row in self.rows]


def table_csv(table: Table) -> bytes:
    """The header (the headings) and one line per row; UTF-8 with a byte-order mark."""
    return csv_bytes([[column.heading for column in table.columns], *table.values()], bom=True)


def _fit(values: Iterable[Any], number_format_: str | None) -> float:
    longest = 0
    for value in values:
        if value is None:
            continue
        if isinstance(value, (dt.date, dt.time)):
            length = 20 if isinstance(value, dt.datetime) else 11
        elif isinstance(value, float) and number_format_ and number_format_ != "General":
            length = len(f"{value:,.{number_format_.count('0') - 1}f}")
        else:
            length = max(len(line) for line in str(value).split("\n")) if str(value) else 0
        longest = max(longest, length)
    return min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))


def table_xlsx(table: Table) -> bytes:
    """The data sheet (bold, frozen, filtered header; widths; number formats), "About", and
    any extra sheets."""
    columns = table.columns
    values = table.values()
    formats = [[column.format_for(row) for column in columns] for row in table.rows]
    data = [[Styled(column.heading, bold=True) for column in columns],
            *([Styled(value, number_format=fmt) if fmt and value is not None else value
               for value, fmt in zip(row, row_formats, strict=True)]
              for row, row_formats in zip(values, formats, strict=True))]
    widths = {}
    for index, column in enumerate(columns):
        widths[get_column_letter(index + 1)] = column.width or max(
            [_fit([column.heading], None)]
            + [_fit([row[index]], row_formats[index])
               for row, row_formats in zip(values, formats, strict=True)])
    return xlsx_bytes([Sheet(table.sheet, data, header=True, widths=widths),
                       Sheet("About", table.about.rows(), widths={"A": 24, "B": 100}),
                       *table.extra])


def table_response(table: Table, fmt: str, filename: str) -> HttpResponse:
    """``filename`` without its extension; ``fmt``: "csv" or "xlsx" (anything else: 404)."""
    if fmt == "csv":
        return download(table_csv(table), CSV_CONTENT_TYPE, f"{filename}.csv")
    if fmt == "xlsx":
        return download(table_xlsx(table), XLSX_CONTENT_TYPE, f"{filename}.xlsx")
    raise Http404("Downloads are CSV or XLSX.")
