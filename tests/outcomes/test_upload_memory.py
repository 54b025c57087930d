"""Large legitimate files: checked in bounded memory, and checked a batch at a time exactly as
they would be whole (counts, errors, repeated rows and quoted cells across batches)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cdphub.outcomes import loading
from cdphub.outcomes.models import DataLoad, Observation
from tests.outcomes.loading_helpers import catalogue, load_bytes
from tests.outcomes.test_upload_safety import MB, PEAK_MB, replace_part, workbook_bytes

AREAS = [f"E06{i:06d}" for i in range(2000)]  # areas of the child's reference
LIMIT_MB = 300

# Checks each file named on its command line in a fresh process of its own (so each peak is
# that file's) against a reference of 2,000 areas, and prints its peak resident size.
CHILD = PEAK_MB + textwrap.dedent("""
    import sys
    from pathlib import Path
    from cdphub.outcomes.loading import MetricInfo, Options, Reference, areas_frame, check_file

    reference = Reference(
        {"continuity_of_care": MetricInfo(1, "continuity_of_care", "Continuity", "proportion",
                                          "utla", "financial"),
         "drug_hospital_admissions": MetricInfo(2, "drug_hospital_admissions", "Admissions",
                                                "crude-rate", "utla", "financial")},
        areas_frame([(f"E06{i:06d}", i + 1, "utla", f"Area {i}", None, None)
                     for i in range(2000)]))
    name = sys.argv[1]
    options = (Options(format="fingertips", metric_key="continuity_of_care")
               if "fingertips" in name else Options())
    checked = check_file(Path(name), Path(name).name, reference, options)
    figures = 0 if checked.frame is None else checked.frame.height
    print(f"{peak_mb()}\\t{checked.rows_read}\\t{figures}\\t{checked.report.error_count}\\t"
          f"{checked.report.errors[:1]}")
""")


def check_in_child(path: Path) -> tuple[int, int, int, int, str]:
    result = subprocess.run(  # noqa: S603 - this interpreter, our own script and file
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    peak, rows, figures, errors, first = result.stdout.strip().split("\t")
    return int(peak), int(rows), int(figures), int(errors), first


RECORD_VALUES = {
    "breakdown_sex": ["Male", "Female", ""],
    "breakdown_age": ["18-24", "25-34", "35-44", "45-54", "55+"],
    "breakdown_ethnicity": ["White British", "Asian or Asian British", "Black", "Mixed",
                            "Other ethnic group"],
    "breakdown_substance": ["Opiates", "Alcohol only", "Cannabis", "Crack", "Other"],
    "breakdown_referral": ["Self-referral", "GP", "Criminal justice", "Hospital"],
}


def record_file(path: Path, rows: int, seed: int = 9) -> pl.DataFrame:
    """One row per hospital admission over five financial years, in 2,000 areas, with five
    breakdown columns: about 90 bytes a row. Returns what the file holds."""
    rng = np.random.default_rng(seed)
    dates = np.datetime64("2019-04-01") + rng.integers(0, 1827, rows).astype("timedelta64[D]")
    frame = pl.DataFrame({
        "metric": np.full(rows, "drug_hospital_admissions"),
        "area_code": np.array(AREAS)[rng.integers(0, len(AREAS), rows)],
        "date": dates,
        **{name: np.array(values)[rng.integers(0, len(values), rows)]
           for name, values in RECORD_VALUES.items()},
    })
    frame.write_csv(path)
    return frame


def expected_counts(frame: pl.DataFrame) -> int:
    """The figures a record-level file makes: per area and financial year, the total and
    each breakdown's values on their own (an empty value is the total)."""
    year = (pl.col("date").dt.year() - (pl.col("date").dt.month() < 4)).alias("year")
    figures = frame.select("area_code", year).n_unique()
    for name in RECORD_VALUES:
        figures += frame.filter(pl.col(name) != "").select("area_code", year, name).n_unique()
    return figures


def long_file(path: Path, rows: int) -> None:
    """Figures for 2,000 areas, 50 financial years and 20 age bands (no two alike), with
    numerator, denominator, value and 95% limits: about 90 bytes a row."""
    per_area = 50 * 20
    index = np.arange(rows)
    area, year, band = index // per_area, 2000 + index % per_area // 20, index % 20
    numerator = (index * 7919) % 5000
    denominator = numerator + 1 + (index * 104729) % 100_000
    value = np.round(numerator / denominator * 100, 4)
    pl.DataFrame({
        "metric": np.full(rows, "continuity_of_care"),
        "area_code": np.array(AREAS)[area],
        "period_from": np.char.add(year.astype(str), "-04-01"),
        "period_to": np.char.add((year + 1).astype(str), "-03-31"),
        "breakdown_age": np.char.add(np.char.add((band * 5).astype(str), "-"),
                                     (band * 5 + 4).astype(str)),
        "numerator": numerator, "denominator": denominator, "value": value,
        "lower_95": np.round(value * 0.9, 4), "upper_95": np.round(value * 1.1, 4),
    }).write_csv(path)


