"""The one CSV and XLSX writer (cdphub.core.downloads): formulas defused, numbers kept."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from cdphub.core import downloads
from cdphub.core.downloads import Sheet, Styled

DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1",
             '=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-", "+", "=",
             "-2+3", "+44 20 7946 0000"]


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def workbook_row(*values, sheet_title: str = "Data"):
    content = downloads.xlsx_bytes([Sheet(sheet_title, [list(values)])])
    return list(load_workbook(io.BytesIO(content))[sheet_title].iter_rows())[0]


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_text_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert read_csv(downloads.csv_bytes([[text]])) == [["'" + text]]


@pytest.mark.parametrize("text", DANGEROUS)
def test_xlsx_text_that_starts_like_a_formula_is_quoted_text_never_a_formula(text):
    (cell,) = workbook_row(text)
    assert cell.data_type == "s"
    assert cell.value == text.replace("\r", "\n")  # XML reads a carriage return as a newline
    assert cell.quotePrefix


@pytest.mark.parametrize("text", ["plain", "1+1", "a=b", "'quoted", " =1+1", ""])
def test_other_text_is_written_as_it_is(text):
    assert read_csv(downloads.csv_bytes([[text, "end"]])) == [[text, "end"]]
    cell = workbook_row(text or None, "end")[0]
    assert cell.value == (text or None)
    assert not cell.quotePrefix


@pytest.mark.parametrize("number", [-3.5, -3, 0, 2.25, 1e-07, -1e20, Decimal("-4.10")])
def test_numbers_stay_numbers(number):
    assert read_csv(downloads.csv_bytes([[number]])) == [[str(number)]]
    (cell,) = workbook_row(number)
    assert cell.data_type == "n" and cell.value == float(number) and not cell.quotePrefix


@pytest.mark.parametrize("text", ["-3.5", "+2", "-1e5", "-.5"])
def test_text_that_is_only_a_number_is_not_defused(text):
    assert read_csv(downloads.csv_bytes([[text]])) == [[text]]


def test_none_and_non_finite_numbers_are_empty_cells():
    assert read_csv(downloads.csv_bytes([[None, float("nan"), float("inf"), "x"]])) == [
        ["", "", "", "x"]]
    row = workbook_row(None, float("nan"), float("-inf"), "x")
    assert [cell.value for cell in row] == [None, None, None, "x"]


def test_booleans_are_yes_and_no():
    assert read_csv(downloads.csv_bytes([[True, False]])) == [["yes", "no"]]
    assert [cell.value for cell in workbook_row(True, False)] == ["yes", "no"]


def test_dates_are_iso_in_csv_and_dates_in_xlsx(settings):
    settings.TIME_ZONE = "Europe/London"
    aware = dt.datetime(2024, 7, 1, 11, 30, tzinfo=dt.UTC)
    day = dt.date(2024, 5, 1)
    assert read_csv(downloads.csv_bytes([[day, aware]])) == [
        ["2024-05-01", "2024-07-01T11:30:00+00:00"]]
    first, second = workbook_row(day, aware)
    assert first.is_date and first.value == dt.datetime(2024, 5, 1)
    # Workbooks have no time zones: the local time (British Summer Time here).
    assert second.is_date and second.value == dt.datetime(2024, 7, 1, 12, 30)


def test_newlines_and_quotes_survive():
    text = 'line one\nline two, with "quotes"\r\nline three'
    assert read_csv(downloads.csv_bytes([[text]])) == [[text]]
    assert workbook_row(text)[0].value == text.replace("\r\n", "\n")  # as XML reads it


def test_very_long_text_is_whole_in_csv_and_cut_to_a_cells_limit_in_xlsx():
    text = "=" + "x" * 40_000
    assert read_csv(downloads.csv_bytes([[text]])) == [["'" + text]]
    (cell,) = workbook_row(text)
    assert len(cell.value) == downloads.XLSX_CELL_LIMIT
    assert cell.value.startswith("=xxx") and cell.value.endswith(downloads.CUT_NOTE)
    assert cell.data_type == "s" and cell.quotePrefix


def test_control_characters_a_workbook_cannot_hold_are_dropped_not_a_crash():
    assert workbook_row("a\x00b\x01c\x1fd")[0].value == "abcd"
    assert read_csv(downloads.csv_bytes([["a\x01b"]])) == [["a\x01b"]]


def test_restore_undoes_defuse_and_defusing_twice_changes_nothing():
    for text in [*DANGEROUS, "plain", "'plain", "-3.5", ""]:
        assert downloads.restore(downloads.defuse(text)) == text
        assert downloads.defuse(downloads.defuse(text)) == downloads.defuse(text)


def test_the_byte_order_mark_is_a_choice():
    assert downloads.csv_bytes([["a"]], bom=True) == b"\xef\xbb\xbfa\r\n"
    assert downloads.csv_bytes([["a"]]) == b"a\r\n"


def test_styles_apply_and_headers_are_bold_frozen_and_filtered():
    content = downloads.xlsx_bytes([
        Sheet("Data", [["name", "value"], ["=x", -1.5]], header=True, fit=(12, 60)),
        Sheet("About", [[Styled("Title", bold=True, size=14)],
                        ["On", Styled(dt.date(2024, 5, 1), number_format="d mmmm yyyy",
                                      align_left=True)]], widths={"B": 70}),
    ])
    book = load_workbook(io.BytesIO(content))
    data, about = book["Data"], book["About"]
    assert data["A1"].font.bold and data.freeze_panes == "A2" and data.auto_filter.ref == "A1:B2"
    assert data.column_dimensions["A"].width == 12
    assert about["A1"].font.bold and about["A1"].font.size == 14
    assert about["B2"].number_format == "d mmmm yyyy"
    assert about["B2"].alignment.horizontal == "left"
    assert about.column_dimensions["B"].width == 70


@pytest.mark.parametrize("name, expected", [
    ("report.csv", "report.csv"),
    ('a"b\r\nContent-Type: text/html.csv', "a-b-Content-Type-text-html.csv"),
    ("../../etc/passwd", "etc-passwd"),
    ("Café – résumé.xlsx", "Caf-r-sum-.xlsx"),
    ("...", "download"),
])
def test_filenames_are_safe(name, expected):
    assert downloads.safe_filename(name) == expected


def test_responses_carry_the_type_and_an_attachment_filename():
    response = downloads.csv_response([["a", "=b"]], 'x"y.csv', bom=True)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x-y.csv"'
    assert response.content == b"\xef\xbb\xbfa,'=b\r\n"
    workbook = downloads.xlsx_response([Sheet("Data", [["a"]])], "t.xlsx")
    assert workbook["Content-Type"] == downloads.XLSX_CONTENT_TYPE
    assert workbook["Content-Disposition"] == 'attachment; filename="t.xlsx"'
