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

Every problem names the row (as a spreadsheet counts them: the header is row 1), the column
and what to do about it. All problems are counted; the first 1,000 are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

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


class LoadError(Exception):
    """A load cannot be started or withdrawn (not a problem in the file's rows)."""


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
        if len(self.errors) < MAX_PROBLEMS_KEPT * 4:
            self.errors.append({"row": row, "column": column, "message": message})

    def warn(self, row: int | None, column: str, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS_KEPT:
            self.warnings.append({"row": row, "column": column, "message": message})

    def errors_where(self, frame: pl.DataFrame, mask: pl.Expr, column: str | Callable,
                     message: Callable[[dict], str]) -> int:
        """An error for every row of ``frame`` where ``mask`` holds; only the first 1,000
        messages are written out (every one is counted)."""
        bad = frame.filter(mask.fill_null(False))
        count = bad.height
        if not count:
            return 0
        self.error_count += count
        for row in bad.head(MAX_PROBLEMS_KEPT).iter_rows(named=True):
            name = column(row) if callable(column) else column
            self.errors.append({"row": row.get("row"), "column": name, "message": message(row)})
        return count

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def finish(self) -> None:
        """Sort by row (file-wide problems first) and keep the first 1,000."""
        self.errors.sort(key=lambda e: (e["row"] or 0, e["column"]))
        del self.errors[MAX_PROBLEMS_KEPT:]
        if self.warning_count > len(self.warnings):
            self.warnings.append({"row": None, "column": "", "message":
                                  f"… and {self.warning_count - len(self.warnings):,} more "
                                  "warnings like these."})


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

    @classmethod
    def from_database(cls) -> Reference:
        from cdphub.geography.models import Area

        from .models import Metric

        metrics = {
            m.key: MetricInfo(m.pk, m.key, m.name, m.method, m.geography, m.period_type,
                              m.partnership_id)
            for m in Metric.objects.only("key", "name", "method", "geography", "period_type",
                                         "partnership_id")
        }
        rows = list(Area.objects.values_list("code", "id", "area_type", "name", "valid_from",
                                             "valid_to"))
        return cls(metrics, areas_frame(rows))

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


def areas_frame(rows: Iterable[tuple]) -> pl.DataFrame:
    """(code, id, area_type, name, valid_from, valid_to) tuples as the frame checks use."""
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


def read_table(source: Path | bytes, file_name: str, progress: Progress | None = None
               ) -> pl.DataFrame:
    """The file's first sheet (or the CSV) as text columns, header row stripped of spaces.
    Raises ``LoadError`` when it cannot be read at all."""
    lower = file_name.lower()
    if _is_xlsx(lower):
        frame = _read_xlsx(source, progress)
    elif lower.endswith((".csv", ".txt")):
        frame = _read_csv(source)
    else:
        raise LoadError(f"{file_name} is not a CSV or XLSX file: save it as CSV (comma "
                        "separated) or as an Excel workbook (.xlsx) and load it again.")
    return frame.rename({name: name.strip() for name in frame.columns})


def _read_csv(source: Path | bytes) -> pl.DataFrame:
    data: Any = source if isinstance(source, Path) else io.BytesIO(source)
    try:
        return pl.read_csv(data, infer_schema=False, raise_if_empty=False)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower() and "utf8" not in str(exc).lower():
            raise LoadError(f"The file could not be read as CSV ({exc}). Check that it is a "
                            "comma-separated file with one header row.") from exc
    except pl.exceptions.PolarsError as exc:
        raise LoadError(f"The file could not be read as CSV ({exc}). Check that it is a "
                        "comma-separated file with one header row.") from exc
    # Not UTF-8: Excel on Windows saves "CSV" as Windows-1252.
    raw = source.read_bytes() if isinstance(source, Path) else source
    text = raw.decode("cp1252", errors="replace").encode("utf-8")
    return pl.read_csv(io.BytesIO(text), infer_schema=False, raise_if_empty=False)


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


def _read_xlsx(source: Path | bytes, progress: Progress | None) -> pl.DataFrame:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source if isinstance(source, Path) else io.BytesIO(source),
                                 read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise LoadError(f"The file could not be opened as an Excel workbook ({exc}). Save it "
                        "again as .xlsx, or as CSV.") from exc
    try:
        sheet = workbook.worksheets[0]
        expected = max(1, (sheet.max_row or 1) - 1)
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return pl.DataFrame()
        while header and header[-1] is None:
            header = header[:-1]
        width = len(header)
        names = [_cell_text(h) or f"column {i + 1}" for i, h in enumerate(header)]
        columns: list[list] = [[] for _ in range(width)]
        for number, values in enumerate(rows, start=1):
            for i in range(width):
                columns[i].append(_cell_text(values[i]) if i < len(values) else None)
            if progress is not None and number % 5000 == 0:
                progress(10 * number / expected, f"Reading the workbook: {number:,} rows",
                         "read")
    finally:
        workbook.close()
    return pl.DataFrame({n: c for n, c in zip(names, columns, strict=True)},
                        schema={n: pl.String for n in names})


def sniff_format(path: Path) -> str:
    """The format of a file from its header row alone."""
    if _is_xlsx(path.name):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            header = next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        finally:
            workbook.close()
        return detect_format(str(h) for h in header if h is not None)
    try:
        return detect_format(pl.read_csv(path, n_rows=0, infer_schema=False).columns)
    except pl.exceptions.PolarsError:
        return "long"  # the load itself reports why the file cannot be read


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
    time after it) or UK style (01/04/2023); null where the text is not a date. The other
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
    return frame


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
        value = pl.col(columns[dimension])
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
    row per figure to store (with ``metric_id`` and ``area_id``)."""
    options = options or Options()
    progress = progress or Progress()
    report = Report()
    progress(0, "Reading the file", "read")
    try:
        raw = read_table(source, file_name, progress)
    except LoadError as exc:
        report.error(None, "", str(exc))
        report.finish()
        return Checked(None, report, options.format or "long")
    file_format = options.format or detect_format(raw.columns)
    progress(10, f"Checking {raw.height:,} rows", "check")
    builder = {"long": _build_long, "fingertips": _build_fingertips,
               "records": _build_records}[file_format]
    checked = builder(raw, reference, options, report, progress)
    checked.format = file_format
    if report.ok and checked.rows_read == 0:
        report.error(2, "", "There are no rows of figures under the header row: add them, or "
                     "check that this is the right file.")
    detected = detect_format(raw.columns)
    if checked.frame is None and detected != file_format and any(
            e["row"] == 1 and "has no" in e["message"] for e in report.errors):
        names = {"long": "the cdphub long format", "fingertips": "a Fingertips export",
                 "records": "a record-level file"}
        report.error(1, "", f"The file was loaded as {names[file_format]}, but its columns "
                     f"look like {names[detected]}: load it again as {names[detected]}.")
    report.finish()
    if not report.ok:
        checked.frame = None
    progress(50, "Checked" if report.ok else f"Found {report.error_count:,} problems", "checked")
    return checked


def _prepare(raw: pl.DataFrame, keep: Iterable[str]) -> pl.DataFrame:
    """The columns in ``keep`` with spreadsheet row numbers, text stripped, and wholly empty
    rows dropped."""
    keep = [name for name in raw.columns if name in set(keep)]
    frame = raw.with_row_index("row", offset=2).select(
        pl.col("row").cast(pl.Int64), *[_text(name).alias(name) for name in keep])
    if keep:
        frame = frame.filter(~pl.all_horizontal([pl.col(n).is_null() for n in keep]))
    return frame


def _column_map(columns: Iterable[str]) -> dict[str, str]:
    """Lower-cased, underscored header → the header as written."""
    return {re.sub(r"\s+", "_", c.strip().lower()): c for c in columns}


def _missing_column(report: Report, column: str, how: str) -> None:
    report.error(1, column, f"The file has no '{column}' column. {how}")


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
            lambda r, s=source: f"'{r[s]}' is not a number. Write the number with digits only, "
            "for example 1234 or 56.7 (no commas, spaces, % signs or words), or leave the "
            "cell empty.")
        bad_any = bad_any | bad.fill_null(False)
        fixed.append(pl.when(bad).then(None).otherwise(parsed).alias(name))
    return frame.with_columns(*fixed, bad_any.alias("_bad_number")).drop(
        [f"_{n}" for n in NUMBER_COLUMNS])


def _build_long(raw: pl.DataFrame, reference: Reference, options: Options, report: Report,
                progress: Progress) -> Checked:
    cols = _column_map(raw.columns)
    checked = Checked(None, report, "long")
    required = ["area_code", "period_from", "period_to"]
    if "metric" not in cols and not options.metric_key:
        required.insert(0, "metric")
    for name in required:
        if name not in cols:
            _missing_column(report, name, "Add it: the long format needs the columns metric, "
                            "area_code, period_from, period_to, numerator and denominator "
                            "(see the format on the upload page).")
    if "numerator" not in cols and "value" not in cols:
        _missing_column(report, "numerator", "Add a numerator column (and a denominator "
                        "column), or at least a value column.")
    if not report.ok:
        return checked
    breakdowns = {k[len("breakdown_"):]: v for k, v in cols.items() if k.startswith("breakdown_")}
    for dimension, column in breakdowns.items():
        if not re.fullmatch(r"[a-z0-9_]+", dimension):
            report.error(1, column, f"'{column}' is not a usable breakdown name. Name breakdown "
                         "columns breakdown_ followed by letters, digits or underscores, for "
                         "example breakdown_sex.")
    known = {"metric", "area_code", "period_from", "period_to", *LONG_OPTIONAL}
    for key, column in cols.items():
        if key not in known and not key.startswith("breakdown_"):
            report.warn(1, column, f"The column '{column}' is not part of the long format "
                        "and was ignored.")
    if not report.ok:
        return checked
    frame = _prepare(raw, [c for k, c in cols.items() if k in known or k.startswith("breakdown_")])
    checked.rows_read = frame.height
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
            lambda r, c=column: f"'{r[c]}' is not a date. Write dates as YYYY-MM-DD, for "
            "example 2023-04-01 (or 01/04/2023).")
    report.errors_where(
        frame, pl.col("period_end") < pl.col("period_start"), cols["period_to"],
        lambda r: f"period_to ({r['period_end']}) is before period_from "
        f"({r['period_start']}). Check the dates: period_to is the last day of the period.")
    if "period_label" in cols:
        report.errors_where(frame, pl.col("period_label").str.len_chars() > 40,
                            cols["period_label"], lambda r: "The period label is longer than "
                            "40 characters: shorten it, for example 2023/24.")
    if "age_band" in cols:
        report.errors_where(frame, pl.col("age_band").str.len_chars() > 20, cols["age_band"],
                            lambda r: "The age band is longer than 20 characters: use the "
                            "standard bands, for example 0-4, 5-9 … 90+.")
    for column in breakdowns.values():
        report.errors_where(
            frame, pl.col(column).str.contains(r"[;=]"), column,
            lambda r, c=column: f"'{r[c]}' contains ';' or '=', which cannot be used in a "
            "breakdown value: remove them.")
    report.errors_where(frame, pl.col("breakdown").str.len_chars() > 200,
                        next(iter(breakdowns.values()), "breakdown"),
                        lambda r: "The breakdown is longer than 200 characters: use shorter "
                        "values.")
    progress(20, f"Checking {frame.height:,} rows: metrics and areas", "check")
    names = {"metric": cols.get("metric", "metric"), "area_code": cols["area_code"],
             "metric_in_file": "metric" in cols,
             "period": cols["period_from"], "numerator": cols.get("numerator", "numerator"),
             "denominator": cols.get("denominator", "denominator")}
    for limit in NUMBER_COLUMNS[2:]:
        names[limit] = cols.get(limit, limit)
    frame = _check_rows(frame, reference, options, report, names, figures=True)
    progress(35, "Checking for repeated rows and gaps", "check")
    key_columns = ", ".join([cols.get("metric", "metric"), cols["area_code"],
                             cols["period_from"], cols["period_to"], *breakdowns.values(),
                             *([cols["age_band"]] if "age_band" in cols else [])])
    _check_duplicates(frame, report, key_columns)
    if report.ok:
        _warn_gaps(frame, reference, report)
        checked.frame = _figures(frame)
    return checked


def _check_rows(frame: pl.DataFrame, reference: Reference, options: Options, report: Report,
                names: dict[str, str], *, figures: bool) -> pl.DataFrame:
    """Checks every format shares: metric, area, its type and dates, and the figures."""
    if options.metric_key and names.get("metric_in_file"):
        report.errors_where(
            frame, pl.col("metric") != options.metric_key, names["metric"],
            lambda r: f"This row is for {r['metric']}, but the load was for "
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
        lambda r: f"'{r['metric']}' is not a metric we know. Use a metric key from the "
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
        lambda r: f"'{r['area_code']}' is not an area code we know. Use the 9-character GSS "
        "code of England, a region, an upper-tier local authority or a police force area "
        "(see the Areas pages), for example E06000001.")
    allowed = pl.lit(True)
    for geography, types in GEOGRAPHY_TYPES.items():
        allowed = pl.when(pl.col("geography") == geography).then(
            pl.col("area_type").is_in(list(types))).otherwise(allowed)
    report.errors_where(
        frame, pl.col("area_id").is_not_null() & pl.col("metric_id").is_not_null() & ~allowed,
        area_column,
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
        missing = frame.filter(pl.col("method").is_in(NEEDS_DENOMINATOR)
                               & pl.col("numerator").is_not_null()
                               & pl.col("denominator").is_null() & pl.col("value").is_null())
        if missing.height:
            first = missing.row(0, named=True)
            report.warn(first["row"], denominator,
                        f"{plural(missing.height, 'row', 'rows')} (the first is row "
                        f"{first['row']}) {'has' if missing.height == 1 else 'have'} a "
                        f"numerator but no denominator or value, so no {first['method']} can "
                        "be computed for them until a denominator is loaded.")
    return frame


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
    when = f"on {_day(start)}" if start == end else f"during {_day(start)} to {_day(end)}"
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


def _check_duplicates(frame: pl.DataFrame, report: Report, columns: str) -> None:
    complete = pl.all_horizontal([pl.col(k).is_not_null() for k in KEY_COLUMNS])
    keyed = frame.filter(complete).select("row", *KEY_COLUMNS).with_columns(
        pl.col("row").min().over(list(KEY_COLUMNS)).alias("first_row"))
    report.errors_where(
        keyed, pl.col("row") != pl.col("first_row"), columns,
        lambda r: f"Row {r['row']} repeats row {r['first_row']}: the same metric, area, "
        "period, breakdown and age band appear twice. Remove one of the two rows, or correct "
        "the one that is wrong.")


def _warn_gaps(frame: pl.DataFrame, reference: Reference, report: Report) -> None:
    """A warning for each series (metric, area, breakdown, age band) with a period missing
    between its first and last."""
    series = ["metric", "area_code", "breakdown", "age_band"]
    periods = (frame.select(*series, "period_type", "period_start", "period_label", "row")
               .unique(subset=[*series, "period_start"]).sort([*series, "period_start"]))
    periods = periods.with_columns(
        pl.col("period_start").shift(-1).over(series).alias("next_start"),
        pl.col("period_label").shift(-1).over(series).alias("next_label"),
        pl.col("row").shift(-1).over(series).alias("next_row"),
        pl.col("period_type").replace_strict(STEP_MONTHS, default=12, return_dtype=pl.Int64)
        .alias("step"))
    gaps = periods.filter(pl.col("next_start").is_not_null() & (
        pl.col("next_start") > pl.col("period_start").dt.offset_by(
            pl.format("{}mo", pl.col("step")))))
    for row in gaps.head(MAX_WARNINGS_KEPT).iter_rows(named=True):
        breakdown = f" ({row['breakdown']})" if row["breakdown"] else ""
        report.warn(row["next_row"], "",
                    f"{row['metric']} for {row['area_code']}{breakdown}: there is no figure "
                    f"between {row['period_label']} and {row['next_label']}. The series has a "
                    "gap; add the missing period if it exists.")
    report.warning_count += max(0, gaps.height - MAX_WARNINGS_KEPT)


def _figures(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("row", "metric", "metric_id", "area_code", "area_id", "period_start",
                        "period_end", "period_label", "breakdown", "age_band", *NUMBER_COLUMNS)


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
    text = " ".join(text.split())

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


def _build_fingertips(raw: pl.DataFrame, reference: Reference, options: Options,
                      report: Report, progress: Progress) -> Checked:
    checked = Checked(None, report, "fingertips")
    lookup = {c.strip().lower(): c for c in raw.columns}
    cols = {key: lookup[name.lower()] for key, name in FINGERTIPS_COLUMNS.items()
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
                     "A Fingertips file does not say which cdphub metric it holds: choose the "
                     "metric (the metric field, or --metric KEY on the command line).")
    if not report.ok:
        return checked
    frame = _prepare(raw, cols.values())
    checked.rows_read = frame.height
    if "indicator_id" in cols and frame.height:
        column = cols["indicator_id"]
        first = frame.get_column(column).drop_nulls().head(1).to_list()
        if first:
            name_column = cols.get("indicator_name")
            indicator = first[0]
            name = (frame.filter(pl.col(column) == indicator).get_column(name_column)[0]
                    if name_column else "")
            checked.notes.append(f"Fingertips indicator {indicator}" + (f": {name}" if name
                                                                         else ""))
            report.errors_where(
                frame, pl.col(column) != indicator, column,
                lambda r: f"This row is for indicator {r[column]}, but the file began with "
                f"indicator {indicator}. Load one indicator per file: split the file.")
    frame = _parse_numbers(frame, {k: cols[k] for k in NUMBER_COLUMNS if k in cols}, report)
    period_column = cols["period"]
    texts = frame.get_column(period_column).drop_nulls().unique().to_list()
    parsed = {text: parse_time_period(text) for text in texts}
    periods = pl.DataFrame(
        [(text, p[0], p[1]) for text, p in parsed.items() if p is not None], orient="row",
        schema={period_column: pl.String, "period_start": pl.Date, "period_end": pl.Date})
    frame = frame.join(periods, on=period_column, how="left")
    report.errors_where(
        frame, pl.col(period_column).is_null(), period_column,
        lambda r: "The time period is missing: every row needs one, for example 2019/20.")
    report.errors_where(
        frame, pl.col(period_column).is_not_null() & pl.col("period_start").is_null(),
        period_column,
        lambda r: f"'{r[period_column]}' is not a time period we recognise. Use the forms "
        "Fingertips uses: 2019/20 (financial year), 2020 (calendar year), 2017 - 19 (three "
        "years pooled) or 2019/20 Q1.")
    # Breakdowns: Sex ("Persons" is the total), Age (the indicator's one age group, or "All
    # ages", is the total) and Category Type/Category.
    breakdown_columns: dict[str, str] = {}
    if "sex" in cols:
        breakdown_columns["sex"] = cols["sex"]
    if "age" in cols:
        ages = frame.get_column(cols["age"]).drop_nulls().unique().to_list()
        if len(ages) > 1:
            breakdown_columns["age"] = cols["age"]
        elif ages:
            checked.notes.append(f"Age group {ages[0]}: the indicator's population, loaded as "
                                 "the total")
    extra = []
    if "category" in cols and "category_type" in cols:
        category_types = frame.get_column(cols["category_type"]).drop_nulls().unique().to_list()
        for category_type in sorted(category_types):
            name = f"_category_{_slug(category_type)}"
            extra.append(pl.when(pl.col(cols["category_type"]) == category_type)
                         .then(pl.col(cols["category"])).alias(name))
            breakdown_columns[_slug(category_type)] = name
    frame = frame.with_columns(*extra)
    frame = frame.with_columns(
        pl.lit(options.metric_key).alias("metric"),
        pl.col(cols["area_code"]).str.to_uppercase().alias("area_code"),
        pl.col(period_column).alias("period_label"),
        _breakdown(breakdown_columns).alias("breakdown"),
        pl.lit("").alias("age_band"))
    # Rows with nothing published (suppressed figures) are left out, and a row repeated
    # exactly (an area listed under two area types) is loaded once.
    empty = pl.all_horizontal([pl.col(n).is_null() for n in NUMBER_COLUMNS]) & ~pl.col(
        "_bad_number")
    skipped = frame.filter(empty)
    if skipped.height:
        rows = ", ".join(str(r) for r in skipped.get_column("row").head(10).to_list())
        report.warn(skipped.row(0, named=True)["row"], cols.get("value", "Value"),
                    f"{plural(skipped.height, 'row has', 'rows have')} no figures (suppressed "
                    f"or not published) and {'was' if skipped.height == 1 else 'were'} not "
                    f"loaded: row{'s' if skipped.height > 1 else ''} {rows}"
                    f"{' …' if skipped.height > 10 else ''}.")
        frame = frame.filter(~empty)
    repeats = frame.with_columns(
        pl.col("row").min().over([*KEY_COLUMNS, *NUMBER_COLUMNS])
        .alias("first_row")).filter(pl.col("row") != pl.col("first_row"))
    if repeats.height:
        report.warn(repeats.row(0, named=True)["row"], "",
                    f"{plural(repeats.height, 'row repeats', 'rows repeat')} an earlier row "
                    "exactly (Fingertips lists an area once for each area type it belongs to): "
                    "each figure was loaded once.")
        frame = frame.join(repeats.select("row"), on="row", how="anti")
    progress(20, f"Checking {frame.height:,} rows: metrics and areas", "check")
    names = {"metric": cols.get("indicator_id", "Indicator ID"),
             "area_code": cols["area_code"], "period": period_column,
             "numerator": cols.get("numerator", "Count"),
             "denominator": cols.get("denominator", "Denominator")}
    for limit in NUMBER_COLUMNS[2:]:
        names[limit] = cols.get(limit, FINGERTIPS_COLUMNS[limit])
    frame = _check_rows(frame, reference, options, report, names, figures=True)
    progress(35, "Checking for repeated rows and gaps", "check")
    key_columns = ", ".join(cols[k] for k in ("area_code", "sex", "age", "category_type",
                                              "category", "period") if k in cols)
    _check_duplicates(frame, report, key_columns)
    if report.ok:
        _warn_gaps(frame, reference, report)
        checked.frame = _figures(frame)
    return checked


# ---------------------------------------------------------------------------- record-level


def _build_records(raw: pl.DataFrame, reference: Reference, options: Options, report: Report,
                   progress: Progress) -> Checked:
    cols = _column_map(raw.columns)
    checked = Checked(None, report, "records")
    required = ["area_code", "date"]
    if "metric" not in cols and not options.metric_key:
        required.insert(0, "metric")
    for name in required:
        if name not in cols:
            _missing_column(report, name, "A record-level file has one row per person or "
                            "event with the columns metric, area_code and date (and "
                            "optionally breakdown_ columns such as breakdown_sex).")
    if not report.ok:
        return checked
    breakdowns = {k[len("breakdown_"):]: v for k, v in cols.items() if k.startswith("breakdown_")}
    for key, column in cols.items():
        if key not in {"metric", "area_code", "date"} and not key.startswith("breakdown_"):
            report.warn(1, column, f"The column '{column}' is not used in a record-level file "
                        "and was ignored.")
    frame = _prepare(raw, [*(cols[k] for k in ("metric", "area_code", "date") if k in cols),
                           *breakdowns.values()])
    checked.rows_read = frame.height
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
        date_column, lambda r: f"'{r[date_column]}' is not a date. Write dates as YYYY-MM-DD, "
        "for example 2023-04-01 (or 01/04/2023).")
    progress(20, f"Checking {frame.height:,} records: metrics and areas", "check")
    names = {"metric": cols.get("metric", "metric"), "area_code": cols["area_code"],
             "metric_in_file": "metric" in cols, "period": date_column}
    frame = _check_rows(frame, reference, options, report, names, figures=False)
    if not report.ok:
        return checked
    progress(35, f"Counting {frame.height:,} records by area and period", "count")
    counts = aggregate_records(frame, breakdowns)
    _warn_partial_periods(frame, counts, report, date_column)
    _warn_gaps(counts, reference, report)
    checked.frame = _figures(counts)
    checked.notes.append(f"{frame.height:,} records counted into {counts.height:,} figures")
    return checked


def _warn_partial_periods(records: pl.DataFrame, counts: pl.DataFrame, report: Report,
                          column: str) -> None:
    """A record-level file does not say which dates it covers: warn where its first or last
    period reaches well beyond the first or last record (a count that may be incomplete)."""
    dates = records.group_by("metric").agg(pl.col("period_start").min().alias("first"),
                                           pl.col("period_start").max().alias("last"))
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


def aggregate_records(frame: pl.DataFrame, breakdowns: dict[str, str]) -> pl.DataFrame:
    """Counts per metric, area, period and breakdown: the total and each breakdown dimension
    on its own. ``frame`` holds checked records: metric, metric_id, period_type, area_code,
    area_id, period_start (the event date), row and the breakdown columns."""
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
    # One pass over the records, by integer keys and the breakdown values as written; the
    # total and each dimension's counts are then summed from that small table.
    values = list(breakdowns.values())
    cells = (frame.group_by("metric_id", "area_id", base_start.alias("base"), *values)
             .agg(pl.len().alias("n"), pl.col("row").min()))
    parts = [cells.group_by("metric_id", "area_id", "base")
             .agg(pl.col("n").sum(), pl.col("row").min()).with_columns(breakdown=pl.lit(""))]
    for dimension in sorted(breakdowns):
        column = breakdowns[dimension]
        parts.append(
            cells.filter(pl.col(column).is_not_null()
                         & ~pl.col(column).str.to_lowercase().is_in(TOTAL_WORDS))
            .group_by("metric_id", "area_id", "base", column)
            .agg(pl.col("n").sum(), pl.col("row").min())
            .select("metric_id", "area_id", "base", "n", "row",
                    (pl.lit(f"{dimension}=") + pl.col(column)).alias("breakdown")))
    names = (frame.select("metric_id", "metric", "period_type").unique(subset="metric_id")
             .join(frame.select("area_id", "area_code").unique(subset="area_id"), how="cross"))
    counts = (pl.concat(parts).rename({"n": "numerator"})
              .with_columns(pl.col("numerator").cast(pl.Float64))
              .join(names, on=["metric_id", "area_id"], how="left"))
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


# ------------------------------------------------------------------------ the database part


def create_load(*, source: Path | BinaryIO, file_name: str, file_format: str, user=None,
                partnership=None, is_synthetic: bool = False, notes: str = ""):
    """Record a new load: store the file, with its SHA-256 checksum and size."""
    from django.core.files import File

    from .models import DataLoad

    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        handle.seek(0)
        checksum, size = sha256_of(handle)
        handle.seek(0)
        load = DataLoad(file_name=Path(file_name).name[:255], checksum=checksum,
                        size_bytes=size, format=file_format, partnership=partnership,
                        loaded_by=user, is_synthetic=is_synthetic, notes=notes,
                        status=DataLoad.Status.QUEUED, progress_total=100,
                        progress_message="Waiting for the background worker to start")
        load.file.save(Path(file_name).name, File(handle), save=False)
        load.save()
    finally:
        if isinstance(source, Path):
            handle.close()
    return load


def _source_of(load) -> Path | bytes:
    try:
        return Path(load.file.path)
    except NotImplementedError:  # storage without local paths
        with load.file.open("rb") as handle:
            return handle.read()


def run_load(load, *, metric_key: str | None = None, progress: Callable | None = None,
             reference: Reference | None = None):
    """Check ``load``'s file and, if it has no errors, store its figures. Returns the load
    (status complete or failed). ``progress(done, total, message)`` hears every step.
    While it runs, this process holds the load's lease (``leases``): renewed with every
    progress step and by a heartbeat thread, so that a load whose process died is noticed."""
    from .leases import Heartbeat, start_running

    start_running(load)
    with Heartbeat(load):
        return _run_load(load, metric_key=metric_key, progress=progress, reference=reference)


def _run_load(load, *, metric_key: str | None, progress: Callable | None,
              reference: Reference | None):
    from django.db import IntegrityError, OperationalError, connection

    from cdphub.core.db import is_transient, retry_on_lock

    from .leases import LoadAbandoned, renew

    def save(done, total, message):
        try:
            renew(load, progress_done=done, progress_total=total, progress_message=message[:200])
        except OperationalError as error:  # progress is shown once the database is free
            if connection.in_atomic_block or not is_transient(error):
                raise
            logger.info("Load %s: progress not saved this time (%s)", load.pk, error)

    tracker = Progress(callback=progress, save=save)
    options = Options(format=load.format, metric_key=metric_key,
                      partnership_id=load.partnership_id,
                      partnership_name=load.partnership.name if load.partnership_id else "")
    try:
        checked = check_file(_source_of(load), load.file_name,
                             reference or Reference.from_database(), options, tracker)
    except Exception as exc:
        _fail(load, [{"row": None, "column": "",
                      "message": f"The load stopped unexpectedly ({exc.__class__.__name__}: "
                      f"{exc}). Nothing was stored. Try again, or report the problem."}], 1)
        raise
    load.rows_read = checked.rows_read
    load.warnings = checked.report.warnings
    if checked.notes:
        load.notes = "\n".join(filter(None, [load.notes, *checked.notes]))
    if not checked.report.ok or checked.frame is None:
        return _fail(load, checked.report.errors, checked.report.error_count)
    try:
        retry_on_lock(lambda: _store(load, checked, tracker), what=f"Storing load {load.pk}")
    except IntegrityError:
        return _fail(load, [{"row": None, "column": "", "message":
                             "Another load changed the same figures at the same moment, so "
                             "nothing was stored. Load the file again."}], 1)
    except LoadAbandoned:
        logger.warning("Load %s was given up for dead while this process stored it: nothing "
                       "was stored by this attempt.", load.pk)
        load.refresh_from_db()
        return load
    except Exception as exc:
        _fail(load, [{"row": None, "column": "",
                      "message": f"The load stopped unexpectedly ({exc.__class__.__name__}: "
                      f"{exc}). Nothing was stored. Try again, or report the problem."}], 1)
        raise
    return load


def _fail(load, errors: list[dict], count: int):
    """Record that the file was not loaded, if the load is still this process's to record
    (``leases.still_ours``: not given up for dead and run again meanwhile)."""
    from django.db import transaction
    from django.utils import timezone

    from .leases import still_ours
    from .models import DataLoad

    with transaction.atomic():
        if not still_ours(load):
            logger.warning("Load %s is no longer this process's: its failure is not recorded.",
                           load.pk)
            load.refresh_from_db()
            return load
        load.status = DataLoad.Status.FAILED
        load.errors = errors
        load.error_count = count
        load.finished_at = timezone.now()
        load.progress_message = (f"Not loaded: {count:,} problem{'s' if count != 1 else ''} "
                                 "found")
        load.observations_stored = 0
        load.observations_superseded = 0
        load.save()
    return load


BATCH = 5000


def _store(load, checked: Checked, tracker: Progress) -> None:
    from django.db import transaction
    from django.utils import timezone

    from .leases import LoadAbandoned, still_ours
    from .models import DataLoad
    from .signals import data_changed

    frame = checked.frame
    metric_ids = checked.metric_ids
    total = frame.height
    tracker(50, f"Storing {total:,} figures", "store")
    # Progress written inside the transaction would not be seen until it commits, so from
    # here only the command line hears it.
    tracker.saving = False
    with transaction.atomic():
        superseded = _supersede(load, frame, metric_ids)
        keys = ["metric_id", "area_id", "period_start", "period_end", "period_label",
                "breakdown", "age_band", *NUMBER_COLUMNS]
        stored = 0
        for chunk in frame.select(keys).iter_slices(BATCH):
            _insert_observations(chunk, load.pk)
            stored += chunk.height
            tracker(50 + 50 * stored / max(total, 1), f"Stored {stored:,} of {total:,} figures",
                    "store")
        if not still_ours(load):  # given up for dead meanwhile: store nothing
            raise LoadAbandoned(load.pk)
        load.status = DataLoad.Status.COMPLETE
        load.observations_stored = stored
        load.observations_superseded = superseded
        load.errors = []
        load.error_count = 0
        load.finished_at = timezone.now()
        load.progress_done = 100
        load.progress_total = 100
        load.progress_message = f"Loaded {stored:,} figures"
        load.save()
        transaction.on_commit(lambda: data_changed.send(sender=DataLoad, load=load,
                                                        metric_ids=metric_ids))


def _insert_observations(chunk: pl.DataFrame, load_id: int) -> None:
    """Insert a batch of figures (columns as ``_store`` selects them) with one
    ``executemany``. The same rows ``Observation.objects.bulk_create`` would write (it sends
    no signals either), without its per-object work, which is most of its time: about 15,000
    figures a second against 60,000 and more this way on SQLite."""
    from django.db import connection

    from .models import Observation

    meta = Observation._meta
    names = ["load", "metric", "area", "period_start", "period_end", "period_label",
             "breakdown", "age_band", *NUMBER_COLUMNS, "is_current", "superseded_by"]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    # Names come from the model, quoted; every value is a parameter.
    sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(names))})")
    date = connection.ops.adapt_datefield_value
    rows = [(load_id, r[0], r[1], date(r[2]), date(r[3]), *r[4:], True, None)
            for r in chunk.iter_rows()]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _current_keys(metric_ids: list[int], start: dt.date, end: dt.date,
                  exclude_load: int | None = None) -> pl.DataFrame:
    from .models import Observation

    rows = Observation.objects.filter(
        metric_id__in=metric_ids, is_current=True, period_start__gte=start,
        period_start__lte=end)
    if exclude_load is not None:
        rows = rows.exclude(load_id=exclude_load)
    return pl.DataFrame(
        list(rows.values_list("id", "load_id", "metric_id", "area_id", "period_start",
                              "period_end", "breakdown", "age_band").iterator(chunk_size=20000)),
        orient="row",
        schema={"id": pl.Int64, "load_id": pl.Int64, "metric_id": pl.Int64, "area_id": pl.Int64,
                "period_start": pl.Date, "period_end": pl.Date, "breakdown": pl.String,
                "age_band": pl.String})


FIGURE_KEY = ["metric_id", "area_id", "period_start", "period_end", "breakdown", "age_band"]


def _update_in_batches(ids: list[int], **fields) -> None:
    from .models import Observation

    for start in range(0, len(ids), 900):
        Observation.objects.filter(id__in=ids[start:start + 900]).update(**fields)


def _supersede(load, frame: pl.DataFrame, metric_ids: list[int]) -> int:
    """Take the current figures this load replaces out of use, marked as superseded by it."""
    if frame.is_empty():
        return 0
    start, end = frame.get_column("period_start").min(), frame.get_column("period_start").max()
    existing = _current_keys(metric_ids, start, end)
    if existing.is_empty():
        return 0
    replaced = existing.join(frame.select(FIGURE_KEY), on=FIGURE_KEY, how="semi")
    ids = replaced.get_column("id").to_list()
    _update_in_batches(ids, is_current=False, superseded_by_id=load.pk)
    return len(ids)


def can_be_withdrawn(load) -> bool:
    """A complete load, or one whose loading stopped (its process died: ``leases``)."""
    from .models import DataLoad

    return load.status in (DataLoad.Status.COMPLETE, DataLoad.Status.STOPPED) or load.lease_expired


def withdraw_load(load, *, user=None, reason: str = "") -> int:
    """Withdraw a complete load: its figures leave use, and the figures it had superseded
    come back (unless their own load was withdrawn, or a later load has since replaced them,
    in which case they now count as superseded by that later load). Returns how many came
    back. A load whose loading stopped (or whose lease has run out: it is marked stopped
    first, and not run again) stored nothing, and is simply recorded as withdrawn."""
    from django.db import transaction
    from django.utils import timezone

    from .leases import give_up_locked, seen_at
    from .models import DataLoad, Observation
    from .signals import data_changed

    with transaction.atomic():
        load = DataLoad.objects.select_for_update().get(pk=load.pk)
        give_up_locked(load, requeue=False)
        if load.status == DataLoad.Status.RUNNING:
            raise LoadError(f"Load {load.pk} is still loading (last heard from at "
                            f"{seen_at(load)}): wait for it to finish, then withdraw it.")
        if not can_be_withdrawn(load):
            raise LoadError(f"Load {load.pk} is {load.get_status_display().lower()}: only a "
                            "complete load can be withdrawn, or one whose loading stopped.")
        metric_ids = sorted(set(load.observations.values_list("metric_id", flat=True)
                                .distinct()))
        load.observations.filter(is_current=True).update(is_current=False)
        previous = (Observation.objects.filter(superseded_by=load)
                    .exclude(load__status=DataLoad.Status.WITHDRAWN))
        old = pl.DataFrame(
            list(previous.values_list("id", "metric_id", "area_id", "period_start",
                                      "period_end", "breakdown", "age_band")),
            orient="row", schema={"id": pl.Int64, "metric_id": pl.Int64, "area_id": pl.Int64,
                                  "period_start": pl.Date, "period_end": pl.Date,
                                  "breakdown": pl.String, "age_band": pl.String})
        restored = 0
        if not old.is_empty():
            current = _current_keys(old.get_column("metric_id").unique().to_list(),
                                    old.get_column("period_start").min(),
                                    old.get_column("period_start").max())
            later = old.join(current.select(*FIGURE_KEY, pl.col("load_id").alias("later")),
                             on=FIGURE_KEY, how="left")
            back = later.filter(pl.col("later").is_null()).get_column("id").to_list()
            _update_in_batches(back, is_current=True, superseded_by_id=None)
            restored = len(back)
            for later_id, ids in (later.filter(pl.col("later").is_not_null())
                                  .group_by("later").agg(pl.col("id")).iter_rows()):
                _update_in_batches(ids, superseded_by_id=later_id)
        load.status = DataLoad.Status.WITHDRAWN
        load.withdrawn_at = timezone.now()
        load.withdrawn_by = user
        load.withdrawal_reason = reason
        load.progress_message = "Withdrawn"
        load.save()
        transaction.on_commit(lambda: data_changed.send(sender=DataLoad, load=load,
                                                        metric_ids=metric_ids))
    return restored