FINGERTIPS_HEADER = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
    "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,"
    "Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,"
    "Compared to England value or percentiles,Column not used,Time period Sortable,New data,"
    "Compared to goal,Time period range").split(",")


def fingertips_file(path: Path, rows: int) -> None:
    """A Fingertips export of one indicator (all 27 columns): 2,000 areas, 100 financial
    years, male and female, about 230 bytes a row."""
    index = np.arange(rows)
    year = 1950 + index // 2 % 100
    count = (index * 7919 % 1000).astype(float)
    denominator = count + 1 + index * 104729 % 5000
    value = np.round(count / denominator * 100, 6)
    columns = {name: np.full(rows, "") for name in FINGERTIPS_HEADER}
    columns.update({
        "Indicator ID": np.full(rows, "93517"),
        "Indicator Name": np.full(rows, "Proportion of opiates and/or crack cocaine users "
                                        "(i.e. OCU) not in treatment (%)"),
        "Parent Code": np.full(rows, "E92000001"), "Parent Name": np.full(rows, "England"),
        "Area Code": np.array(AREAS)[index // 200],
        "Area Name": np.char.add("Area ", (index // 200).astype(str)),
        "Area Type": np.full(rows, "UA"), "Sex": np.array(["Male", "Female"])[index % 2],
        "Age": np.full(rows, "15-64 yrs"),
        "Time period": np.char.add(np.char.add(year.astype(str), "/"),
                                   np.char.zfill(((year + 1) % 100).astype(str), 2)),
        "Value": value.astype(str), "Lower CI 95.0 limit": np.round(value * 0.9, 6).astype(str),
        "Upper CI 95.0 limit": np.round(value * 1.1, 6).astype(str),
        "Count": count.astype(str), "Denominator": denominator.astype(str),
        "Compared to England value or percentiles": np.full(rows, "Not compared"),
        "Time period Sortable": np.char.add(year.astype(str), "0000"),
        "Time period range": np.full(rows, "1y"),
    })
    pl.DataFrame(columns).write_csv(path)


def long_workbook(path: Path, rows: int) -> None:
    """The long format as an Excel sheet (text and numbers in cells as Excel writes them),
    its sheet written straight into the workbook (openpyxl would take minutes)."""
    cells = (b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>')

    def write(part):
        part.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                   b'main"><sheetData>')
        header = ["metric", "area_code", "period_from", "period_to", "breakdown_age",
                  "numerator", "denominator"]
        part.write(b'<row r="1">' + b"".join(cells % (b"ABCDEFG"[i:i + 1], 1, name.encode())
                                             for i, name in enumerate(header)) + b"</row>")
        for index in range(rows):
            number = index + 2
            area, year, band = index // 1000, 2000 + index % 1000 // 20, index % 20
            text = [b"continuity_of_care", AREAS[area].encode(), b"%d-04-01" % year,
                    b"%d-03-31" % (year + 1), b"%d-%d" % (band * 5, band * 5 + 4)]
            part.write(b'<row r="%d">' % number
                       + b"".join(cells % (b"ABCDE"[i:i + 1], number, t)
                                  for i, t in enumerate(text))
                       + b'<c r="F%d"><v>%d</v></c><c r="G%d"><v>%d</v></c></row>'
                       % (number, index % 50, number, 100 + index % 900))
        part.write(b"</sheetData></worksheet>")

    path.write_bytes(replace_part(workbook_bytes([["metric"]]), "xl/worksheets/sheet1.xml",
                                  write))


@pytest.mark.parametrize("kind", ["records.csv", "long.csv", "fingertips.csv", "long.xlsx"])
def test_large_legitimate_files_are_checked_in_bounded_memory(tmp_path, kind):
    """A file near the upload limit (100 MB; for CSV also near the limit of 1,048,576 rows)
    is read, checked and counted by a process whose peak resident size stays under 300 MB,
    with every figure it should make. (An XLSX this large would take openpyxl many minutes
    to read: 100,000 rows stand for it.)"""
    path = tmp_path / kind
    if kind == "records.csv":
        rows = 1_048_000
        figures = expected_counts(record_file(path, rows))
    elif kind == "long.csv":
        rows = figures = 1_048_000
        long_file(path, rows)
    elif kind == "fingertips.csv":
        rows = figures = 400_000  # 27 columns: 10.8 million cells
        fingertips_file(path, rows)
    else:
        rows = figures = 100_000
        long_workbook(path, rows)
    if kind.endswith(".csv"):
        assert 85 * MB < path.stat().st_size < 100 * MB
    peak, rows_read, figures_made, errors, first = check_in_child(path)
    assert (rows_read, figures_made, errors) == (rows, figures, 0), first
    assert peak < LIMIT_MB, f"{kind}: peak {peak} MB"


# ------------------------------------------------------ batches: as if read whole


@pytest.fixture
def small_batches(monkeypatch):
    """A CSV read 64 KB at a time, so a small file spans many batches."""
    monkeypatch.setattr(loading, "CSV_CHUNK_BYTES", 64 * 1024)


@pytest.mark.django_db
def test_a_record_level_file_read_in_many_batches_stores_the_counts_of_all_its_rows(
        tmp_path, small_batches):
    catalogue()
    from cdphub.geography.models import Area

    codes = list(Area.objects.filter(area_type="utla", valid_from__isnull=True,
                                     valid_to__isnull=True).values_list("code", flat=True)[:5])
    path = tmp_path / "records.csv"
    rng = np.random.default_rng(4)
    rows = 20_000  # about 1.2 MB: 19 batches
    pl.DataFrame({
        "metric": np.full(rows, "drug_hospital_admissions"),
        "area_code": np.array(codes)[rng.integers(0, len(codes), rows)],
        "date": np.datetime64("2020-04-01") + rng.integers(0, 731, rows).astype("timedelta64[D]"),
        "breakdown_sex": np.array(["Male", "Female", "Persons"])[rng.integers(0, 3, rows)],
    }).write_csv(path)
    load = load_bytes(path.read_bytes(), name="records.csv", file_format="records")
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    frame = pl.read_csv(path, try_parse_dates=True).with_columns(
        (pl.col("date").dt.year() - (pl.col("date").dt.month() < 4)).alias("year"))
    expected = {(r["area_code"], r["year"], ""): r["len"]
                for r in frame.group_by("area_code", "year").len().iter_rows(named=True)}
    for r in frame.filter(pl.col("breakdown_sex") != "Persons").group_by(
            "area_code", "year", "breakdown_sex").len().iter_rows(named=True):
        expected[(r["area_code"], r["year"], f"sex={r['breakdown_sex']}")] = r["len"]
    stored = {(o.area.code, o.period_start.year, o.breakdown): o.numerator
              for o in Observation.objects.filter(load=load).select_related("area")}
    assert stored == expected
    assert sum(v for (_a, _y, b), v in stored.items() if b == "") == rows
    assert load.rows_read == rows


@pytest.mark.django_db
def test_problems_in_many_batches_are_all_counted_and_the_first_1000_kept_in_row_order(
        small_batches):
    catalogue()
    lines = []
    for index in range(6000):  # each row its own day: no two alike
        day = (dt.date(1950, 1, 1) + dt.timedelta(days=index)).isoformat()
        area = "E06000001X" if index % 3 == 0 else "E06000001"  # not an area we know
        numerator = "forty" if index % 4 == 0 else "40"  # not a number
        lines.append(f"continuity_of_care,{area},{day},{day},,{numerator},100")
    lines.append(lines[1])  # row 6,002 repeats row 3, many batches later
    data = ("metric,area_code,period_from,period_to,breakdown_sex,numerator,denominator\n"
            + "\n".join(lines) + "\n").encode()
    assert len(data) > 5 * 64 * 1024
    load = load_bytes(data, name="many.csv")
    assert load.status == DataLoad.Status.FAILED
    assert load.error_count == 2000 + 1500 + 1  # areas, numbers, the repeated row
    assert len(load.errors) == 1000
    rows = [e["row"] for e in load.errors]
    assert rows == sorted(rows) and rows[0] == 2 and rows[-1] < 6000
    first = {(e["row"], e["column"]): e["message"] for e in load.errors}
    assert first[(2, "numerator")].startswith("'forty' is not a number")
    assert first[(2, "area_code")].startswith("'E06000001X' is not an area code we know")


@pytest.mark.django_db
def test_a_quoted_cell_over_several_lines_is_read_whole_across_a_batch_boundary(
        monkeypatch):
    catalogue()
    monkeypatch.setattr(loading, "CSV_CHUNK_BYTES", 256)
    rows = [f'continuity_of_care,E06000001,{y}-04-01,{y + 1}-03-31,"Persons\n",40,100'
            for y in range(2000, 2020)]
    data = ("metric,area_code,period_from,period_to,breakdown_sex,numerator,denominator\n"
            + "\n".join(rows) + "\n").encode()
    load = load_bytes(data, name="quoted.csv")
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    assert load.observations_stored == 20
    assert set(Observation.objects.filter(load=load).values_list("breakdown", flat=True)) \
        == {""}
