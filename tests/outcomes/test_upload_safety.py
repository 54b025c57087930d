"""Uploads that cannot hurt: files crafted to take memory or time, files that would otherwise
stop a load "unexpectedly", huge cells, duplicated columns, a partnership's rows outside its
footprint, and the files interrupted uploads leave behind."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from cdphub.geography.models import Area
from cdphub.outcomes import loading, store
from cdphub.outcomes.loading import parse_time_period
from cdphub.outcomes.models import DataLoad, Observation
from cdphub.outcomes.store import create_load
from cdphub.outcomes.uploads import remove_orphan_uploads
from cdphub.partnerships.models import Partnership
from tests.conftest import sign_in
from tests.outcomes.loading_helpers import (
    LONG_HEADER,
    catalogue,
    cover,
    csv_bytes,
    load_bytes,
    local_metric,
)

pytestmark = pytest.mark.django_db

FY19 = "2019-04-01,2020-03-31"
FY20 = "2020-04-01,2021-03-31"
HEADER = ["metric", "area_code", "period_from", "period_to", "numerator", "denominator"]
ROW = ["continuity_of_care", "E06000001", "2019-04-01", "2020-03-31", 40, 100]
MB = 1024 * 1024


@pytest.fixture
def metrics(db):
    return catalogue()


# ------------------------------------------------------------------------ crafting files


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, edit) -> bytes:
    """The workbook with each part passed through ``edit(name, body)`` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = edit(info.filename, source.read(info.filename))
            if body is not None:
                target.writestr(info.filename, body)
    return out.getvalue()


def edit_sheet(data: bytes, edit) -> bytes:
    return rezip(data, lambda name, body: edit(body) if name == "xl/worksheets/sheet1.xml"
                 else body)


def replace_part(data: bytes, name: str, write) -> bytes:
    """The workbook with part ``name`` written, streamed, by ``write(handle)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        with target.open(name, "w", force_zip64=True) as part:
            write(part)
    return out.getvalue()


def stale_dimension() -> bytes:
    """20 rows of figures in a sheet that declares it is A1:E11."""
    rows = [HEADER] + [["continuity_of_care", "E06000001", f"{2000 + i}-04-01",
                        f"{2001 + i}-03-31", i + 1, 100] for i in range(20)]
    return edit_sheet(workbook_bytes(rows), lambda body: re.sub(
        rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:E11"/>', body))


def header_to_xfd() -> bytes:
    """Header cells in A1, B1 and XFD1, and 2,000 one-cell rows: about 15 KB."""
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"], sheet["XFD1"] = "metric", "area_code", "x"
    for row in range(2, 2002):
        sheet.cell(row=row, column=1, value="continuity_of_care")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def shared_strings(count: int, *, each: bytes | None = None):
    def write(part):
        part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        if each is not None:  # the same string over and over: compresses about 400 to 1
            block = b"<si><t>%s</t></si>" % each * 10_000
            for _ in range(count // 10_000):
                part.write(block)
        else:
            for start in range(0, count, 10_000):
                part.write(b"".join(b"<si><t>%d</t></si>" % i
                                    for i in range(start, min(count, start + 10_000))))
        part.write(b"</sst>")
    return write


def shared_strings_bomb() -> bytes:
    """100 MB of shared text in a file of a quarter of a megabyte."""
    return replace_part(workbook_bytes([HEADER, ROW]), "xl/sharedStrings.xml",
                        shared_strings(6_000_000, each=b"a"))


def lying(bomb: bytes) -> bytes:
    """The bomb, with the zip's sizes claiming the part unpacks to 1,000 bytes."""
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        size = archive.getinfo("xl/sharedStrings.xml").file_size
    # The size is in the part's own header (Zip64, 8 bytes) and in the directory (4 bytes).
    for width in (8, 4):
        bomb = bomb.replace(size.to_bytes(width, "little"), (1000).to_bytes(width, "little"))
    return bomb


def many_small_strings() -> bytes:
    """Under the limit on shared text, but as many strings as fit: what it costs stays
    bounded."""
    return replace_part(workbook_bytes([HEADER, ROW]), "xl/sharedStrings.xml",
                        shared_strings(1_400_000))


