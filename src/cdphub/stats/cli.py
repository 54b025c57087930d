"""``cdphub stats``: the statistics library as a command for analysts' CSV files.

    cdphub stats METHOD --input IN.csv --output OUT.csv [--multiplier N] [--group-by COLS]

METHOD is ``crude-rate``, ``proportion``, ``unmet-need``, ``dsr``, ``isr``, ``isr-rate``,
``compare`` or ``trend``. No database and no web framework: this module imports NumPy and Polars only
(SciPy where a method needs it). The output is written to a temporary file beside OUT.csv
and renamed into place, so a failed run leaves no partial file. Errors name the line
(line 1 is the header) and the column.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from ._common import DEFAULT_LEVELS, StatsInputError, limit_columns
from .compare import compare
from .dsr import dsr, esp2013
from .isr import isr_rate, isr_ratio
from .proportions import proportion, unmet_need
from .rates import check_counts, crude_rate
from .trend import recent_trend

LIMITS = limit_columns(DEFAULT_LEVELS)  # lower_95, upper_95, lower_99_8, upper_99_8
MISSING = ["", "NA"]

METHODS = {
    "crude-rate": "crude rate per --multiplier (100000), exact limits below 10 events, Byars above",
    "proportion": "proportion ×--multiplier (100: a percentage) with Wilson score limits",
    "unmet-need": "percentage of a modelled population not in treatment, limits from the "
    "estimate's denominator_lower/denominator_upper",
    "dsr": "directly standardised rate (Dobson limits; ESP2013 unless standard_population given)",
    "isr": "indirectly standardised ratio ×--multiplier (100: an SMR)",
    "isr-rate": "indirectly standardised rate per --multiplier (100000)",
    "compare": "better/similar/worse against the benchmark column, by interval overlap",
    "trend": "the Fingertips recent-trend test over each series' last five points",
}
DEFAULT_MULTIPLIER = {
    "crude-rate": 100_000,
    "proportion": 100,
    "unmet-need": 100,
    "dsr": 100_000,
    "isr": 100,
    "isr-rate": 100_000,
}


class CliError(Exception):
    """A problem with the input file or the options; printed without a traceback."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cdphub stats",
        description="Official-indicator statistics (Fingertips methods) for CSV files.",
        epilog="methods:\n" + "\n".join(f"  {name:<11} {text}" for name, text in METHODS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("method", choices=list(METHODS), metavar="METHOD", help="see below")
    parser.add_argument("--input", required=True, type=Path, help="input CSV file")
    parser.add_argument("--output", required=True, type=Path, help="output CSV file")
    parser.add_argument("--multiplier", type=float, help="rate per N (defaults: see methods)")
    parser.add_argument(
        "--group-by",
        default="",
        metavar="COLS",
        help="comma-separated columns: one result per group (summed first for crude-rate "
        "and proportion; for dsr, isr and trend the default is every other column)",
    )
    parser.add_argument("--polarity", help="compare/trend: polarity for rows without a column")
    parser.add_argument("--value-type", help="trend: value_type for rows without a column")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        frame = _read(args.input)
        out = RUNNERS[args.method](frame, args)
        _write_atomically(out, args.output)
    except CliError as exc:
        print(f"cdphub stats: error: {exc}", file=sys.stderr)
        return 1
    return 0


# ------------------------------------------------------------------------------- reading


def _read(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise CliError(f"no input file {str(path)!r}")
    try:
        # Every column as text: group columns pass through exactly as written, and numbers
        # are parsed below where a bad value can be reported with its line.
        return pl.read_csv(path, infer_schema=False, null_values=MISSING, raise_if_empty=False)
    except pl.exceptions.PolarsError as exc:
        raise CliError(f"cannot read {str(path)!r} as CSV: {exc}") from exc


def _require(frame: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise CliError(
            f"input has no column {', '.join(repr(m) for m in missing)} "
            f"(columns: {', '.join(frame.columns) or 'none'})"
        )


def _numbers(frame: pl.DataFrame, name: str) -> pl.Series:
    """Column ``name`` as Float64 (missing: null); a non-numeric entry is an error."""
    text = frame.get_column(name)
    parsed = text.str.strip_chars().cast(pl.Float64, strict=False)
    bad = parsed.is_null() & text.is_not_null()
    if bad.any():
        index = int(bad.arg_true()[0])
        raise CliError(f"line {index + 2}: {name} is {text[index]!r}, which is not a number")
    return parsed


def _array(series: pl.Series) -> np.ndarray:
    return series.to_numpy(allow_copy=True).astype(np.float64, copy=False)


def _group_columns(args, frame: pl.DataFrame, inputs: Sequence[str], *, default_all: bool):
    names = [name.strip() for name in args.group_by.split(",") if name.strip()]
    if names:
        _require(frame, names)
        return names
    return [name for name in frame.columns if name not in inputs] if default_all else []


def _group_codes(frame: pl.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, pl.DataFrame]:
    """Dense group codes (by first appearance) and the distinct keys in code order."""
    if not columns:
        return np.zeros(frame.height, dtype=np.intp), pl.DataFrame()
    keys = frame.select(columns).unique(maintain_order=True).with_row_index("_group")
    codes = frame.select(columns).join(
        keys, on=list(columns), how="left", nulls_equal=True, maintain_order="left"
    )
    return codes.get_column("_group").to_numpy().astype(np.intp), keys.drop("_group")


def _line_error(exc: StatsInputError) -> CliError:
    """The library's error at row ``index`` as the file's line (line 1 is the header)."""
    if exc.index is None:
        return CliError(str(exc))
    return CliError(f"line {exc.index + 2}: {exc}")


# ------------------------------------------------------------------------------- output


def _float_column(name: str, values: np.ndarray) -> pl.Series:
    return pl.Series(name, values, dtype=pl.Float64).fill_nan(None)


def _count_column(name: str, values: np.ndarray) -> pl.Series:
    """Counts print as whole numbers when they are (and as decimals when averaged)."""
    finite = values[~np.isnan(values)]
    if len(finite) and np.all(finite == np.floor(finite)) and np.all(np.abs(finite) < 2**53):
        return pl.Series(name, values, dtype=pl.Float64).fill_nan(None).cast(pl.Int64)
    return _float_column(name, values)


def _result_frame(keys: pl.DataFrame, result: dict[str, np.ndarray]) -> pl.DataFrame:
    columns = [
        _count_column("numerator", result["numerator"]),
        _count_column("denominator", result["denominator"]),
        _float_column("value", result["value"]),
        *(_float_column(name, result[name]) for name in LIMITS),
    ]
    return keys.hstack(columns) if keys.width else pl.DataFrame(columns)


def _write_atomically(frame: pl.DataFrame, path: Path) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CliError(f"no directory {str(directory)!r} for the output file")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    os.close(handle)
    try:
        frame.write_csv(temporary, check_extension=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------- methods


def _multiplier(args) -> float:
    if args.multiplier is None:
        return DEFAULT_MULTIPLIER[args.method]
    if not args.multiplier > 0:
        raise CliError("--multiplier must be greater than 0")
    return args.multiplier


def _counts(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    _require(frame, ["numerator", "denominator"])
    return _array(_numbers(frame, "numerator")), _array(_numbers(frame, "denominator"))


def _rowwise_or_summed(frame: pl.DataFrame, args, kernel) -> pl.DataFrame:
    """crude-rate and proportion: one result per row, or per group after summing."""
    x, n = _counts(frame)
    try:
        check_counts(x, n)
    except StatsInputError as exc:
        raise _line_error(exc) from exc
    multiplier = _multiplier(args)
    groups = _group_columns(args, frame, ["numerator", "denominator"], default_all=False)
    if groups:
        codes, keys = _group_codes(frame, groups)
        x = np.bincount(codes, weights=x, minlength=keys.height)  # a missing value stays missing
        n = np.bincount(codes, weights=n, minlength=keys.height)
        try:
            result = kernel(x, n, multiplier)
        except StatsInputError as exc:
            row = keys.row(exc.index or 0, named=True)
            raise CliError(f"group {row}: {exc}") from exc
    else:
        keys = frame.drop(["numerator", "denominator"])
        try:
            result = kernel(x, n, multiplier)
        except StatsInputError as exc:
            raise _line_error(exc) from exc
    result["numerator"], result["denominator"] = x, n
    return _result_frame(keys, result)


def _crude_rate(frame, args):
    return _rowwise_or_summed(frame, args, crude_rate)


def _proportion(frame, args):
    return _rowwise_or_summed(frame, args, proportion)


def _unmet_need(frame, args):
    _require(frame, ["denominator_lower", "denominator_upper"])
    x, n = _counts(frame)
    low = _array(_numbers(frame, "denominator_lower"))
    high = _array(_numbers(frame, "denominator_upper"))
    try:
        result = unmet_need(x, n, low, high, multiplier=_multiplier(args))
    except StatsInputError as exc:
        raise _line_error(exc) from exc
    missing = np.full(frame.height, np.nan)
    result.update(numerator=x, denominator=n, lower_99_8=missing, upper_99_8=missing)
    keys = frame.drop(["numerator", "denominator", "denominator_lower", "denominator_upper"])
    return _result_frame(keys, result)


def _standard_population(frame: pl.DataFrame) -> np.ndarray:
    if "standard_population" in frame.columns:
        return _array(_numbers(frame, "standard_population"))
    _require(frame, ["age_band"])
    weights = esp2013()
    bands = frame.get_column("age_band").str.strip_chars()
    unknown = ~bands.is_in(list(weights)) | bands.is_null()
    if unknown.any():
        index = int(unknown.arg_true()[0])
        raise CliError(
            f"line {index + 2}: age_band {bands[index]!r} is not an ESP2013 band "
            f"({', '.join(weights)}); or give a standard_population column"
        )
    return _array(bands.replace_strict(weights, return_dtype=pl.Float64))


def _dsr(frame, args):
    x, n = _counts(frame)
    w = _standard_population(frame)
    inputs = ["numerator", "denominator", "age_band", "standard_population"]
    codes, keys = _group_codes(frame, _group_columns(args, frame, inputs, default_all=True))
    try:
        result = dsr(x, n, w, codes, multiplier=_multiplier(args))
    except StatsInputError as exc:
        raise _line_error(exc) from exc
    return _result_frame(keys, result)


def _isr(frame, args):
    _require(frame, ["reference_numerator", "reference_denominator"])
    x, n = _counts(frame)
    ref_x = _array(_numbers(frame, "reference_numerator"))
    ref_n = _array(_numbers(frame, "reference_denominator"))
    inputs = ["numerator", "denominator", "age_band", "reference_numerator", "reference_denominator"]
    codes, keys = _group_codes(frame, _group_columns(args, frame, inputs, default_all=True))
    multiplier = _multiplier(args)
    try:
        if args.method == "isr":
            result = isr_ratio(x, n, ref_x, ref_n, codes, refvalue=multiplier)
        else:
            result = isr_rate(x, n, ref_x, ref_n, codes, multiplier=multiplier)
    except StatsInputError as exc:
        raise _line_error(exc) from exc
    return _result_frame(keys, result)


def _text_or_default(frame: pl.DataFrame, name: str, default: str | None) -> np.ndarray | str:
    if name in frame.columns:
        column = frame.get_column(name)
        if default is not None:
            column = column.fill_null(default)
        elif column.null_count():
            index = int(column.is_null().arg_true()[0])
            raise CliError(f"line {index + 2}: {name} is empty")
        return column.to_numpy()
    if default is None:
        raise CliError(f"input has no column {name!r} (or give --{name.replace('_', '-')})")
    return default


def _compare(frame, args):
    _require(frame, ["value", "lower_95", "upper_95", "benchmark"])
    numbers = {name: _array(_numbers(frame, name)) for name in ["value", "lower_95", "upper_95", "benchmark"]}
    wide = {}
    if "lower_99_8" in frame.columns and "upper_99_8" in frame.columns:
        wide = {name: _array(_numbers(frame, name)) for name in ["lower_99_8", "upper_99_8"]}
    polarity = _text_or_default(frame, "polarity", args.polarity)
    try:
        labels = compare(
            numbers["value"],
            numbers["lower_95"],
            numbers["upper_95"],
            numbers["benchmark"],
            polarity,
            **wide,
        )
    except StatsInputError as exc:
        raise _line_error(exc) from exc
    return frame.with_columns(pl.Series("comparison", labels, dtype=pl.String))


def _period_order(frame: pl.DataFrame) -> np.ndarray:
    text = frame.get_column("period").str.strip_chars()
    numeric = text.cast(pl.Float64, strict=False)
    if numeric.null_count() == 0:
        return numeric.to_numpy()
    if text.null_count():
        index = int(text.is_null().arg_true()[0])
        raise CliError(f"line {index + 2}: period is empty")
    return text.rank("dense").to_numpy()  # e.g. "2019/20": text order is time order


def _trend(frame, args):
    inputs = [
        "period",
        "value",
        "lower_95",
        "upper_95",
        "numerator",
        "denominator",
        "polarity",
        "value_type",
        "lower_99_8",
        "upper_99_8",
    ]
    _require(frame, inputs[:6])
    numbers = {name: _array(_numbers(frame, name)) for name in inputs[1:6]}
    value_type = _text_or_default(frame, "value_type", args.value_type)
    polarity = _text_or_default(frame, "polarity", args.polarity)
    codes, keys = _group_codes(frame, _group_columns(args, frame, inputs, default_all=True))
    try:
        result = recent_trend(
            _period_order(frame),
            numbers["value"],
            numbers["lower_95"],
            numbers["upper_95"],
            numbers["numerator"],
            numbers["denominator"],
            value_type,
            polarity,
            codes,
        )
    except StatsInputError as exc:
        raise _line_error(exc) from exc
    columns = [
        _float_column("chi2", result["chi2"]),
        pl.Series("trend", result["trend"], dtype=pl.String),
        pl.Series("trend_label", result["trend_label"], dtype=pl.String),
    ]
    return keys.hstack(columns) if keys.width else pl.DataFrame(columns)


RUNNERS = {
    "crude-rate": _crude_rate,
    "proportion": _proportion,
    "unmet-need": _unmet_need,
    "dsr": _dsr,
    "isr": _isr,
    "isr-rate": _isr,
    "compare": _compare,
    "trend": _trend,
}
