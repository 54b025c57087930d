"""Loading metric data: read a CSV or XLSX file, check every row, store it all or nothing.

Three formats (``DataLoad.Format``):

* **long** — cdphub's own: one row per figure with ``metric``, ``area_code``, ``period_from``,
  ``period_to`` (dates), optional ``period_label``, optional ``breakdown_<dimension>`` columns
  (``breakdown_sex`` …), optional ``age_band`` (the rows of a standardised rate),
  ``numerator``, ``denominator`` and optionally ``value``, ``lower_95``, ``upper_95``,
  ``lower_99_8``, ``upper_99_8``.
* **fingertips** — the 27-column CSV that OHID's Fingertips exports, for one indicator. The
  file does not say which cdphub metric it is, so the loader is told (``metric_key``).
* **records** — one row per person or event: ``metric``, ``area_code``, ``date`` and optional
  ``breakdown_<dimension>`` columns, counted on the way in to one figure per area, period
  (the metric's period type) and breakdown (the total and each dimension on its own).

The work is split so the checks can run without a database (``check_file`` with a
``Reference`` of metrics and areas, as ``benchmarks/load_bench.py`` does) and the database
part is short: ``run_load`` checks the file, then stores every figure in one transaction,
marking the figures it replaces as superseded by this load, and announces the change with
``signals.data_changed`` once committed. ``withdraw_load`` takes a load's figures out of use
and puts back the ones it had replaced.

A file is read and checked a batch of rows at a time (``read_table``, ``check_file``) and
only what is stored is kept, compactly, so the memory a load takes is bounded by its figures,
not by the size of its file: under 300 MB for any file under the 100 MB upload limit.

Every problem names the row (as a spreadsheet counts them: the header is row 1), the column
and what to do about it. All problems are counted; the first 1,000 are kept.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl

logger = logging.getLogger(__name__)

MAX_PROBLEMS_KEPT = 1000
MAX_WARNINGS_KEPT = 200
TOTAL_WORDS = {"", "all", "all ages", "persons", "total", "all persons"}
NUMBER_COLUMNS = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_99_8",
                  "upper_99_8")
KEY_COLUMNS = ("metric", "area_code", "period_start", "period_end", "breakdown", "age_band")
GEOGRAPHY_TYPES = {  # the area types a metric published for a geography may be loaded for
    "england": ("country", "region"),
    "region": ("country", "region"),
    "utla": ("country", "region", "utla"),
    "pfa": ("country", "region", "pfa"),
}
AREA_TYPE_LABELS = {"country": "country", "region": "region",
                    "utla": "upper-tier local authority", "lad": "local authority district",
                    "pfa": "police force area"}
GEOGRAPHY_LABELS = {"england": "England", "region": "regions",
                    "utla": "upper-tier local authorities", "pfa": "police force areas"}
NEEDS_DENOMINATOR = ("crude-rate", "proportion", "dsr")
STEP_MONTHS = {"financial": 12, "calendar": 12, "survey_year": 12, "pooled_3_calendar": 12,
               "quarter": 3, "rolling_12_months": 3}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Fingertips export columns (27 in all; these are the ones read).
FINGERTIPS_COLUMNS = {
    "indicator_id": "Indicator ID", "indicator_name": "Indicator Name",
    "area_code": "Area Code", "area_name": "Area Name", "sex": "Sex", "age": "Age",
    "category_type": "Category Type", "category": "Category", "period": "Time period",
    "value": "Value", "lower_95": "Lower CI 95.0 limit", "upper_95": "Upper CI 95.0 limit",
    "lower_99_8": "Lower CI 99.8 limit", "upper_99_8": "Upper CI 99.8 limit",
    "numerator": "Count", "denominator": "Denominator",
}
LONG_OPTIONAL = ("period_label", "age_band", *NUMBER_COLUMNS)

# What a file may hold. Every limit is checked before anything large is built, so a small
# file crafted to unpack into a huge table (a sheet whose header reaches column XFD, a
# "zip bomb") is refused in a moment, in little memory, with an error saying what it found.
MAX_COLUMNS = 100  # the long format uses about a dozen, a Fingertips export 27
MAX_ROWS = 1_048_576  # rows of data: as many as an Excel sheet holds
MAX_CELLS = 20_000_000  # rows x columns
MAX_CELL_CHARS = 32_767  # as Excel allows in a cell
SHOWN_CHARS = 200  # of a cell quoted in an error message
MAX_MESSAGE_CHARS = 2000  # of an error message
CSV_HEADER_BYTES = 4 * 1024 * 1024  # a CSV's header row is looked for in this much
CSV_CHUNK_BYTES = 4 * 1024 * 1024  # a CSV is read and checked this much at a time
XLSX_MAX_PARTS = 10_000  # files inside the workbook (a real one has a few dozen)
XLSX_MAX_SHEET_BYTES = 1024 * 1024 * 1024  # a sheet, unpacked
XLSX_MAX_STRINGS_BYTES = 32 * 1024 * 1024  # the shared text, unpacked (openpyxl keeps it all)
XLSX_MAX_PART_BYTES = 8 * 1024 * 1024  # any other part (styles, workbook …), unpacked
XML_MAX_RUN = 256 * 1024  # bytes of text or one tag, in the sheet and the shared text
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2099, 12, 31)  # dates in a file


class LoadError(Exception):
    """A load cannot be started or withdrawn, or its file cannot be read at all (not a
    problem in the file's rows). ``row`` and ``column`` say where, when that is known."""

    def __init__(self, message: str, *, row: int | None = None, column: str = ""):
        super().__init__(message)
        self.row = row
        self.column = column


# ---------------------------------------------------------------------------------- reports


@dataclass
class Report:
    """Every problem found: errors stop the load, warnings do not."""

    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    warnings: list[dict] = field(default_factory=list)
    warning_count: int = 0

    def error(self, row: int | None, column: str, message: str) -> None:
        self.error_count += 1
        self._keep(_problem(row, column, message))

    def warn(self, row: int | None, column: str, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS_KEPT:
            self.warnings.append(_problem(row, column, message))

    def errors_where(self, frame: pl.DataFrame, mask: pl.Expr, column: str | Callable,
                     message: Callable[[dict], str]) -> int:
        """An error for every row of ``frame`` where ``mask`` holds; only the first 1,000
        messages are written out (every one is counted)."""
        where = frame.select(pl.arg_where(mask.fill_null(False)).head(MAX_PROBLEMS_KEPT + 1)
                             .implode()).item()
        if not len(where):
            return 0
        count = (len(where) if len(where) <= MAX_PROBLEMS_KEPT
                 else frame.select(mask.fill_null(False).sum()).item())
        self.error_count += count
        for row in frame[where.head(MAX_PROBLEMS_KEPT)].iter_rows(named=True):
            name = column(row) if callable(column) else column
            self._keep(_problem(row.get("row"), name, message(row)))
        return count

    def _keep(self, problem: dict) -> None:
        """Keep a problem while it may be among the first 1,000 by row: a file is checked a
        batch of rows at a time, so the list is cut back to those now and then."""
        self.errors.append(problem)
        if len(self.errors) >= 3 * MAX_PROBLEMS_KEPT:
            self._cut()

    def _cut(self) -> None:
        self.errors.sort(key=lambda e: (e["row"] or 0, e["column"]))
        del self.errors[MAX_PROBLEMS_KEPT:]

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def finish(self) -> None:
        """Sort by row (file-wide problems first) and keep the first 1,000."""
        self._cut()
        if self.warning_count > len(self.warnings):
            self.warnings.append({"row": None, "column": "", "message":
                                  f"… and {self.warning_count - len(self.warnings):,} more "
                                  "warnings like these."})


def _problem(row: int | None, column: str, message: str) -> dict:
    """A problem as kept: a column name or message quoting a huge cell is cut short (the
    messages quote cells through ``shown`` already; this is the backstop)."""
    return {"row": row, "column": shown(column, SHOWN_CHARS),
            "message": shown(message, MAX_MESSAGE_CHARS)}


# ------------------------------------------------------------------------------- reference


@dataclass(frozen=True)
class MetricInfo:
    id: int
    key: str
    name: str
    method: str
    geography: str
    period_type: str
    partnership_id: int | None = None


@dataclass
class Reference:
    """What the checks look rows up in: the metric catalogue and every area (read once)."""

    metrics: dict[str, MetricInfo]
    areas: pl.DataFrame  # area_code, area_id, area_type, area_name, valid_from, valid_to
    # Reads the footprints (``store.load_places``, given by ``store.reference_from_database``)
    # when a partnership's file is checked; without it, a partnership's rows are not checked
    # against its footprint.
    places_loader: Callable[[], Any] | None = None

    @cached_property
    def places(self):
        return self.places_loader() if self.places_loader is not None else None

    def metrics_frame(self) -> pl.DataFrame:
        values = list(self.metrics.values())
        return pl.DataFrame({
            "metric": [m.key for m in values],
            "metric_id": [m.id for m in values],
            "method": [m.method for m in values],
            "geography": [m.geography for m in values],
            "period_type": [m.period_type for m in values],
            "metric_partnership_id": [m.partnership_id for m in values],
        }, schema={"metric": pl.String, "metric_id": pl.Int64, "method": pl.String,
                   "geography": pl.String, "period_type": pl.String,
                   "metric_partnership_id": pl.Int64})


#: The area type of a partnership's own code in a file: a figure for the partnership as a
#: whole (its footprint), for one of its own local metrics.
PARTNERSHIP_TYPE = "partnership"


def partnership_code(slug: str) -> str:
    """What a file writes in its area column for a figure for a partnership as a whole: the
    partnership's code, which is the last part of its pages' web address (``greater-manchester``;
    read in any capitals)."""
    return slug.upper()


def partnership_place(partnership_id: int) -> int:
    """The ``area_id`` a figure for a partnership as a whole carries while a file is checked
    and stored, and in the engine's observations: minus the partnership's id, so that it
    never meets an area's (the store writes it to ``Observation.partnership``)."""
    return -partnership_id


def areas_frame(rows: Iterable[tuple]) -> pl.DataFrame:
    """(code, id, area_type, name, valid_from, valid_to) tuples as the frame checks use. A
    partnership is given as (``partnership_code(slug)``, ``partnership_place(id)``,
    ``PARTNERSHIP_TYPE``, name, None, None)."""
    return pl.DataFrame(list(rows), orient="row", schema={
        "area_code": pl.String, "area_id": pl.Int64, "area_type": pl.String,
        "area_name": pl.String, "valid_from": pl.Date, "valid_to": pl.Date})


@dataclass
class Options:
    format: str | None = None  # long, fingertips, records; None: work it out from the header
    metric_key: str | None = None  # the metric for every row (Fingertips: required)
    partnership_id: int | None = None  # a partnership's load: only its local metrics
    partnership_name: str = ""


# ---------------------------------------------------------------------------------- progress


class Progress:
    """Progress in percent. ``callback(done, total, message)`` hears every step (the command
    line draws its bar with it); ``save(done, total, message)`` is called at most every 2%
    or when the stage changes (the load's page polls what it writes)."""

    def __init__(self, callback: Callable | None = None, save: Callable | None = None,
                 step: int = 2):
        self.callback = callback
        self.save = save
        self.step = step
        self.saved_at = -100
        self.saved_message = None
        self.done = 0
        self.saving = True

    def __call__(self, percent: float, message: str, stage: str | None = None) -> None:
        percent = max(self.done, min(100, int(percent)))
        self.done = percent
        if self.callback:
            self.callback(percent, 100, message)
        stage = stage or message
        if self.save and self.saving and (percent - self.saved_at >= self.step
                                           or stage != self.saved_message):
            self.saved_at = percent
            self.saved_message = stage
            self.save(percent, 100, message)


# ----------------------------------------------------------------------------------- reading


def sha256_of(handle: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _is_xlsx(file_name: str) -> bool:
    return file_name.lower().endswith((".xlsx", ".xlsm"))


def column_letter(index: int) -> str:
    """The spreadsheet name of the column at 0-based ``index``: A, B … Z, AA … XFD."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A cell as an error message quotes it: long text cut to ``limit`` characters, saying
    how long it was (so a 5 MB cell is never copied into a report or a page)."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters in all)"


def _columns_error(width: int) -> LoadError:
    last = column_letter(width - 1)
    return LoadError(
        f"The sheet has {width:,} columns (its header row reaches column {last}); cdphub "
        f"reads at most {MAX_COLUMNS:,}. Delete the empty columns after the last one you use "
        f"(up to column {last}), and any others you do not need, then load the file again.",
        row=1, column=last)


def _rows_error(rows: int) -> LoadError:
    return LoadError(
        f"The file has {rows:,} rows of data; cdphub reads at most {MAX_ROWS:,} from one "
        "file. Split it into smaller files and load each of them.", row=MAX_ROWS + 2)


def _cells_error(rows: int, width: int) -> LoadError:
    return LoadError(
        f"The file has {rows:,} rows of {width:,} columns, {rows * width:,} cells; cdphub "
        f"reads at most {MAX_CELLS:,} from one file. Delete the columns you do not need, or "
        "split the file into smaller files and load each of them.")


@dataclass
class Table:
    """A file being read: its header row's names, and its rows as batches of text columns
    named after the header, each with the spreadsheet row number in ``row`` (the header is
    row 1). The batches are read one at a time, so a large file is never in memory whole;
    ``close`` releases the file (``check_file`` calls it)."""

    names: list[str]
    batches: Iterator[pl.DataFrame]
    close: Callable[[], None] = lambda: None


def read_table(source: Path | bytes, file_name: str, progress: Progress | None = None
               ) -> Table:
    """The file's first sheet (or the CSV), header row stripped of spaces, as batches of
    text. Raises ``LoadError`` when it cannot be read at all, or breaks the limits on
    columns, rows and cells (checked before anything large is built; an XLSX's rows and
    cells as its batches are read)."""
    lower = file_name.lower()
    if _is_xlsx(lower):
        names, batches, close = _read_xlsx(source, progress)
    elif lower.endswith((".csv", ".txt")):
        names, batches, close = _read_csv(source, progress)
    else:
        raise LoadError(f"{shown(file_name)} is not a CSV or XLSX file: save it as CSV (comma "
                        "separated) or as an Excel workbook (.xlsx) and load it again.")
    try:
        names = _header_names(names)
    except LoadError:
        close()
        raise
    return Table(names, _numbered(batches, names), close)


def _numbered(batches: Iterator[pl.DataFrame], names: list[str]) -> Iterator[pl.DataFrame]:
    first = 2
    for batch in batches:
        yield (batch.rename(dict(zip(batch.columns, names, strict=True)))
               .with_row_index("row", offset=first).with_columns(pl.col("row").cast(pl.Int64)))
        first += batch.height


def _header_names(cells: list) -> list[str]:
    """The header row's names, stripped (an empty one is called after its column: "column
    C"). Two columns whose names differ only in case or spaces (``Numerator`` and
    `` numerator``) are refused: the checks could not tell which one to use."""
    names = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = (cell or "").strip() or f"column {column_letter(index)}"
        if len(name) > MAX_CELL_CHARS:
            raise LoadError(f"The header of column {column_letter(index)} is {len(name):,} "
                            f"characters long; cdphub reads at most {MAX_CELL_CHARS:,} in a "
                            "cell. Give the column a short name.", row=1,
                            column=column_letter(index))
        key = re.sub(r"\s+", "_", name.lower())
        if key in seen:
            first = seen[key]
            raise LoadError(
                f"Columns {column_letter(first)} ('{shown(names[first])}') and "
                f"{column_letter(index)} ('{shown(name)}') have the same name, so cdphub "
                "cannot tell which to use. Delete one of them, or rename it.",
                row=1, column=shown(name))
        seen[key] = index
        names.append(name)
    return names


# CSV ----------------------------------------------------------------------------------------


def _open(source: Path | bytes) -> BinaryIO:
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def _read_csv(source: Path | bytes, progress: Progress | None
              ) -> tuple[list[str], Iterator[pl.DataFrame], Callable[[], None]]:
    first, start, lines, encoding = _csv_shape(source)
    header = _csv_header(first, encoding)
    width = len(header)
    if width > MAX_COLUMNS:
        raise _columns_error(width)
    rows = max(0, lines - 1)
    if rows > MAX_ROWS:
        raise _rows_error(rows)
    if rows * width > MAX_CELLS:
        raise _cells_error(rows, width)
    if width == 0:
        return [], iter(()), lambda: None
    handle = _open(source)
    return header, _csv_batches(source, handle, start, width, encoding, progress), handle.close


def _csv_batches(source: Path | bytes, handle: BinaryIO, start: int, width: int,
                 encoding: str, progress: Progress | None) -> Iterator[pl.DataFrame]:
    """The rows after the header, ``CSV_CHUNK_BYTES`` of the file at a time, each piece cut
    after a line ending outside quotation marks (so a quoted cell that runs over several
    lines stays whole) and read with Polars."""

    size = handle.seek(0, io.SEEK_END)
    handle.seek(start)
    carry = b""
    rows = 0
    while True:
        chunk = handle.read(CSV_CHUNK_BYTES)
        data = carry + chunk if carry else chunk
        if not chunk:
            if data:
                yield _polars_csv(source, data, width, encoding)
            return
        cut = data.rfind(b"\n") + 1
        if cut and b'"' in data[:cut]:
            # After a line ending inside quotation marks the count of marks before it is odd.
            codes = np.frombuffer(data, dtype=np.uint8)
            quotes = np.flatnonzero(codes == ord('"'))
            ends = np.flatnonzero(codes == ord("\n"))
            outside = ends[np.searchsorted(quotes, ends) % 2 == 0]
            if outside.size:
                cut = int(outside[-1]) + 1
            elif len(data) < 4 * CSV_CHUNK_BYTES:
                cut = 0  # a quoted cell still open: read on (a cell is at most 32,767
                # characters, so a mark never closed is cut at a line ending below)
        if not cut:
            if len(data) >= 4 * CSV_CHUNK_BYTES:
                raise LoadError(
                    f"Row {rows + 2:,} (or one soon after) is more than {len(data):,} bytes "
                    f"long; cdphub reads at most {MAX_CELL_CHARS:,} characters in a cell. "
                    "Check that the file has a line ending after each row and that every "
                    "quotation mark is closed.", row=rows + 2)
            carry = data
            continue
        carry = data[cut:]
        batch = _polars_csv(source, data[:cut], width, encoding)
        rows += batch.height
        yield batch
        if progress is not None:
            progress(45 * handle.tell() / max(size, 1),
                     f"Checking the rows: {rows:,} so far", "check")


def _polars_csv(source: Path | bytes, data: bytes, width: int, encoding: str
                ) -> pl.DataFrame:
    """A piece of the file read with Polars, as text; a row with cells beyond the header's
    columns is an error naming the row (unless the extra cells are all empty: trailing
    commas are dropped)."""
    if encoding != "utf-8":  # Excel on Windows saves "CSV" as Windows-1252
        data = data.decode(encoding, errors="replace").encode("utf-8")
    # A header of plain names (the file's is read on its own), so that every piece is read
    # as the whole file would be: as many columns as the header names.
    data = ",".join(f"c{i}" for i in range(width)).encode() + b"\n" + data

    def read(**options):
        return pl.read_csv(io.BytesIO(data), infer_schema=False, raise_if_empty=False,
                           **options)

    try:
        return read()
    except pl.exceptions.PolarsError as exc:
        text = str(exc).lower()
        problem = _csv_problem(source, width, encoding)
        if problem is None and "more fields" in text:
            try:
                return read(truncate_ragged_lines=True)
            except pl.exceptions.PolarsError as again:
                exc = again
        raise problem or LoadError(
            f"The file could not be read as CSV ({shown(exc)}). Check that it is a "
            "comma-separated file with one header row.") from exc


def _csv_header(first: bytes, encoding: str) -> list[str]:
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    text = first.decode(encoding, errors="replace").rstrip("\r")
    if not text.strip():
        return []
    if len(first) >= CSV_HEADER_BYTES:
        return text.split(",")  # no line ending in the first 4 MB: count what there is
    header = next(csv.reader([text]), [])
    if len(header) == 1 and (";" in text or "\t" in text):
        separator = "semicolons" if ";" in text else "tabs"
        raise LoadError(f"The columns are separated by {separator}, not commas: save the file "
                        "as CSV UTF-8 (comma delimited) and load it again.", row=1)
    return header


def _csv_shape(source: Path | bytes) -> tuple[bytes, int, int, str]:
    """The header row as bytes (looked for in at most the first 4 MB, so a header of
    millions of columns is never built), where the rows after it start, the number of lines
    and the encoding (UTF-8, or Windows-1252 when the file is not UTF-8): what the limits
    are checked on before the file is read. Files that are not text are named for what they
    are."""

    with _open(source) as handle:
        head = handle.read(CSV_HEADER_BYTES)
        if head.startswith(b"PK\x03\x04"):
            raise LoadError("This file is an Excel workbook saved with a .csv name: rename it "
                            "to .xlsx and load it again, or save it from Excel as CSV.")
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise LoadError("This file is an Excel 97-2003 workbook (.xls), not CSV: open it "
                            "in Excel and save it as CSV UTF-8 (comma delimited) or as .xlsx.")
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise LoadError("This file is saved as UTF-16 (Excel's \"Unicode Text\"): save it "
                            "as CSV UTF-8 (comma delimited) and load it again.")
        lines = head.count(b"\n")
        body = head.lstrip(b"\r\n")  # empty lines before the header are skipped
        end = body.find(b"\n")
        first = body if end < 0 else body[:end]
        start = len(head) - len(body) + (len(body) if end < 0 else end + 1)
        utf8 = codecs.getincrementaldecoder("utf-8")()
        try:
            utf8.decode(head)
        except UnicodeDecodeError:
            utf8 = None
        last = head
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            lines += chunk.count(b"\n")
            last = chunk
            if utf8 is not None:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = None
        if utf8 is not None:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = None
        if last and not last.endswith(b"\n"):
            lines += 1  # the last line has no line ending
    return first, start, lines, "utf-8" if utf8 is not None else "cp1252"


def _csv_problem(source: Path | bytes, width: int, encoding: str) -> LoadError | None:
    """Why Polars could not read a CSV, by the row: a row with more (non-empty) cells than
    the header, or a quotation mark never closed."""
    with _open(source) as handle:
        text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
        reader = csv.reader(text, strict=True)
        row = 1
        try:
            for row, cells in enumerate(reader, start=1):
                if len(cells) > width and any(c.strip() for c in cells[width:]):
                    return LoadError(
                        f"Row {row} has {len(cells):,} cells but the header row names "
                        f"{width:,} columns: the cell in column {column_letter(width)} has no "
                        "column name. Remove the extra cells (often a stray comma), or give "
                        "the column a name in the header row.", row=row,
                        column=column_letter(width))
        except csv.Error:
            return LoadError(f"A quotation mark in row {row + 1} (or soon after) is never "
                             "closed, so the rest of the file reads as one cell. Check the "
                             "quotation marks in that row.", row=row + 1)
    return None


# XLSX ---------------------------------------------------------------------------------------


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _check_workbook(handle: BinaryIO) -> None:
    """Refuse a workbook that would take far more memory or time to open than its size
    suggests, before openpyxl opens it: too many parts, a part that unpacks to more than
    cdphub reads (a "zip bomb"), a document type definition (entity expansion)."""

    start = handle.read(8)
    handle.seek(0)
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise LoadError("This file is an Excel 97-2003 workbook (.xls) with an .xlsx name: "
                        "open it in Excel and save it as .xlsx (Excel Workbook) or as CSV.")
    if not start.startswith(b"PK"):
        raise LoadError("This file is not an Excel workbook: it has an .xlsx name but holds "
                        "text or something else. If it is a CSV file, rename it to .csv and "
                        "load it again.")
    _check_zip_directory(handle)
    try:
        archive = zipfile.ZipFile(handle)  # closing it leaves ``handle`` open
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LoadError(f"The file is not a complete Excel workbook ({shown(exc)}): it may "
                        "have been cut short while copying. Save it again as .xlsx (or as "
                        "CSV) and load it again.") from exc
    scan = []  # what openpyxl parses as it opens the workbook: the text, every sheet's start
    for info in archive.infolist():
        name = info.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            limit = XLSX_MAX_SHEET_BYTES
            scan.append((name, f"sheet stored as {name.rsplit('/', 1)[-1]}"))
        elif name == "xl/sharedStrings.xml":
            limit = XLSX_MAX_STRINGS_BYTES
            scan.append((name, "shared text"))
        else:
            limit = XLSX_MAX_PART_BYTES
        if info.file_size > limit:
            raise LoadError(
                f"The workbook's part {shown(name, 80)} unpacks to {info.file_size:,} bytes "
                f"from {info.compress_size:,}; cdphub reads at most {limit:,}. Copy the data "
                "into a new workbook (without images, pivot tables or other sheets), or save "
                "it as CSV, and load that.")
    for name, what in scan:
        try:
            _check_xml(handle, name, what)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise LoadError(f"The workbook is damaged: its part {shown(name, 80)} could not "
                            f"be unpacked ({shown(exc)}). Save it again as .xlsx (or as CSV) "
                            "and load it again.") from exc


def _check_zip_directory(handle: BinaryIO) -> None:
    """The zip's own table of contents is read whole when it is opened: refuse one with
    more entries than any workbook needs, from its end record (and Zip64 record)."""

    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - 65_557))
    tail = handle.read()
    handle.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return  # not a zip: opening it says so
    entries, directory = struct.unpack("<HI", tail[at + 10:at + 16])
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        locator = tail[at - 20:at] if at >= 20 else b""
        if locator.startswith(b"PK\x06\x07"):
            (offset,) = struct.unpack("<Q", locator[8:16])
            handle.seek(offset)
            record = handle.read(56)
            handle.seek(0)
            if record.startswith(b"PK\x06\x06") and len(record) == 56:
                entries, directory = struct.unpack("<QQ", record[32:48])
    if entries > XLSX_MAX_PARTS or directory > XLSX_MAX_PARTS * 1024:
        raise LoadError(f"The workbook has {entries:,} parts; cdphub reads workbooks of at "
                        f"most {XLSX_MAX_PARTS:,}. Copy the data into a new workbook, or save "
                        "it as CSV, and load that.")


def _check_xml(handle: BinaryIO, name: str, what: str) -> None:
    """Scan a part of the workbook as it unpacks, in constant memory: refuse a document type
    definition, and any text (or tag) longer than ``XML_MAX_RUN`` bytes — no cell needs that
    (Excel holds at most 32,767 characters in one), and openpyxl would build it whole."""


    run = 0  # bytes since the last < or > in the chunks before
    row = None  # the sheet's row being read
    with zipfile.ZipFile(handle) as archive, archive.open(name) as part:
        for chunk in iter(lambda: part.read(4 * 1024 * 1024), b""):
            if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:
                raise LoadError(f"The workbook's {what} has a document type definition, "
                                "which Excel never writes: save the data as a new workbook "
                                "or as CSV, and load that.")
            codes = np.frombuffer(chunk, dtype=np.uint8)
            marks = np.flatnonzero((codes == ord("<")) | (codes == ord(">")))
            if not marks.size:
                run += len(chunk)
                start, longest = 0, run
            else:
                start, longest = 0, run + int(marks[0])
                if marks.size > 1:
                    gaps = np.diff(marks) - 1
                    widest = int(gaps.argmax())
                    if gaps[widest] > longest:
                        start, longest = int(marks[widest]) + 1, int(gaps[widest])
                run = len(chunk) - 1 - int(marks[-1])
            if longest >= XML_MAX_RUN:
                row = _row_begun(chunk, start) or row
                where = f" (in row {row:,})" if row else ""
                raise LoadError(f"The workbook's {what}{where} holds a piece of text longer "
                                f"than {XML_MAX_RUN:,} bytes; Excel holds at most 32,767 "
                                "characters in a cell. Remove it, or save the data as CSV, "
                                "and load the file again.", row=row)
            row = _row_begun(chunk, len(chunk)) or row


def _row_begun(chunk: bytes, end: int) -> int | None:
    """The number of the last sheet row begun in ``chunk`` before ``end``."""
    found = chunk.rfind(b"<row ", 0, end)
    if found < 0:
        return None
    number = re.match(rb'<row [^>]*?r="(\d+)"', chunk[found:found + 300])
    return int(number[1]) if number else None


def _read_xlsx(source: Path | bytes, progress: Progress | None
               ) -> tuple[list[str], Iterator[pl.DataFrame], Callable[[], None]]:
    from openpyxl import load_workbook

    handle = _open(source)
    try:
        _check_workbook(handle)
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise LoadError(f"The file could not be opened as an Excel workbook "
                            f"({exc.__class__.__name__}: {shown(exc)}). Save it again as "
                            ".xlsx, or as CSV.") from exc
    except BaseException:
        handle.close()
        raise

    def close():
        workbook.close()
        handle.close()

    try:
        names, batches = _read_sheet(workbook, progress)
    except BaseException:
        close()
        raise
    return names, batches, close


def _read_sheet(workbook, progress: Progress | None) -> tuple[list[str], Iterator[pl.DataFrame]]:
    if not workbook.worksheets:
        raise LoadError("The workbook has no worksheets (only charts, or nothing): put the "
                        "data on the first sheet and load it again.")
    sheet = workbook.worksheets[0]
    declared = sheet.max_row or 0  # from the sheet's <dimension>: for progress only
    # The <dimension> a sheet declares may be stale (a program that wrote the file left it
    # short): read every row there is instead of trusting it.
    sheet.reset_dimensions()
    try:
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows, None) or ())
    except Exception as exc:  # a damaged part of the file
        raise _damaged(1, exc) from exc
    while header and header[-1] is None:
        header.pop()
    width = len(header)
    if width > MAX_COLUMNS:
        raise _columns_error(width)
    names = [_cell_text(h) or "" for h in header]
    return names, _sheet_batches(rows, width, declared, progress)


def _damaged(number: int, exc: Exception) -> LoadError:
    return LoadError(f"The workbook could not be read after row {number:,} "
                     f"({exc.__class__.__name__}: {shown(exc)}): it may be damaged. Save "
                     "it again as .xlsx, or as CSV, and load it again.", row=number + 1)


def _sheet_batches(rows: Iterator[tuple], width: int, declared: int,
                   progress: Progress | None) -> Iterator[pl.DataFrame]:
    """The sheet's rows after the header as batches of text, every row from row 2 to the
    last with something in it (empty rows between are kept, as rows of nothing)."""
    number = 1
    columns: list[list] = [[] for _ in range(width)]
    pending = 0  # empty rows not yet added: only kept if a row with something follows
    kept = 0
    extra = None  # the first cell beyond the header's last column, if any
    chunk_rows = max(1000, 500_000 // max(width, 1))
    try:
        for number, values in enumerate(rows, start=2):
            if number - 1 > MAX_ROWS:
                raise LoadError(
                    f"The sheet goes on past row {number - 1:,}; cdphub reads at most "
                    f"{MAX_ROWS:,} rows of data from one file. Delete any rows below your "
                    "data, or split it into smaller files and load each of them.",
                    row=number)
            if not any(v is not None for v in values):
                pending += 1
                continue
            if width == 0:
                extra = extra or (number, next(i for i, v in enumerate(values) if v is not None))
                continue
            kept += pending + 1
            if kept * width > MAX_CELLS:
                raise _cells_error(kept, width)
            for column in columns:
                column.extend([None] * pending)
            pending = 0
            count = len(values)
            for i in range(width):
                columns[i].append(_cell_text(values[i]) if i < count else None)
            if count > width and extra is None:
                beyond = next((i for i in range(width, count) if values[i] is not None), None)
                if beyond is not None:
                    extra = (number, beyond)
            if len(columns[0]) >= chunk_rows:
                yield _chunk(columns)
                columns = [[] for _ in range(width)]
            if progress is not None and number % 5000 == 0:
                progress(45 * min(1.0, number / max(declared, number + 1)),
                         f"Reading the workbook: {number:,} rows", "read")
    except LoadError:
        raise
    except Exception as exc:  # a damaged part of the file
        raise _damaged(number, exc) from exc
    if extra is not None:
        row, index = extra
        raise LoadError(f"Row {row} has a value in column {column_letter(index)}, which has "
                        "no name in the header row: give the column a name, or delete what "
                        "is in it.", row=row, column=column_letter(index))
    if width and columns[0]:
        yield _chunk(columns)


def _chunk(columns: list[list]) -> pl.DataFrame:
    return pl.DataFrame({f"c{i}": c for i, c in enumerate(columns)},
                        schema={f"c{i}": pl.String for i in range(len(columns))})


def _read_header(source: Path | BinaryIO, file_name: str) -> list[str]:
    """The file's header row alone, through the same guards as reading it whole. ``source``
    is a path or an open file (an upload), which is left at its start."""
    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        handle.seek(0)
        if _is_xlsx(file_name):
            from openpyxl import load_workbook

            _check_workbook(handle)
            workbook = load_workbook(handle, read_only=True)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()
                header = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS,
                                              values_only=True), ())
            finally:
                workbook.close()
            return [str(h) for h in header if h is not None]
        first, _start, _lines, encoding = _csv_shape(handle.read(CSV_HEADER_BYTES))
        return _csv_header(first, encoding)
    finally:
        if isinstance(source, Path):
            handle.close()
        else:
            handle.seek(0)


FORMAT_NAMES = {"long": "the cdphub long format", "fingertips": "a Fingertips export",
                "records": "a record-level file"}


def format_note(file_format: str, detected: bool) -> str:
    """What the load's notes say about its format: worked out, or chosen by the person."""
    how = ("worked out from the file's header row" if detected
           else "chosen by the person loading it")
    return f"Format: {FORMAT_NAMES[file_format]}, {how}."


def sniff_format(source: Path | BinaryIO, file_name: str | None = None) -> str:
    """The format of a file from its header row alone ("long" when it cannot be read: the
    load itself then says why). The one detection both the ``cdphub load`` command and the
    web loader use."""
    try:
        return detect_format(_read_header(source, file_name or source.name))
    except Exception:  # noqa: BLE001 - reading it properly reports the problem
        return "long"


def detect_format(columns: Iterable[str]) -> str:
    names = {c.strip().lower() for c in columns}
    if {"indicator id", "time period", "area code"} <= names:
        return "fingertips"
    if "date" in names and "numerator" not in names and "period_from" not in names:
        return "records"
    return "long"


# ------------------------------------------------------------------------------- expressions


def _text(name: str) -> pl.Expr:
    """A text column stripped, empty as null."""
    stripped = pl.col(name).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _with_date(frame: pl.DataFrame, source: str, target: str) -> pl.DataFrame:
    """Column ``target``: the dates in text column ``source`` — ISO (2023-04-01, also with a
    time after it) or UK style (01/04/2023), from 1900 to 2099; null where the text is not
    such a date. The other
    forms are tried only when some text is not an ISO date (parsing is most of the cost)."""
    text = pl.col(source)
    frame = frame.with_columns(text.str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias(target))
    pending = pl.col(target).is_null() & text.is_not_null()
    if frame.select(pending.any()).item():
        with_time = pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}[T ]\d")).then(
            text.str.slice(0, 10))
        frame = frame.with_columns(
            pl.when(pending).then(pl.coalesce(
                with_time.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
                text.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
            )).otherwise(pl.col(target)).alias(target))
    # A date far outside any statistics (9999-12-31, 0001-01-01) is refused as not a date:
    # periods worked out from it would fall outside the calendar.
    date = pl.col(target)
    return frame.with_columns(pl.when(date.is_between(FIRST_DATE, LAST_DATE)).then(date)
                              .alias(target))