def huge_cell(size: int) -> bytes:
    """A sheet whose second row holds one cell of ``size`` characters."""
    def write(part):
        part.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                   b'main"><sheetData><row r="1">')
        for index, name in enumerate(HEADER):
            part.write(b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>'
                       % (b"ABCDEF"[index:index + 1], name.encode()))
        part.write(b'</row><row r="2"><c r="E2" t="inlineStr"><is><t>')
        for _ in range(size // MB):
            part.write(b"9" * MB)
        part.write(b"9" * (size % MB) + b"</t></is></c></row></sheetData></worksheet>")
    return replace_part(workbook_bytes([]), "xl/worksheets/sheet1.xml", write)


# ----------------------------------------------------------- memory: measured in a child


PEAK_MB = textwrap.dedent("""
    import re, resource

    def peak_mb():
        # VmHWM: the peak resident size of this program since it started. (ru_maxrss would
        # also count the pytest process this one was forked from, before it started.)
        try:
            with open("/proc/self/status") as status:
                return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read())[1]) // 1024
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
""")

CHILD = PEAK_MB + textwrap.dedent("""
    import sys
    from pathlib import Path
    from cdphub.outcomes.loading import MetricInfo, Reference, areas_frame, check_file

    reference = Reference(
        {"continuity_of_care": MetricInfo(1, "continuity_of_care", "Continuity", "proportion",
                                          "utla", "financial")},
        areas_frame([("E06000001", 1, "utla", "Hartlepool", None, None)]))
    for name in sys.argv[1:]:
        checked = check_file(Path(name), Path(name).name, reference)
        first = checked.report.errors[0]["message"] if checked.report.errors else "no errors"
        print(f"{Path(name).name}\\t{peak_mb()}\\t{checked.rows_read}\\t{first[:300]}", flush=True)
""")


def test_crafted_files_are_refused_in_bounded_memory(tmp_path):
    """Every crafted file under the upload limit is read (or refused) by a fresh process
    whose peak memory (its peak resident size, which sees what Polars and NumPy allocate as
    well as Python; tracemalloc would not) stays under 300 MB. Each file's line reports the
    peak so far, so a file that raised it is the one named."""
    files = {
        "stale.xlsx": stale_dimension(),
        "xfd.xlsx": header_to_xfd(),
        "bomb.xlsx": (bomb := shared_strings_bomb()),
        "lying.xlsx": lying(bomb),
        "strings.xlsx": many_small_strings(),
        "cell.xlsx": huge_cell(50 * MB),
        "wide.csv": b"," * 2_000_000 + b"\n1\n",
        "tall.csv": (LONG_HEADER + "\n").encode() + b"x\n" * 2_000_000,
        "cell.csv": csv_bytes(f"continuity_of_care,E06000001,{FY19}," + "9" * 5_000_000
                              + ",100", header=",".join(HEADER)),
    }
    for name, data in files.items():
        assert len(data) < 100 * MB
        (tmp_path / name).write_bytes(data)
    result = subprocess.run(  # noqa: S603 - this interpreter, our own script and files
        [sys.executable, "-c", CHILD, *(str(tmp_path / n) for n in files)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = {line.split("\t")[0]: line.split("\t")[1:]
             for line in result.stdout.splitlines()}
    assert set(lines) == set(files), result.stdout
    for name, (peak, _rows, _message) in lines.items():
        assert int(peak) < 300, f"{name}: peak {peak} MB\n{result.stdout}"
    assert lines["stale.xlsx"][1:] == ["20", "no errors"]
    assert "The sheet has 16,384 columns (its header row reaches column XFD); cdphub reads " \
        "at most 100. Delete the empty columns" in lines["xfd.xlsx"][2]
    assert "xl/sharedStrings.xml unpacks to 102,000,077 bytes" in lines["bomb.xlsx"][2]
    assert "The workbook is damaged: its part xl/sharedStrings.xml" in lines["lying.xlsx"][2]
    assert lines["strings.xlsx"][1] == "1"
    assert "holds a piece of text longer than 262,144 bytes" in lines["cell.xlsx"][2]
    assert "The sheet has 2,000,001 columns" in lines["wide.csv"][2]
    assert "The file has 2,000,000 rows of data; cdphub reads at most 1,048,576" \
        in lines["tall.csv"][2]
    assert "This cell holds 5,000,000 characters; cdphub reads at most 32,767" \
        in lines["cell.csv"][2]


# ------------------------------------------------------------------------- stale <dimension>


def test_a_sheet_with_a_stale_dimension_loads_every_row(metrics):
    data = stale_dimension()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b'<dimension ref="A1:E11"/>' in archive.read("xl/worksheets/sheet1.xml")
    load = load_bytes(data, name="figures.xlsx")
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    assert (load.rows_read, load.observations_stored) == (20, 20)
    # Column F (beyond the declared E) is read too: every figure has its denominator.
    assert set(Observation.objects.filter(load=load).values_list("denominator", flat=True)) \
        == {100}


# ---------------------------------------------------------------------------------- limits


def assert_refused(load, row, column, *phrases):
    assert load.status == DataLoad.Status.FAILED
    assert load.observations_stored == 0 and not Observation.objects.filter(load=load).exists()
    assert all("stopped unexpectedly" not in e["message"] for e in load.errors), load.errors
    named = [e for e in load.errors if (e["row"], e["column"]) == (row, column)]
    assert named, f"no problem at row {row}, column {column}: {load.errors}"
    for phrase in phrases:
        assert any(phrase in e["message"] for e in named), (phrase, named)


def test_a_header_reaching_column_xfd_is_refused_naming_the_limit(metrics):
    load = load_bytes(header_to_xfd(), name="figures.xlsx")
    assert_refused(load, 1, "XFD", "The sheet has 16,384 columns", "reads at most 100",
                   "Delete the empty columns")


def test_a_csv_with_too_many_columns_rows_or_cells(metrics, monkeypatch):
    wide = ",".join(f"c{i}" for i in range(101)) + "\n"
    assert_refused(load_bytes(wide.encode()), 1, "CW", "The sheet has 101 columns")
    tall = csv_bytes(*[f"continuity_of_care,E06000001,{FY19},,1,2"] * 1_048_577)
    assert_refused(load_bytes(tall), 1_048_578, "",
                   "The file has 1,048,577 rows of data; cdphub reads at most 1,048,576")
    monkeypatch.setattr(loading, "MAX_CELLS", 30)
    assert_refused(load_bytes(csv_bytes(*[f"continuity_of_care,E06000001,{FY19},,1,2"] * 5)),
                   None, "", "The file has 5 rows of 7 columns, 35 cells; cdphub reads at "
                   "most 30")


def test_an_xlsx_with_too_many_rows_or_cells(metrics, monkeypatch):
    gap = edit_sheet(workbook_bytes([HEADER, ROW]),
                     lambda body: body.replace(b'<row r="2"', b'<row r="2000000"')
                     .replace(b'r="A2"', b'r="A2000000"'))
    assert_refused(load_bytes(gap, name="figures.xlsx"), 1_048_578, "",
                   "The sheet goes on past row 1,048,577; cdphub reads at most 1,048,576 "
                   "rows of data")
    monkeypatch.setattr(loading, "MAX_CELLS", 30)
    load = load_bytes(workbook_bytes([HEADER, *[ROW] * 6]), name="figures.xlsx")
    assert_refused(load, None, "", "The file has 6 rows of 6 columns, 36 cells; cdphub reads "
                   "at most 30")


# ---------------------------------------------------- every failure names the problem


def formulas_dates_and_errors() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["continuity_of_care", "E06000001", dt.datetime(2019, 4, 1),
                  dt.date(2020, 3, 31), 40, "#DIV/0!"])
    sheet.append(["continuity_of_care", "E06000002", dt.time(12, 0), dt.timedelta(days=3),
                  "=SUM(A1:A2)", 100])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def no_sheets() -> bytes:
    def edit(name, body):
        if name == "xl/worksheets/sheet1.xml":
            return None
        if name == "xl/workbook.xml":
            return re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", body)
        return body
    return rezip(workbook_bytes([HEADER, ROW]), edit)


GOOD_XLSX = workbook_bytes([HEADER, ROW])
H = ",".join(HEADER)
L = f"continuity_of_care,E06000001,{FY19},40,100"

BAD_FILES = [
    # name, data, row, column, phrase
    ("truncated.xlsx", GOOD_XLSX[:len(GOOD_XLSX) // 2], None, "",
     "not a complete Excel workbook"),
    ("no-sheets.xlsx", no_sheets(), None, "", "The workbook has no worksheets"),
    ("really-a-csv.xlsx", csv_bytes(L, header=H), None, "",
     "If it is a CSV file, rename it to .csv"),
    ("old-excel.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), None, "",
     "Excel 97-2003 workbook (.xls)"),
    ("really-an-xlsx.csv", GOOD_XLSX, None, "", "an Excel workbook saved with a .csv name"),
    ("formulas.xlsx", formulas_dates_and_errors(), 2, "denominator",
     "'#DIV/0!' is not a number"),
    ("formulas.xlsx", formulas_dates_and_errors(), 3, "period_from",
     "'12:00:00' is not a date from 1900 to 2099"),
    ("dtd.xlsx", edit_sheet(GOOD_XLSX, lambda b: b.replace(
        b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aa">]><worksheet', 1)), None, "",
     "document type definition"),
    ("beyond.xlsx", edit_sheet(GOOD_XLSX, lambda b: b.replace(
        b"</row></sheetData>",
        b'<c r="Z2" t="inlineStr"><is><t>stray</t></is></c></row></sheetData>')), 2, "Z",
     "Row 2 has a value in column Z, which has no name in the header row"),
    ("windows.csv", csv_bytes(L) + "caf\xe9,E06000001,2019-04-01,2020-03-31,,1,2\n"
     .encode("cp1252"), 3, "metric", "'café' is not a metric we know"),
    ("nul.csv", csv_bytes(f"continuity_of_care,E06000001,{FY19},Fem\x00ale,40,100"), 2,
     "breakdown_sex", "zero byte (NUL character)"),
    ("utf16.csv", csv_bytes(L, header=H).decode().encode("utf-16"), None, "",
     "saved as UTF-16"),
    ("ragged.csv", csv_bytes(L, L + ",extra", header=H), 3, "G",
     "Row 3 has 7 cells but the header row names 6 columns"),
    ("quote.csv", csv_bytes(L, '"' + L, L, header=H), 3, "",
     "A quotation mark in row 3 (or soon after) is never closed"),
    ("semicolons.csv", csv_bytes(L.replace(",", ";"), header=H.replace(",", ";")), 1, "",
     "separated by semicolons, not commas"),
    ("header-only.csv", csv_bytes(header=H), 2, "", "There are no rows of figures"),
    ("empty.csv", b"", 1, "area_code", "The file has no 'area_code' column"),
    ("far-future.csv", csv_bytes("continuity_of_care,E06000001,9999-04-01,9999-12-31,,1,2"),
     2, "period_from", "'9999-04-01' is not a date from 1900 to 2099"),
]


@pytest.mark.parametrize(("name", "data", "row", "column", "phrase"), BAD_FILES,
                         ids=[f"{b[0]}-{b[3] or b[2]}" for b in BAD_FILES])
def test_every_bad_file_fails_with_a_named_problem(metrics, name, data, row, column, phrase):
    load = load_bytes(data, name=name)
    assert_refused(load, row, column, phrase)


def test_records_far_in_the_future_are_refused_by_the_row(metrics):
    data = b"metric,area_code,date\nnumbers_in_treatment,E92000001,9999-12-31\n" \
        b"numbers_in_treatment,E92000001,0001-01-01\n"
    load = load_bytes(data, file_format="records")
    assert_refused(load, 2, "date", "'9999-12-31' is not a date from 1900 to 2099")
    assert [e["row"] for e in load.errors] == [2, 3]


@pytest.mark.parametrize("text", ["9999/00", "0000", "9999 - 00", "2019/20 - 99/00"])
def test_fingertips_periods_outside_the_calendar_are_not_recognised(text):
    assert parse_time_period(text) is None


def test_ragged_rows_with_only_empty_extra_cells_load(metrics):
    load = load_bytes(csv_bytes(L + ",,", header=H))
    assert load.status == DataLoad.Status.COMPLETE, load.errors


# ------------------------------------------------------------------------ long cells


def test_a_5mb_cell_is_named_and_never_echoed_whole(metrics, client, world):
    data = csv_bytes(f"continuity_of_care,E06000001,{FY19},," + "9" * 5_000_000 + ",100")
    sign_in(client, world.central_analyst)
    response = client.post(reverse("outcomes:load-new"), {
        "file": SimpleUploadedFile("figures.csv", data, content_type="text/csv"),
        "format": "long", "partnership": ""})
    load = DataLoad.objects.get()
    assert_refused(load, 2, "numerator", "This cell holds 5,000,000 characters; cdphub "
                   "reads at most 32,767 in a cell", "(5,000,000 characters in all)")
    assert max(len(e["message"]) for e in load.errors) < 600
    page = client.get(response["Location"]).content.decode()
    assert "5,000,000 characters" in page and "9" * 1000 not in page
    assert len(page) < 100_000
    report = client.get(reverse("outcomes:load-report", args=[load.pk])).content.decode()
    assert "9" * 1000 not in report and len(report) < 10_000


def test_an_unexpected_stop_does_not_echo_a_huge_message(metrics):
    """The last resort ("The load stopped unexpectedly (…)") cuts the error's text short too."""
    huge = RuntimeError("z" * 5_000_000)
    with mock.patch.object(store, "check_file", side_effect=huge), \
            pytest.raises(RuntimeError):
        load_bytes(csv_bytes(L))
    load = DataLoad.objects.get()
    assert load.status == DataLoad.Status.FAILED
    message = load.errors[0]["message"]
    assert message.startswith("The load stopped unexpectedly (RuntimeError: zzz")
    assert "(5,000,000 characters in all)" in message and len(message) < 600


def test_a_long_cell_quoted_in_a_message_is_cut_to_200_characters(metrics):
    load = load_bytes(csv_bytes(f"continuity_of_care,E06000001,{FY19},," + "x" * 1000
                                + ",100"))
    assert_refused(load, 2, "numerator", "is not a number")
    message = load.errors[0]["message"]
    assert "'" + "x" * 200 + "… (1,000 characters in all)' is not a number" in message
    assert "x" * 201 not in message


def test_a_long_header_is_refused_and_cut_short(metrics):
    load = load_bytes(csv_bytes(header=LONG_HEADER + "," + "h" * 40_000))
    assert_refused(load, 1, "H", "The header of column H is 40,000 characters long")


# -------------------------------------------------------------------- duplicated columns


@pytest.mark.parametrize("second", ["Numerator", " numerator", "NUMERATOR "])
def test_a_second_numerator_column_is_an_error_naming_both(metrics, second):
    header = ",".join([*HEADER, second])
    load = load_bytes(csv_bytes(L + ",41", header=header))
    assert_refused(load, 1, second.strip(),
                   f"Columns E ('numerator') and G ('{second.strip()}') have the same name")
    xlsx = load_bytes(workbook_bytes([[*HEADER, second], [*ROW, 41]]), name="figures.xlsx")
    assert_refused(xlsx, 1, second.strip(), "Columns E ('numerator') and G")


def test_duplicated_fingertips_columns_are_an_error(metrics, world):
    local_metric(world.partnership_a)
    header = "Indicator ID,Area Code,Time period,Value,Count,Denominator,count"
    load = load_bytes(csv_bytes("93517,E06000001,2019/20,50,5,10,6", header=header),
                      file_format="fingertips", metric_key="ocu_not_in_treatment")
    assert_refused(load, 1, "count", "Columns E ('Count') and G ('count')")


# ----------------------------------------------------------------- partnership footprint


@pytest.fixture
def tees(metrics):
    north_east = Area.objects.get(code="E12000001")
    partnership = Partnership.objects.create(name="Tees Valley CDP", slug="tees-valley",
                                             region=north_east)
    cover(partnership, "E06000001", since=dt.date(2019, 4, 1))
    local_metric(partnership, key="naloxone_kits", method="count")
    local_metric(partnership, key="police_referrals", method="count", geography="pfa")
    return partnership


def test_a_partnerships_file_is_refused_for_areas_outside_its_footprint(tees):
    load = load_bytes(csv_bytes(
        f"naloxone_kits,E06000001,{FY19},,12,",   # Hartlepool: in the footprint
        f"naloxone_kits,E06000002,{FY19},,7,",    # Middlesbrough: not
        f"naloxone_kits,E92000001,{FY19},,900,",  # England: always
        f"naloxone_kits,E12000001,{FY19},,80,",   # its region
        f"naloxone_kits,E12000002,{FY19},,95,",   # another region
        f"police_referrals,E23000013,{FY19},,30,",  # Cleveland, Hartlepool's force
        f"police_referrals,E23000008,{FY19},,31,",  # Durham: not
    ), partnership=tees)
    assert load.status == DataLoad.Status.FAILED and Observation.objects.count() == 0
    assert [(e["row"], e["column"]) for e in load.errors] == [
        (3, "area_code"), (6, "area_code"), (8, "area_code")]
    assert load.errors[0]["message"].startswith(
        "E06000002 (Middlesbrough) is not in Tees Valley CDP's footprint during 1 April 2019 "
        "to 31 March 2020. A partnership's file may hold figures only for the authorities its "
        "footprint covers")
    assert "E12000002 (North West) is not in Tees Valley CDP's footprint" \
        in load.errors[1]["message"]
    assert "E23000008 (Durham) is not in Tees Valley CDP's footprint" \
        in load.errors[2]["message"]


def test_a_partnerships_footprint_is_taken_on_the_periods_dates(tees, world):
    # Hartlepool moves to another partnership from April 2020: Tees may load 2019/20 (and,
    # as the computed values count them, years before it first covered it), not 2020/21.
    coverage = tees.coverages.get()
    coverage.valid_to = dt.date(2020, 3, 31)
    coverage.save()
    cover(world.partnership_b, "E06000001", since=dt.date(2020, 4, 1))
    refused = load_bytes(csv_bytes(f"naloxone_kits,E06000001,{FY19},,12,",
                                   f"naloxone_kits,E06000001,{FY20},,13,"), partnership=tees)
    assert [(e["row"], e["column"]) for e in refused.errors] == [(3, "area_code")]
    assert "Hartlepool) is not in Tees Valley CDP's footprint during 1 April 2020 to 31 " \
        "March 2021" in refused.errors[0]["message"]
    history = load_bytes(csv_bytes(f"naloxone_kits,E06000001,{FY19},,12,",
                                   "naloxone_kits,E06000001,2017-04-01,2018-03-31,,9,"),
                         partnership=tees)
    assert history.status == DataLoad.Status.COMPLETE, history.errors


def test_record_level_partnership_files_are_checked_on_the_records_dates(tees):
    data = b"metric,area_code,date\nnaloxone_kits,E06000001,2019-06-01\n" \
        b"naloxone_kits,E06000002,2019-06-02\n"
    load = load_bytes(data, file_format="records", partnership=tees)
    assert [(e["row"], e["column"]) for e in load.errors] == [(3, "area_code")]
    assert "E06000002 (Middlesbrough) is not in Tees Valley CDP's footprint on 2 June 2019" \
        in load.errors[0]["message"]


def test_national_loads_are_not_limited_to_a_footprint(metrics):
    load = load_bytes(csv_bytes(f"continuity_of_care,E06000002,{FY19},,40,100"))
    assert load.status == DataLoad.Status.COMPLETE, load.errors


# ---------------------------------------------------------- files interrupted uploads leave


def age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_orphan_load_files_and_upload_temporary_files_are_removed(settings, tmp_path, metrics):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploading"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    kept = create_load(source=io.BytesIO(b"a,b\n"), file_name="kept.csv", file_format="long")
    orphan = default_storage.save("loads/2026/05/orphan.csv", ContentFile(b"x" * 1000))
    fresh = default_storage.save("loads/2026/05/fresh.csv", ContentFile(b"y"))
    media = Path(settings.MEDIA_ROOT)
    for name in (kept.file.name, orphan):
        age(media / name, 2)
    left = tempfile.NamedTemporaryFile(suffix=".upload.csv", dir=settings.FILE_UPLOAD_TEMP_DIR,
                                       delete=False)
    left.write(b"z" * 500)
    left.close()
    age(Path(left.name), 2)
    uploading = tempfile.NamedTemporaryFile(suffix=".upload.xlsx",
                                            dir=settings.FILE_UPLOAD_TEMP_DIR, delete=False)
    uploading.close()
    other = settings.FILE_UPLOAD_TEMP_DIR / "notes.txt"
    other.write_text("not an upload")
    age(other, 2)

    dry = remove_orphan_uploads(dry_run=True)
    assert sorted(dry.files) == sorted([orphan, left.name]) and dry.bytes == 1500
    assert default_storage.exists(orphan) and Path(left.name).exists()

    removed = remove_orphan_uploads()
    assert sorted(removed.files) == sorted([orphan, left.name])
    assert not default_storage.exists(orphan) and not Path(left.name).exists()
    # A load's own file, a file stored moments ago (its load not yet recorded), an upload
    # still being written and anything that is not an upload stay.
    assert default_storage.exists(kept.file.name) and default_storage.exists(fresh)
    assert Path(uploading.name).exists() and other.exists()


def test_the_command_removes_orphans_and_refuses_a_short_wait(settings, tmp_path, metrics):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploading"
    orphan = default_storage.save("loads/2026/05/orphan.csv", ContentFile(b"x" * 10))
    age(Path(settings.MEDIA_ROOT) / orphan, 2)
    out = io.StringIO()
    call_command("clean_uploads", "--dry-run", stdout=out)
    assert f"{orphan}\nWould remove 1 file (10 bytes)." in out.getvalue()
    assert default_storage.exists(orphan)
    call_command("clean_uploads", stdout=(out := io.StringIO()))
    assert "Removed 1 file (10 bytes)." in out.getvalue()
    assert not default_storage.exists(orphan)
    with pytest.raises(CommandError, match="at least 10 minutes"):
        call_command("clean_uploads", "--older-than", "1")


def test_every_upload_sweeps_what_earlier_interrupted_uploads_left(settings, tmp_path, client,
                                                                   world, metrics):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploading"
    orphan = default_storage.save("loads/2026/05/orphan.csv", ContentFile(b"x"))
    age(Path(settings.MEDIA_ROOT) / orphan, 2)
    sign_in(client, world.central_analyst)
    client.post(reverse("outcomes:load-new"), {
        "file": SimpleUploadedFile("figures.csv", csv_bytes(L, header=H)),
        "format": "long", "partnership": ""})
    load = DataLoad.objects.get()
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    assert not default_storage.exists(orphan) and default_storage.exists(load.file.name)


def test_a_load_that_cannot_be_recorded_leaves_no_file(metrics, settings):
    with mock.patch.object(DataLoad, "save", side_effect=RuntimeError("database gone")), \
            pytest.raises(RuntimeError):
        create_load(source=io.BytesIO(b"a,b\n"), file_name="lost.csv", file_format="long")
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == [], stored


def test_uploads_stream_to_a_folder_in_the_media_store():
    from cdphub.config.settings import base

    assert base.FILE_UPLOAD_TEMP_DIR == base.MEDIA_ROOT / "uploading"
    assert base.FILE_UPLOAD_TEMP_DIR.is_dir()


def test_the_load_command_names_the_problem_with_a_crafted_file(tmp_path, metrics):
    for name, data, phrase in (("figures.xlsx", header_to_xfd(), "The sheet has 16,384 columns"),
                               ("cut.xlsx", GOOD_XLSX[:1000], "not a complete Excel workbook")):
        path = tmp_path / name
        path.write_bytes(data)
        out = io.StringIO()
        with pytest.raises(CommandError, match="Nothing was loaded: 1 problem"):
            call_command("load", str(path), stdout=out)
        assert phrase in " ".join(out.getvalue().split())


def test_empty_lines_before_a_csv_header_are_skipped(metrics):
    load = load_bytes(b"\r\n\n" + csv_bytes(L, header=H))
    assert load.status == DataLoad.Status.COMPLETE, load.errors