def _fy_label(year: pl.Expr) -> pl.Expr:
    return pl.format("{}/{}", year.cast(pl.String),
                     ((year + 1) % 100).cast(pl.String).str.zfill(2))


def _period_label(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """The usual name of a period from its dates: 2019/20, 2019, 2017 - 19, 2023/24 Q1 …"""
    sy, sm, sd = start.dt.year(), start.dt.month(), start.dt.day()
    ey, em, ed = end.dt.year(), end.dt.month(), end.dt.day()
    whole_month_end = end.dt.offset_by("1d").dt.day() == 1
    fy_start = (sm == 4) & (sd == 1) & (em == 3) & whole_month_end
    cal_start = (sm == 1) & (sd == 1) & (em == 12) & (ed == 31)
    quarter = (sd == 1) & whole_month_end & (start.dt.offset_by("3mo").dt.offset_by("-1d") == end)
    fy_year = sy - (sm < 4).cast(pl.Int32)
    yy = (ey % 100).cast(pl.String).str.zfill(2)
    return (
        pl.when(fy_start & (ey == sy + 1)).then(_fy_label(sy))
        .when(fy_start & (ey == sy + 3)).then(pl.format("{} - {}", _fy_label(sy),
                                                        _fy_label(ey - 1).str.slice(2)))
        .when(cal_start & (ey == sy)).then(sy.cast(pl.String))
        .when(cal_start & (ey > sy)).then(pl.format("{} - {}", sy.cast(pl.String), yy))
        .when(quarter).then(pl.format("{} Q{}", _fy_label(fy_year),
                                      (((sm - 4) % 12) // 3 + 1).cast(pl.String)))
        .otherwise(pl.format("{} to {}", start.dt.to_string("%Y-%m-%d"),
                             end.dt.to_string("%Y-%m-%d")))
    )


def _breakdown(columns: dict[str, str]) -> pl.Expr:
    """'dimension=value' pairs in sorted order joined by ';' ('' for the total).
    ``columns`` maps dimension → column holding its (stripped) values."""
    if not columns:
        return pl.lit("")
    parts = []
    for dimension in sorted(columns):
        value = pl.col(columns[dimension]).cast(pl.String)
        parts.append(pl.when(value.is_null() | value.str.to_lowercase().is_in(TOTAL_WORDS))
                     .then(None).otherwise(pl.lit(f"{dimension}=") + value))
    return pl.concat_str(parts, separator=";", ignore_nulls=True).fill_null("")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "category"


# ------------------------------------------------------------------------------ the checks


@dataclass
class Checked:
    """The outcome of checking a file: the figures (one per row of ``frame``), the report
    and what it read."""

    frame: pl.DataFrame | None
    report: Report
    format: str
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def metric_ids(self) -> list[int]:
        if self.frame is None or self.frame.is_empty():
            return []
        return sorted(self.frame.get_column("metric_id").unique().to_list())


def check_file(source: Path | bytes, file_name: str, reference: Reference,
               options: Options | None = None, progress: Progress | None = None) -> Checked:
    """Read and check a file without touching the database; on success ``frame`` holds one
    row per figure to store (with ``metric_id`` and ``area_id``).

    The file is read and checked a batch of rows at a time (``read_table``): each format's
    checker checks the columns named in the header first, then each batch's rows, keeping
    only what it needs of them (the figures, or for record-level files their counts), then
    what needs the whole file (repeated rows, gaps). So the memory a load takes is bounded
    by the figures it stores, not by the size of the file's text."""
    options = options or Options()
    progress = progress or Progress()
    report = Report()
    progress(0, "Reading the file", "read")
    try:
        table = read_table(source, file_name, progress)
    except LoadError as exc:
        return _unreadable(exc, options)
    try:
        file_format = options.format or detect_format(table.names)
        checker = CHECKERS[file_format](table.names, reference, options, report)
        header_ok = report.ok
        cells_ok = True
        for batch in table.batches:
            # Cells no check could use are reported alone: the rest is not checked.
            cells_ok = _check_cells(batch, report) and cells_ok
            if header_ok and cells_ok:
                checker.add(batch)
    except LoadError as exc:
        return _unreadable(exc, options)
    finally:
        table.close()
    if not cells_ok:
        report.finish()
        return Checked(None, report, file_format)
    progress(45, f"Checking {checker.checked.rows_read:,} rows as a whole", "check")
    checked = checker.finish(progress) if header_ok else checker.checked
    checked.format = file_format
    if report.ok and checked.rows_read == 0:
        report.error(2, "", "There are no rows of figures under the header row: add them, or "
                     "check that this is the right file.")
    detected = detect_format(table.names)
    if checked.frame is None and detected != file_format and any(
            e["row"] == 1 and "has no" in e["message"] for e in report.errors):
        names = FORMAT_NAMES
        report.error(1, "", f"The file was loaded as {names[file_format]}, but its columns "
                     f"look like {names[detected]}: load it again as {names[detected]}.")
    report.finish()
    if not report.ok:
        checked.frame = None
    progress(50, "Checked" if report.ok else f"Found {report.error_count:,} problems", "checked")
    return checked


def _unreadable(exc: LoadError, options: Options) -> Checked:
    """The file cannot be read, or breaks a limit: that is the one problem reported."""
    report = Report()
    report.error(exc.row, exc.column, str(exc))
    report.finish()
    return Checked(None, report, options.format or "long")


def _check_cells(batch: pl.DataFrame, report: Report) -> bool:
    """Cells no check could use and that could not be stored: longer than a spreadsheet
    cell may be, or holding a zero byte (a file saved in another encoding, or not text)."""
    if batch.is_empty():
        return True
    ok = True
    for name in batch.columns[1:]:
        cell = pl.col(name)
        ok = not report.errors_where(
            batch, cell.str.len_chars() > MAX_CELL_CHARS, name,
            lambda r, n=name: f"This cell holds {len(r[n]):,} characters; cdphub reads at "
            f"most {MAX_CELL_CHARS:,} in a cell (as Excel does). It begins "
            f"'{shown(r[n], 60)}'. Shorten it, or delete the column if it is not needed.") and ok
        ok = not report.errors_where(
            batch, cell.str.contains("\x00", literal=True), name,
            lambda r, n=name: f"This cell holds a zero byte (NUL character), which no text "
            f"has: '{shown(r[n].replace(chr(0), '?'), 60)}'. The file may be saved in another "
            "encoding: save it as CSV UTF-8 (comma delimited), or remove the character.") and ok
    return ok


def _prepare(batch: pl.DataFrame, keep: Iterable[str]) -> pl.DataFrame:
    """The columns in ``keep`` with spreadsheet row numbers, text stripped, and wholly empty
    rows dropped."""
    keep = [name for name in batch.columns[1:] if name in set(keep)]
    frame = batch.select("row", *[_text(name).alias(name) for name in keep])
    if keep:
        frame = frame.filter(~pl.all_horizontal([pl.col(n).is_null() for n in keep]))
    return frame


def _compact(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns as categoricals: codes, dates and labels repeat from row to row, so a
    million rows of them take a few megabytes instead of tens."""
    return frame.with_columns(pl.col(pl.String).cast(pl.Categorical))


def _column_map(columns: Iterable[str]) -> dict[str, str]:
    """Lower-cased, underscored header → the header as written."""
    return {re.sub(r"\s+", "_", c.strip().lower()): c for c in columns}


def _missing_column(report: Report, column: str, how: str) -> None:
    report.error(1, column, f"The file has no '{shown(column)}' column. {how}")


def _parse_numbers(frame: pl.DataFrame, sources: dict[str, str], report: Report
                   ) -> pl.DataFrame:
    """Float columns from text; a bad number is an error naming the row and column."""
    exprs = []
    for name in NUMBER_COLUMNS:
        source = sources.get(name)
        exprs.append(pl.col(source).cast(pl.Float64, strict=False).alias(f"_{name}")
                     if source else pl.lit(None, pl.Float64).alias(f"_{name}"))
    frame = frame.with_columns(exprs)
    bad_any = pl.lit(False)
    fixed = []
    for name in NUMBER_COLUMNS:
        source = sources.get(name)
        if not source:
            fixed.append(pl.col(f"_{name}").alias(name))
            continue
        parsed = pl.col(f"_{name}")
        bad = pl.col(source).is_not_null() & (parsed.is_null() | ~parsed.is_finite())
        report.errors_where(
            frame, bad, source,
            lambda r, s=source: f"'{shown(r[s])}' is not a number. Write the number with "
            "digits only, for example 1234 or 56.7 (no commas, spaces, % signs or words), or "
            "leave the cell empty.")
        bad_any = bad_any | bad.fill_null(False)
        fixed.append(pl.when(bad).then(None).otherwise(parsed).alias(name))
    return frame.with_columns(*fixed, bad_any.alias("_bad_number")).drop(
        [f"_{n}" for n in NUMBER_COLUMNS])


class _Checker:
    """Checks one format: the header's columns when made, each batch of rows in ``add``,
    then what needs every row in ``finish``."""

    def __init__(self, names: list[str], reference: Reference, options: Options,
                 report: Report):
        self.reference = reference
        self.options = options
        self.report = report
        self.checked = Checked(None, report, self.format)
        self.parts: list[pl.DataFrame] = []

    format = "long"

    def _require(self, required: list[str], how: str) -> None:
        """Name each missing column (the metric too, unless the load names one)."""
        if "metric" not in self.cols and not self.options.metric_key:
            required = ["metric", *required]
        for name in required:
            if name not in self.cols:
                _missing_column(self.report, name, how)

    def add(self, batch: pl.DataFrame) -> None:
        raise NotImplementedError

    def finish(self, progress: Progress) -> Checked:
        raise NotImplementedError


class _Long(_Checker):
    format = "long"

    def __init__(self, names, reference, options, report):
        super().__init__(names, reference, options, report)
        cols = self.cols = _column_map(names)
        self._require(["area_code", "period_from", "period_to"],
                      "Add it: the long format needs the columns metric, area_code, "
                      "period_from, period_to, numerator and denominator (see the format on "
                      "the upload page).")
        if "numerator" not in cols and "value" not in cols:
            _missing_column(report, "numerator", "Add a numerator column (and a denominator "
                            "column), or at least a value column.")
        if not report.ok:
            return
        self.breakdowns = {k[len("breakdown_"):]: v for k, v in cols.items()
                           if k.startswith("breakdown_")}
        for dimension, column in self.breakdowns.items():
            if not re.fullmatch(r"[a-z0-9_]+", dimension):
                report.error(1, column, f"'{shown(column)}' is not a usable breakdown name. "
                             "Name breakdown columns breakdown_ followed by letters, digits "
                             "or underscores, for example breakdown_sex.")
        known = {"metric", "area_code", "period_from", "period_to", *LONG_OPTIONAL}
        for key, column in cols.items():
            if key not in known and not key.startswith("breakdown_"):
                report.warn(1, column, f"The column '{shown(column)}' is not part of the long "
                            "format and was ignored.")
        self.keep = [c for k, c in cols.items() if k in known or k.startswith("breakdown_")]
        self.names = {"metric": cols.get("metric", "metric"), "area_code": cols["area_code"],
                      "metric_in_file": "metric" in cols, "period": cols["period_from"],
                      "numerator": cols.get("numerator", "numerator"),
                      "denominator": cols.get("denominator", "denominator")}
        for limit in NUMBER_COLUMNS[2:]:
            self.names[limit] = cols.get(limit, limit)
        self.missing: tuple[int, dict | None] = (0, None)  # rows with a numerator alone

    def add(self, batch):
        cols, breakdowns, report, options = self.cols, self.breakdowns, self.report, self.options
        frame = _prepare(batch, self.keep)
        self.checked.rows_read += frame.height
        frame = _parse_numbers(frame, {n: cols[n] for n in NUMBER_COLUMNS if n in cols}, report)
        start_text, end_text = pl.col(cols["period_from"]), pl.col(cols["period_to"])
        frame = _with_date(frame, cols["period_from"], "period_start")
        frame = _with_date(frame, cols["period_to"], "period_end")
        frame = frame.with_columns(
            (pl.col(cols["metric"]) if "metric" in cols else pl.lit(options.metric_key))
            .alias("metric"),
            pl.col(cols["area_code"]).str.to_uppercase().alias("area_code"),
            _breakdown(breakdowns).alias("breakdown"),
            (pl.col(cols["age_band"]) if "age_band" in cols else pl.lit(None, pl.String))
            .fill_null("").alias("age_band"),
        )
        frame = frame.with_columns(
            (pl.col(cols["period_label"]) if "period_label" in cols else pl.lit(None, pl.String))
            .fill_null(_period_label(pl.col("period_start"), pl.col("period_end")))
            .alias("period_label"))
        for name, text in (("period_from", start_text), ("period_to", end_text)):
            column = cols[name]
            parsed = "period_start" if name == "period_from" else "period_end"
            report.errors_where(
                frame, text.is_null(), column,
                lambda r, n=name: f"The period is missing: give {n} as a date, for example "
                f"{'2023-04-01' if n == 'period_from' else '2024-03-31'}.")
            report.errors_where(
                frame, text.is_not_null() & pl.col(parsed).is_null(), column,
                lambda r, c=column: f"'{shown(r[c])}' is not a date from 1900 to 2099. Write "
                "dates as YYYY-MM-DD, for example 2023-04-01 (or 01/04/2023).")
        report.errors_where(
            frame, pl.col("period_end") < pl.col("period_start"), cols["period_to"],
            lambda r: f"period_to ({r['period_end']}) is before period_from "
            f"({r['period_start']}). Check the dates: period_to is the last day of the period.")
        if "period_label" in cols:
            report.errors_where(frame, pl.col("period_label").str.len_chars() > 40,
                                cols["period_label"], lambda r: "The period label is longer "
                                "than 40 characters: shorten it, for example 2023/24.")
        if "age_band" in cols:
            report.errors_where(frame, pl.col("age_band").str.len_chars() > 20,
                                cols["age_band"], lambda r: "The age band is longer than 20 "
                                "characters: use the standard bands, for example 0-4, 5-9 … "
                                "90+.")
        for column in breakdowns.values():
            report.errors_where(
                frame, pl.col(column).str.contains(r"[;=]"), column,
                lambda r, c=column: f"'{shown(r[c])}' contains ';' or '=', which cannot be used "
                "in a breakdown value: remove them.")
        report.errors_where(frame, pl.col("breakdown").str.len_chars() > 200,
                            next(iter(breakdowns.values()), "breakdown"),
                            lambda r: "The breakdown is longer than 200 characters: use shorter "
                            "values.")
        frame = _check_rows(frame, self.reference, options, report, self.names, figures=True)
        count, first = _missing_denominators(frame)
        if count and not self.missing[0]:
            self.missing = (0, first)
        self.missing = (self.missing[0] + count, self.missing[1])
        # Kept for the whole file: what is stored, and the step between a metric's periods
        # (for gaps). Number columns the file does not have are left out (``_figures`` puts
        # them back, empty).
        self.parts.append(_compact(frame.select(
            *(pl.col(c).cast(pl.Int32) if c in ("row", "metric_id", "area_id") else c
              for c in FIGURE_COLUMNS[:10]),
            *(n for n in NUMBER_COLUMNS if n in cols), _step().alias("step"))))

    def finish(self, progress):
        cols, report = self.cols, self.report
        if not self.parts:
            return self.checked
        frame = _concat(self.parts)
        self.parts = []
        _warn_missing_denominators(report, self.names["denominator"], *self.missing)
        progress(47, "Checking for repeated rows and gaps", "check")
        key_columns = ", ".join([cols.get("metric", "metric"), cols["area_code"],
                                 cols["period_from"], cols["period_to"],
                                 *self.breakdowns.values(),
                                 *([cols["age_band"]] if "age_band" in cols else [])])
        _check_duplicates(frame, report, key_columns)
        if report.ok:
            _warn_gaps(frame, self.reference, report)
            self.checked.frame = _figures(frame)
        return self.checked


def _concat(parts: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(parts, rechunk=False) if len(parts) != 1 else parts[0]


def _check_rows(frame: pl.DataFrame, reference: Reference, options: Options, report: Report,
                names: dict[str, str], *, figures: bool) -> pl.DataFrame:
    """Checks every format shares: metric, area, its type and dates, and the figures."""
    if options.metric_key and names.get("metric_in_file"):
        report.errors_where(
            frame, pl.col("metric") != options.metric_key, names["metric"],
            lambda r: f"This row is for {shown(r['metric'])}, but the load was for "
            f"{options.metric_key} only. Choose no metric (the file's metric column names "
            "each row's), or correct the row.")
    frame = frame.join(reference.metrics_frame(), on="metric", how="left")
    frame = frame.join(reference.areas, on="area_code", how="left")
    metric_column = names["metric"]
    report.errors_where(
        frame, pl.col("metric").is_null(), metric_column,
        lambda r: "The metric is missing: give the metric's key, as listed on the metrics "
        "page.")
    report.errors_where(
        frame, pl.col("metric").is_not_null() & pl.col("metric_id").is_null(), metric_column,
        lambda r: f"'{shown(r['metric'])}' is not a metric we know. Use a metric key from the "
        "metrics page (for example numbers_in_treatment), or ask for the metric to be added.")
    if options.partnership_id is not None:
        name = options.partnership_name or "this partnership"
        report.errors_where(
            frame, pl.col("metric_id").is_not_null()
            & (pl.col("metric_partnership_id").is_null()
               | (pl.col("metric_partnership_id") != options.partnership_id)),
            metric_column,
            lambda r: f"'{r['metric']}' is not one of {name}'s local metrics. A partnership's "
            "load may hold only its own local metrics: remove these rows, or ask a central "
            "analyst to load national data.")
    area_column = names["area_code"]
    report.errors_where(
        frame, pl.col("area_code").is_null(), area_column,
        lambda r: "The area code is missing: give the area's 9-character GSS code, for "
        "example E06000001.")
    report.errors_where(
        frame, pl.col("area_code").is_not_null() & pl.col("area_id").is_null(), area_column,
        lambda r: f"'{shown(r['area_code'])}' is not an area code we know. Use the 9-character GSS "
        "code of England, a region, an upper-tier local authority or a police force area "
        "(see the Areas pages), for example E06000001; or, for a figure for a partnership as "
        "a whole, the partnership's code (the last part of its pages' web address, for "
        "example greater-manchester).")
    whole = pl.col("area_type") == PARTNERSHIP_TYPE
    report.errors_where(
        frame, whole & pl.col("metric_id").is_not_null()
        & (pl.col("metric_partnership_id").is_null()
           | (pl.col("area_id") != -pl.col("metric_partnership_id"))),
        area_column,
        lambda r: f"{shown(r['area_code']).lower()} is the code for {r['area_name']} as a "
        f"whole, but {r['metric']} is not one of its local metrics: a figure for a "
        "partnership as a whole can be loaded only for that partnership's own local metrics. "
        "Use the area codes of the authorities (or England and the regions) instead, or "
        "correct the metric.")
    allowed = pl.lit(True)
    for geography, types in GEOGRAPHY_TYPES.items():
        allowed = pl.when(pl.col("geography") == geography).then(
            pl.col("area_type").is_in(list(types))).otherwise(allowed)
    report.errors_where(
        frame, pl.col("area_id").is_not_null() & pl.col("metric_id").is_not_null() & ~allowed
        & ~whole, area_column,
        lambda r: f"{r['area_code']} ({r['area_name']}) is a "
        f"{AREA_TYPE_LABELS.get(r['area_type'], r['area_type'])}, but {r['metric']} is "
        f"published for {GEOGRAPHY_LABELS.get(r['geography'], r['geography'])}: use their "
        "codes instead (rows for England and the regions are always accepted).")
    in_use = ((pl.col("valid_from").is_null() | (pl.col("valid_from") <= pl.col("period_end")))
              & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("period_start"))))
    report.errors_where(
        frame, pl.col("area_id").is_not_null() & pl.col("period_start").is_not_null()
        & pl.col("period_end").is_not_null() & ~in_use,
        area_column, lambda r: _not_in_use(r))
    if reference.places_loader is not None and (
            options.partnership_id is not None
            or frame.select(pl.col("metric_partnership_id").is_not_null().any()).item()):
        _check_footprint(frame, reference, options, report, area_column, in_use)
    if figures:
        numerator, denominator = names["numerator"], names["denominator"]
        for name, column in (("numerator", numerator), ("denominator", denominator)):
            report.errors_where(
                frame, pl.col(name) < 0, column,
                lambda r, n=name: f"The {n} is negative ({_number(r[n])}). Counts cannot be "
                "below zero: correct the figure.")
        report.errors_where(
            frame, pl.col("denominator") == 0, denominator,
            lambda r: "The denominator is 0, so no rate or proportion can be computed. Give "
            "the population (or total) the figure is out of, or leave the row out.")
        report.errors_where(
            frame, (pl.col("method") == "proportion") & (pl.col("denominator") > 0)
            & (pl.col("numerator") > pl.col("denominator")), numerator,
            lambda r: f"The numerator ({_number(r['numerator'])}) is greater than the "
            f"denominator ({_number(r['denominator'])}), which cannot be for a proportion. "
            "Check the two figures have not been swapped.")
        report.errors_where(
            frame, pl.col("numerator").is_null() & pl.col("value").is_null()
            & ~pl.col("_bad_number"), numerator,
            lambda r: "There is no figure on this row: give the numerator (and the "
            "denominator), or the value.")
        for low, high in (("lower_95", "upper_95"), ("lower_99_8", "upper_99_8")):
            report.errors_where(
                frame, pl.col(low) > pl.col(high), names[low],
                lambda r, lo=low, hi=high: f"The lower limit ({_number(r[lo])}) is above the "
                f"upper limit ({_number(r[hi])}): check the two have not been swapped.")
    return frame


def _missing_denominators(frame: pl.DataFrame) -> tuple[int, dict | None]:
    """How many rows of a rate or proportion have a numerator alone, and the first."""
    missing = (pl.col("method").cast(pl.String).is_in(NEEDS_DENOMINATOR)
               & pl.col("numerator").is_not_null() & pl.col("denominator").is_null()
               & pl.col("value").is_null())
    count = frame.select(missing.sum()).item()
    if not count:
        return 0, None
    return count, frame.row(frame.select(pl.arg_where(missing).first()).item(), named=True)


def _warn_missing_denominators(report: Report, column: str, count: int,
                               first: dict | None) -> None:
    """One warning for all the rows ``_missing_denominators`` found."""
    if count:
        report.warn(first["row"], column,
                    f"{plural(count, 'row', 'rows')} (the first is row {first['row']}) "
                    f"{'has' if count == 1 else 'have'} a numerator but no denominator or "
                    f"value, so no {first['method']} can be computed for them until a "
                    "denominator is loaded.")


def _check_footprint(frame: pl.DataFrame, reference: Reference, options: Options,
                     report: Report, column: str, in_use: pl.Expr) -> None:
    """A partnership's figures are for its own footprint: in a partnership's file every row,
    and in any file (national data too) every row of a partnership's local metric. Each
    authority must be one whose figures for the period count towards the partnership (as
    the computed values count them: covered on the period's last day, or first covered by
    it after the period), each police force area one of those authorities' force, each
    region its own; England is always accepted, and so is the partnership's own code (its
    figure as a whole). Rows already refused for their area or dates are not checked again."""
    places = reference.places
    owner = (pl.lit(options.partnership_id, pl.Int64) if options.partnership_id is not None
             else pl.col("metric_partnership_id"))
    checkable = (pl.col("area_id").is_not_null() & pl.col("period_start").is_not_null()
                 & pl.col("period_end").is_not_null() & in_use.fill_null(False)
                 & owner.is_not_null())
    frame = frame.with_columns(owner.alias("_owner"))
    pairs = (frame.filter(checkable).select("area_id", "period_end", "_owner").unique()
             .iter_rows())
    names = dict(reference.areas.filter(pl.col("area_type") == PARTNERSHIP_TYPE)
                 .select(-pl.col("area_id"), "area_name").iter_rows())

    def inside(area_id: int, end: dt.date, partnership: int) -> bool:
        if area_id < 0:  # a partnership's code: refused above unless it is the metric's own
            return True
        place = places.by_id.get(area_id)
        if place is None or place.type == "country":
            return True  # England; districts are refused by their area type already
        if place.type == "region":
            return places.partnership_region.get(partnership) == area_id
        if place.type == "pfa":
            return any(places.by_id[u].pfa_id == area_id
                       for u in places.footprints(end).get(partnership, ()))
        owner = places.partnership_of(area_id, end)
        return owner is not None and owner[0] == partnership

    outside = [(area_id, end, partnership) for area_id, end, partnership in pairs
               if not inside(area_id, end, partnership)]
    if not outside:
        return
    marked = pl.DataFrame(outside, orient="row", schema={
        "area_id": pl.Int64, "period_end": pl.Date, "_owner": pl.Int64})
    rows = frame.join(marked.with_columns(pl.lit(True).alias("_outside")),
                      on=["area_id", "period_end", "_owner"], how="left")

    def message(r: dict) -> str:
        name = names.get(r["_owner"]) or options.partnership_name or "this partnership"
        whose = ("A partnership's file may hold figures" if options.partnership_id is not None
                 else f"{r['metric']} is {name}'s local metric: it may have figures")
        return (f"{r['area_code']} ({shown(r['area_name'])}) is not in {name}'s footprint "
                f"{_when(r['period_start'], r['period_end'])}. {whose} only for the "
                "authorities its footprint covers, their police force area, its region and "
                "England, or for the partnership as a whole: remove the row, or correct its "
                "area code.")

    report.errors_where(rows, pl.col("_outside"), column, message)


def _when(start: dt.date, end: dt.date) -> str:
    return f"on {_day(start)}" if start == end else f"during {_day(start)} to {_day(end)}"


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _not_in_use(row: dict) -> str:
    start, end = row["period_start"], row["period_end"]
    since, until = row["valid_from"], row["valid_to"]
    if since and until:
        span = f"from {_day(since)} to {_day(until)}"
    elif since:
        span = f"from {_day(since)} onwards"
    else:
        span = f"until {_day(until)}"
    when = _when(start, end)
    return (f"{row['area_code']} ({row['area_name']}) was not in use {when}: it was in use "
            f"{span}. Use the code of the area that covered the place at that time (the "
            "area's page names its predecessor or successor).")


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 row', '2 rows', '1,205 rows'."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def restored_message(count: int) -> str:
    return (f"{plural(count, 'figure')} it had replaced "
            f"{'is' if count == 1 else 'are'} used again")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.6g}"


def _codes(frame: pl.DataFrame, columns: Iterable[str]) -> list[pl.Expr]:
    """The columns as values to compare and sort by: a categorical's codes (4 bytes a row;
    equal codes are equal text), any other column as it is."""
    return [pl.col(c).to_physical() if frame.schema[c] == pl.Categorical else pl.col(c)
            for c in columns]


def _repeats(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The rows (``row`` and ``first_row``) whose values in ``columns``, all given, repeat
    an earlier row's. The rows' values are hashed and sorted first (8 bytes a row): only
    rows whose hash repeats are compared in full."""
    complete = pl.all_horizontal([pl.col(k).is_not_null() for k in columns])
    hashes = frame.select(pl.when(complete).then(pl.struct(_codes(frame, columns)).hash())
                          .alias("hash"))
    repeated = (hashes.drop_nulls().sort("hash")
                .filter(pl.col("hash") == pl.col("hash").shift(1)).get_column("hash"))
    if repeated.is_empty():
        return pl.DataFrame(schema={"row": frame.schema["row"], "first_row": frame.schema["row"]})
    maybe = hashes.select(pl.col("hash").is_in(repeated.implode()).fill_null(False)).to_series()
    return (frame.filter(maybe).select("row", *columns)
            .with_columns(pl.col("row").min().over(columns).alias("first_row"))
            .filter(pl.col("row") != pl.col("first_row")).select("row", "first_row")
            .sort("row"))


def _check_duplicates(frame: pl.DataFrame, report: Report, columns: str) -> None:
    """An error for every row that repeats an earlier row's metric, area, period, breakdown
    and age band."""
    report.errors_where(
        _repeats(frame, list(KEY_COLUMNS)), pl.col("row").is_not_null(), columns,
        lambda r: f"Row {r['row']} repeats row {r['first_row']}: the same metric, area, "
        "period, breakdown and age band appear twice. Remove one of the two rows, or correct "
        "the one that is wrong.")


def _warn_gaps(frame: pl.DataFrame, reference: Reference, report: Report) -> None:
    """A warning for each series (metric, area, breakdown, age band) with a period missing
    between its first and last. The figures are put in order of series and start by codes,
    not text (a million figures take a few megabytes); only the gaps found are looked up."""
    series = ["metric", "area_code", "breakdown", "age_band"]
    start = pl.col("period_start")
    step = pl.col("step") if "step" in frame.columns else _step()
    order = frame.select(pl.arg_sort_by([*_codes(frame, series), start])).to_series()
    due = pl.when(step == 3).then(start.dt.offset_by("3mo")).otherwise(
        start.dt.offset_by("12mo"))
    ordered = frame.select(*(c.gather(order).alias(n) for c, n in zip(
        _codes(frame, series), series, strict=True)), start.gather(order), due.gather(order)
        .alias("due"), pl.lit(order).alias("index"))
    same = pl.all_horizontal([pl.col(c) == pl.col(c).shift(-1) for c in series])
    found = ordered.select("index", pl.col("index").shift(-1).alias("next"),
                           (same & (start.shift(-1) > pl.col("due"))).alias("gap")
                           ).filter("gap")
    if found.is_empty():
        return
    later = frame[found.get_column("next")].select(
        pl.col("period_label").alias("next_label"), pl.col("row").alias("next_row"))
    rows = (pl.concat([frame[found.get_column("index")].select(*series, "period_start",
                                                                "period_label"), later],
                      how="horizontal")
            .with_columns(pl.col(pl.Categorical).cast(pl.String))
            .sort([*series, "period_start"]))
    for row in rows.head(MAX_WARNINGS_KEPT).iter_rows(named=True):
        breakdown = f" ({row['breakdown']})" if row["breakdown"] else ""
        report.warn(row["next_row"], "",
                    f"{row['metric']} for {row['area_code']}{breakdown}: there is no figure "
                    f"between {row['period_label']} and {row['next_label']}. The series has a "
                    "gap; add the missing period if it exists.")
    report.warning_count += max(0, rows.height - MAX_WARNINGS_KEPT)


FIGURE_COLUMNS = ("row", "metric", "metric_id", "area_code", "area_id", "period_start",
                  "period_end", "period_label", "breakdown", "age_band", *NUMBER_COLUMNS)


def _figures(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        *(pl.col(c) if c in frame.columns else pl.lit(None, pl.Float64).alias(c)
          for c in FIGURE_COLUMNS))


def _step() -> pl.Expr:
    """The months from one period of a metric to the next, from its period type."""
    return (pl.col("period_type").cast(pl.String)
            .replace_strict(STEP_MONTHS, default=12, return_dtype=pl.Int8))


# ------------------------------------------------------------------------------ Fingertips


FINANCIAL = re.compile(r"^(\d{4})/(\d{2})$")
FINANCIAL_POOLED = re.compile(r"^(\d{4})/(\d{2}) ?- ?(\d{2})/(\d{2})$")
CALENDAR = re.compile(r"^(\d{4})$")
CALENDAR_POOLED = re.compile(r"^(\d{4}) ?- ?(\d{2}|\d{4})$")
FINANCIAL_QUARTER = re.compile(r"^(\d{4})/(\d{2}) ?Q([1-4])$")
CALENDAR_QUARTER = re.compile(r"^(\d{4}) ?Q([1-4])$")
MONTH = re.compile(r"^([A-Za-z]{3})[a-z]* (\d{4})$")


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))


def parse_time_period(text: str) -> tuple[dt.date, dt.date] | None:
    """Fingertips' ``Time period``: 2019/20 (financial year), 2017 - 19 (three calendar
    years pooled), 2020 (calendar year), 2017/18 - 19/20, 2019/20 Q1, 2020 Q1, Jan 2020."""
    try:
        period = _time_period(" ".join(text.split()))
    except ValueError:  # a year outside the calendar (9999/00 would end in the year 10000)
        return None
    if period is None or period[0] < FIRST_DATE or period[1] > LAST_DATE:
        return None
    return period


def _time_period(text: str) -> tuple[dt.date, dt.date] | None:
    def century(year: int, yy: str) -> int:  # the year ending yy on or after ``year``
        return year - year % 100 + int(yy) + (100 if int(yy) < year % 100 else 0)

    if m := FINANCIAL.match(text):
        year = int(m[1])
        if (year + 1) % 100 != int(m[2]):
            return None
        return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    if m := FINANCIAL_POOLED.match(text):
        first, last = int(m[1]), century(int(m[1]), m[3])
        return (dt.date(first, 4, 1), dt.date(last + 1, 3, 31)) if 0 < last - first <= 10 \
            else None
    if m := CALENDAR.match(text):
        return dt.date(int(m[1]), 1, 1), dt.date(int(m[1]), 12, 31)
    if m := CALENDAR_POOLED.match(text):
        first = int(m[1])
        last = int(m[2]) if len(m[2]) == 4 else century(first, m[2])
        return (dt.date(first, 1, 1), dt.date(last, 12, 31)) if 0 < last - first <= 10 \
            else None
    if m := FINANCIAL_QUARTER.match(text):
        if (int(m[1]) + 1) % 100 != int(m[2]):
            return None
        quarter = int(m[3])
        year, month = int(m[1]) + (quarter == 4), (4, 7, 10, 1)[quarter - 1]
        return dt.date(year, month, 1), _month_end(year, month + 2)
    if m := CALENDAR_QUARTER.match(text):
        year, quarter = int(m[1]), int(m[2])
        return dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
    if m := MONTH.match(text):
        name = m[1].capitalize()
        if name in MONTHS:
            month = MONTHS.index(name) + 1
            return dt.date(int(m[2]), month, 1), _month_end(int(m[2]), month)
    return None


class _Fingertips(_Checker):
    format = "fingertips"

    def __init__(self, names, reference, options, report):
        super().__init__(names, reference, options, report)
        lookup = {c.strip().lower(): c for c in names}
        cols = self.cols = {key: lookup[name.lower()] for key, name in FINGERTIPS_COLUMNS.items()
                            if name.lower() in lookup}
        for key in ("area_code", "period"):
            if key not in cols:
                _missing_column(report, FINGERTIPS_COLUMNS[key], "This does not look like a "
                                "Fingertips export: download the indicator's data as CSV from "
                                "Fingertips and load that file unchanged.")
        if "numerator" not in cols and "value" not in cols:
            _missing_column(report, "Count", "A Fingertips export has Count and Value columns: "
                            "load the file as exported.")
        if not options.metric_key:
            report.error(1, cols.get("indicator_id", "Indicator ID"),
                         "A Fingertips file does not say which cdphub metric it holds: choose "
                         "the metric (the metric field, or --metric KEY on the command line).")
        self.indicator = None  # the file's first indicator
        self.periods: dict[str, tuple[dt.date, dt.date] | None] = {}
        self.skipped: tuple[int, list[int]] = (0, [])  # rows with no figures: the first 10
        self.missing: tuple[int, dict | None] = (0, None)  # rows with a numerator alone
        self.names = {"metric": cols.get("indicator_id", "Indicator ID"),
                      "area_code": cols.get("area_code", "Area Code"),
                      "period": cols.get("period", "Time period"),
                      "numerator": cols.get("numerator", "Count"),
                      "denominator": cols.get("denominator", "Denominator")}
        for limit in NUMBER_COLUMNS[2:]:
            self.names[limit] = cols.get(limit, FINGERTIPS_COLUMNS[limit])

    def add(self, batch):
        cols, report = self.cols, self.report
        frame = _prepare(batch, cols.values())
        self.checked.rows_read += frame.height
        if "indicator_id" in cols and frame.height:
            column = cols["indicator_id"]
            first = frame.get_column(column).drop_nulls().head(1).to_list()
            if first and self.indicator is None:
                name_column = cols.get("indicator_name")
                indicator = self.indicator = first[0]
                name = (frame.filter(pl.col(column) == indicator).get_column(name_column)[0]
                        if name_column else "")
                self.checked.notes.append(f"Fingertips indicator {shown(indicator)}"
                                          + (f": {shown(name)}" if name else ""))
            if self.indicator is not None:
                indicator = self.indicator
                report.errors_where(
                    frame, pl.col(column) != indicator, column,
                    lambda r: f"This row is for indicator {shown(r[column])}, but the file "
                    f"began with indicator {shown(indicator)}. Load one indicator per file: "
                    "split the file.")
        frame = _parse_numbers(frame, {k: cols[k] for k in NUMBER_COLUMNS if k in cols}, report)
        period_column = cols["period"]
        for text in frame.get_column(period_column).drop_nulls().unique().to_list():
            if text not in self.periods:
                self.periods[text] = parse_time_period(text)
        periods = pl.DataFrame(
            [(text, p[0], p[1]) for text, p in self.periods.items() if p is not None],
            orient="row",
            schema={period_column: pl.String, "period_start": pl.Date, "period_end": pl.Date})
        frame = frame.join(periods, on=period_column, how="left")
        report.errors_where(
            frame, pl.col(period_column).is_null(), period_column,
            lambda r: "The time period is missing: every row needs one, for example 2019/20.")
        report.errors_where(
            frame, pl.col(period_column).is_not_null() & pl.col("period_start").is_null(),
            period_column,
            lambda r: f"'{shown(r[period_column])}' is not a time period we recognise. Use the "
            "forms Fingertips uses: 2019/20 (financial year), 2020 (calendar year), 2017 - 19 "
            "(three years pooled) or 2019/20 Q1.")
        frame = frame.with_columns(
            pl.lit(self.options.metric_key).alias("metric"),
            pl.col(cols["area_code"]).str.to_uppercase().alias("area_code"),
            pl.col(period_column).alias("period_label"))
        # Rows with nothing published (suppressed figures) are left out.
        empty = pl.all_horizontal([pl.col(n).is_null() for n in NUMBER_COLUMNS]) & ~pl.col(
            "_bad_number")
        skipped = frame.filter(empty).get_column("row")
        self.skipped = (self.skipped[0] + skipped.len(),
                        [*self.skipped[1], *skipped.head(10 - len(self.skipped[1])).to_list()])
        frame = frame.filter(~empty)
        frame = _check_rows(frame, self.reference, self.options, report, self.names,
                            figures=True)
        count, first = _missing_denominators(frame)
        self.missing = (self.missing[0] + count, self.missing[1] or first)
        kept = [cols[k] for k in ("sex", "age", "category_type", "category") if k in cols]
        self.parts.append(_compact(frame.select(
            *(pl.col(c).cast(pl.Int32) if c in ("row", "metric_id", "area_id") else c
              for c in FIGURE_COLUMNS if c not in ("breakdown", "age_band", *NUMBER_COLUMNS)),
            *kept, *(n for n in NUMBER_COLUMNS if n in cols), _step().alias("step"))))

    def finish(self, progress):
        cols, report, checked = self.cols, self.report, self.checked
        if not self.parts:
            return checked
        frame = _concat(self.parts)
        self.parts = []
        # Breakdowns: Sex ("Persons" is the total), Age (the indicator's one age group, or
        # "All ages", is the total) and Category Type/Category.
        breakdown_columns: dict[str, str] = {}
        if "sex" in cols:
            breakdown_columns["sex"] = cols["sex"]
        if "age" in cols:
            ages = frame.get_column(cols["age"]).drop_nulls().unique().cast(pl.String).to_list()
            if len(ages) > 1:
                breakdown_columns["age"] = cols["age"]
            elif ages:
                checked.notes.append(f"Age group {shown(ages[0])}: the indicator's population, "
                                     "loaded as the total")
        extra = []
        if "category" in cols and "category_type" in cols:
            category_types = (frame.get_column(cols["category_type"]).drop_nulls().unique()
                              .cast(pl.String).to_list())
            for category_type in sorted(category_types):
                name = f"_category_{_slug(category_type)}"
                extra.append(pl.when(pl.col(cols["category_type"]) == category_type)
                             .then(pl.col(cols["category"])).alias(name))
                breakdown_columns[_slug(category_type)] = name
        frame = frame.with_columns(*extra)
        frame = _compact(frame.with_columns(_breakdown(breakdown_columns).alias("breakdown"),
                                            pl.lit("").alias("age_band")))
        count, rows = self.skipped
        if count:
            report.warn(rows[0], cols.get("value", "Value"),
                        f"{plural(count, 'row has', 'rows have')} no figures (suppressed or "
                        f"not published) and {'was' if count == 1 else 'were'} not loaded: "
                        f"row{'s' if count > 1 else ''} {', '.join(map(str, rows))}"
                        f"{' …' if count > 10 else ''}.")
        # A row repeated exactly (an area listed under two area types) is loaded once.
        numbers = [n for n in NUMBER_COLUMNS if n in frame.columns]
        repeats = _repeats(frame, [*KEY_COLUMNS, *numbers])
        if repeats.height:
            report.warn(repeats.get_column("row")[0], "",
                        f"{plural(repeats.height, 'row repeats', 'rows repeat')} an earlier "
                        "row exactly (Fingertips lists an area once for each area type it "
                        "belongs to): each figure was loaded once.")
            frame = frame.join(repeats, on="row", how="anti")
        _warn_missing_denominators(report, self.names["denominator"], *self.missing)
        progress(48, "Checking for repeated rows and gaps", "check")
        key_columns = ", ".join(cols[k] for k in ("area_code", "sex", "age", "category_type",
                                                  "category", "period") if k in cols)
        _check_duplicates(frame, report, key_columns)
        if report.ok:
            _warn_gaps(frame, self.reference, report)
            checked.frame = _figures(frame)
        return checked


# ---------------------------------------------------------------------------- record-level


class _Records(_Checker):
    """One row per person or event, counted a batch at a time: the counts of each batch
    (per metric, area, base period and breakdown values) are added up in ``finish``."""

    format = "records"

    def __init__(self, names, reference, options, report):
        super().__init__(names, reference, options, report)
        cols = self.cols = _column_map(names)
        self._require(["area_code", "date"],
                      "A record-level file has one row per person or event with the columns "
                      "metric, area_code and date (and optionally breakdown_ columns such as "
                      "breakdown_sex).")
        if not report.ok:
            return
        self.breakdowns = {k[len("breakdown_"):]: v for k, v in cols.items()
                           if k.startswith("breakdown_")}
        for key, column in cols.items():
            if key not in {"metric", "area_code", "date"} and not key.startswith("breakdown_"):
                report.warn(1, column, f"The column '{shown(column)}' is not used in a "
                            "record-level file and was ignored.")
        self.keep = [*(cols[k] for k in ("metric", "area_code", "date") if k in cols),
                     *self.breakdowns.values()]
        self.names = {"metric": cols.get("metric", "metric"), "area_code": cols["area_code"],
                      "metric_in_file": "metric" in cols, "period": cols["date"]}
        self.dates: list[pl.DataFrame] = []  # each batch's first and last date per metric

    def add(self, batch):
        cols, report, options = self.cols, self.report, self.options
        frame = _prepare(batch, self.keep)
        self.checked.rows_read += frame.height
        date_column = cols["date"]
        frame = _with_date(frame, date_column, "period_start").with_columns(
            (pl.col(cols["metric"]) if "metric" in cols else pl.lit(options.metric_key))
            .alias("metric"),
            pl.col(cols["area_code"]).str.to_uppercase().alias("area_code"),
            pl.col("period_start").alias("period_end"))
        report.errors_where(frame, pl.col(date_column).is_null(), date_column,
                            lambda r: "The date is missing: give the date of the event, for "
                            "example 2023-04-01.")
        report.errors_where(
            frame, pl.col(date_column).is_not_null() & pl.col("period_start").is_null(),
            date_column, lambda r: f"'{shown(r[date_column])}' is not a date from 1900 to "
            "2099. Write dates as YYYY-MM-DD, for example 2023-04-01 (or 01/04/2023).")
        frame = _check_rows(frame, self.reference, options, report, self.names, figures=False)
        if report.ok:  # after a problem the rows are still checked, but no longer counted
            # Added up as they come: the counts are never more than the figures.
            self.parts = [_add_cells([*self.parts, record_cells(frame, self.breakdowns)])]
            self.dates.append(frame.group_by("metric").agg(
                pl.col("period_start").min().alias("first"),
                pl.col("period_start").max().alias("last")))

    def finish(self, progress):
        report, checked = self.report, self.checked
        if not report.ok or not self.parts:
            return checked
        progress(46, f"Counting {checked.rows_read:,} records by area and period", "count")
        counts = aggregate_records(self.parts[0], self.reference)
        dates = (_concat(self.dates).group_by("metric")
                 .agg(pl.col("first").min(), pl.col("last").max()))
        self.parts = self.dates = []
        _warn_partial_periods(dates, counts, report, self.cols["date"])
        _warn_gaps(counts, self.reference, report)
        checked.frame = _figures(counts)
        checked.notes.append(f"{checked.rows_read:,} records counted into "
                             f"{counts.height:,} figures")
        return checked


CHECKERS: dict[str, type[_Checker]] = {"long": _Long, "fingertips": _Fingertips,
                                       "records": _Records}


def _warn_partial_periods(dates: pl.DataFrame, counts: pl.DataFrame, report: Report,
                          column: str) -> None:
    """A record-level file does not say which dates it covers: warn where its first or last
    period reaches well beyond the first or last record (a count that may be incomplete).
    ``dates`` holds each metric's first and last record date."""
    periods = counts.group_by("metric").agg(
        pl.col("period_start").min().alias("start"), pl.col("period_end").max().alias("end"),
        pl.col("period_label").sort_by("period_start").first().alias("first_label"),
        pl.col("period_label").sort_by("period_start").last().alias("last_label"))
    for row in dates.join(periods, on="metric").sort("metric").iter_rows(named=True):
        if (row["first"] - row["start"]).days > 31:
            report.warn(None, column, f"{row['metric']}: the first period, {row['first_label']}, "
                        f"starts on {_day(row['start'])} but the earliest record is dated "
                        f"{_day(row['first'])}. If the file does not hold the whole period, "
                        "its count is incomplete.")
        if (row["end"] - row["last"]).days > 31:
            report.warn(None, column, f"{row['metric']}: the last period, {row['last_label']}, "
                        f"ends on {_day(row['end'])} but the latest record is dated "
                        f"{_day(row['last'])}. If the file does not hold the whole period, its "
                        "count is incomplete.")


def record_cells(frame: pl.DataFrame, breakdowns: dict[str, str]) -> pl.LazyFrame:
    """Checked records counted per metric, area, base period (the year or quarter a record's
    date falls in) and breakdown (the total and each dimension on its own), with the first
    row of each: at most as many rows as figures, whatever the number of records. ``frame``
    holds metric_id, period_type, area_id, period_start (the event date), row and the
    breakdown columns. The counts of several batches add up (``_add_cells``)."""
    date = pl.col("period_start")
    year, month = date.dt.year(), date.dt.month()
    types = set(frame.get_column("period_type").unique().to_list())
    base_start = pl.date(year, 1, 1)  # calendar years (and pooled years, survey years)
    if types & {"quarter", "rolling_12_months"}:
        base_start = pl.when(pl.col("period_type").is_in(["quarter", "rolling_12_months"])).then(
            pl.date(year, ((month - 1) // 3) * 3 + 1, 1)).otherwise(base_start)
    if "financial" in types:
        base_start = pl.when(pl.col("period_type") == "financial").then(
            pl.date(year - (month < 4).cast(pl.Int32), 4, 1)).otherwise(base_start)
    keys = ["metric_id", "area_id", base_start.alias("base")]
    records = frame.lazy()
    parts = [records.group_by(keys).agg(pl.len().alias("n"), pl.col("row").min())
             .with_columns(breakdown=pl.lit(""))]
    for dimension in sorted(breakdowns):
        column = breakdowns[dimension]
        parts.append(
            records.filter(pl.col(column).is_not_null()
                           & ~pl.col(column).str.to_lowercase().is_in(TOTAL_WORDS))
            .group_by(*keys, column).agg(pl.len().alias("n"), pl.col("row").min())
            .select("metric_id", "area_id", "base", "n", "row",
                    (pl.lit(f"{dimension}=") + pl.col(column)).alias("breakdown")))
    return pl.concat(parts).select("metric_id", "area_id", "base",
                                   pl.col("breakdown").cast(pl.Categorical),
                                   pl.col("n").cast(pl.UInt32), "row")


def _add_cells(cells: list[pl.DataFrame | pl.LazyFrame]) -> pl.DataFrame:
    """The ``record_cells`` of several batches added up (by the streaming engine, which
    takes far less memory for it than the in-memory one)."""
    return (pl.concat([c.lazy() for c in cells])
            .group_by("metric_id", "area_id", "base", "breakdown")
            .agg(pl.col("n").sum(), pl.col("row").min()).collect(engine="streaming"))


def aggregate_records(cells: pl.DataFrame, reference: Reference) -> pl.DataFrame:
    """Counts per metric, area, period and breakdown (the total and each breakdown dimension
    on its own), from the ``record_cells`` of every batch of records added up."""
    cells = cells.with_columns(pl.col("breakdown").cast(pl.String))
    counts = (cells.rename({"n": "numerator"})
              .with_columns(pl.col("numerator").cast(pl.Float64))
              .join(reference.metrics_frame().select("metric_id", "metric", "period_type"),
                    on="metric_id", how="left")
              .join(reference.areas.select("area_id", "area_code").unique("area_id"),
                    on="area_id", how="left"))
    group = ["metric", "metric_id", "period_type", "area_code", "area_id", "breakdown"]
    # Pooled and rolling periods: each base period (a year or a quarter) counts towards every
    # window that contains it; only windows wholly inside the span of the metric's records
    # in the file are kept.
    quarterly = pl.col("period_type").is_in(["quarter", "rolling_12_months"])
    counts = counts.with_columns(
        pl.when(quarterly).then(3).otherwise(12).alias("unit"),
        pl.when(pl.col("period_type") == "pooled_3_calendar").then(3)
        .when(pl.col("period_type") == "rolling_12_months").then(4).otherwise(1)
        .alias("window"))
    span = counts.group_by("metric").agg(pl.col("base").min().alias("first"),
                                         pl.col("base").max().alias("last"))
    counts = (counts.with_columns(pl.int_ranges(0, pl.col("window")).alias("shift"))
              .explode("shift")
              .with_columns(pl.col("base").dt.offset_by(
                  pl.format("-{}mo", pl.col("shift") * pl.col("unit"))).alias("period_start"))
              .group_by([*group, "unit", "window", "period_start"])
              .agg(pl.col("numerator").sum(), pl.col("row").min())
              .join(span, on="metric"))
    counts = counts.with_columns(
        pl.col("period_start").dt.offset_by(pl.format("{}mo", pl.col("window") * pl.col("unit")))
        .dt.offset_by("-1d").alias("period_end"),
        pl.col("period_start").dt.offset_by(
            pl.format("{}mo", (pl.col("window") - 1) * pl.col("unit"))).alias("last_base"),
    ).filter((pl.col("period_start") >= pl.col("first"))
             & (pl.col("last_base") <= pl.col("last")))
    label = (
        pl.when(pl.col("period_type") == "financial").then(_fy_label(pl.col("period_start")
                                                                     .dt.year()))
        .when(pl.col("period_type") == "rolling_12_months").then(pl.format(
            "{} {} to {} {}",
            pl.col("period_start").dt.to_string("%b"), pl.col("period_start").dt.year(),
            pl.col("period_end").dt.to_string("%b"), pl.col("period_end").dt.year()))
        .otherwise(_period_label(pl.col("period_start"), pl.col("period_end"))))
    nulls = {name: pl.lit(None, pl.Float64).alias(name) for name in NUMBER_COLUMNS[1:]}
    return (counts.with_columns(label.alias("period_label"), pl.lit("").alias("age_band"),
                                *nulls.values())
            .sort(["metric", "area_code", "breakdown", "period_start"]))
