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


# --- the convention: tables described by their columns (docs/downloads.md) ------------------

from cdphub.core.downloads import (  # noqa: E402
    COUNT,
    DATE,
    FLAG,
    NUMBER,
    About,
    Column,
    Table,
)


def sample_table(**about) -> Table:
    columns = [Column("name", "Area name"), Column("code", "Area code"),
               Column("value", "Value", NUMBER, 1), Column("count", "Count", COUNT),
               Column("start", "Period start", DATE), Column("synthetic", "Synthetic data", FLAG),
               Column("mixed", "Mixed value", NUMBER, decimals_key="places")]
    rows = [{"name": "=Bolton", "code": "E08000001", "value": 10.600000000000001,
             "count": 497.0, "start": dt.date(2023, 4, 1), "synthetic": True, "mixed": 12.0,
             "places": 0},
            {"name": "Bury", "code": "E08000002", "value": 1 / 3, "count": None,
             "synthetic": False, "mixed": 2.25, "places": 2}]
    return Table(columns, rows, About(title="Test table", url="http://x.example/page",
                                      filters=[("Region", "North West")], **about))


@pytest.mark.parametrize("heading", ["area_code", "area code", "Area_code", "", "-Value",
                                     "value"])
def test_headings_must_be_words_in_sentence_case(heading):
    with pytest.raises(ValueError):
        Column("x", heading)


def test_two_columns_with_one_heading_are_refused():
    with pytest.raises(ValueError):
        Table([Column("a", "Value"), Column("b", "Value")], [], About(title="t"))


def test_decimals_are_only_for_numbers():
    with pytest.raises(ValueError):
        Column("x", "Name", decimals=1)
    with pytest.raises(ValueError):
        Column("x", "Value", NUMBER, -1)


def test_csv_has_a_byte_order_mark_headings_and_numbers_at_full_precision():
    content = downloads.table_csv(sample_table())
    assert content.startswith(b"\xef\xbb\xbf")
    header, first, second = read_csv(content)
    assert header == ["Area name", "Area code", "Value", "Count", "Period start",
                      "Synthetic data", "Mixed value"]
    # Every digit the figure has (the writer rounds nothing); a whole count is whole; a
    # whole number shown without decimals is written without ".0".
    assert first == ["'=Bolton", "E08000001", "10.600000000000001", "497", "2023-04-01",
                     "yes", "12"]
    assert second == ["Bury", "E08000002", repr(1 / 3), "", "", "no", "2.25"]


def test_xlsx_has_a_frozen_filtered_header_widths_formats_and_an_about_sheet():
    book = load_workbook(io.BytesIO(downloads.table_xlsx(sample_table(notes=["A note"]))))
    assert book.sheetnames == ["Data", "About"]
    data = book["Data"]
    assert [c.value for c in data[1]] == ["Area name", "Area code", "Value", "Count",
                                         "Period start", "Synthetic data", "Mixed value"]
    assert all(c.font.bold for c in data[1])
    assert data.freeze_panes == "A2" and data.auto_filter.ref == "A1:G3"
    assert all(data.column_dimensions[letter].customWidth for letter in "ABCDEFG")
    assert data.column_dimensions["A"].width >= len("Area name")
    # The cell keeps every digit a spreadsheet holds (openpyxl writes 16 significant
    # digits, so 10.600000000000001 is stored as 10.6); the format shows the published places.
    assert data["C2"].value == 10.6 and data["C2"].number_format == "#,##0.0"
    assert data["C3"].value == pytest.approx(1 / 3, rel=1e-15)
    assert data["D2"].value == 497 and data["D2"].number_format == "#,##0"
    assert data["E2"].is_date and data["E2"].number_format == "d mmm yyyy"
    assert data["F2"].value == "yes"
    assert data["G2"].number_format == "#,##0" and data["G3"].number_format == "#,##0.00"
    assert data["A2"].value == "=Bolton" and data["A2"].data_type == "s"
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)
             if row[0] is not None and len(row) > 1}
    assert book["About"]["A1"].value == "Test table"
    assert about["From the page"] == "http://x.example/page"
    assert about["Filter: Region"] == "North West"
    assert isinstance(about["Generated at"], dt.datetime)
    assert about["Small numbers"] == downloads.NO_STATISTICS_NOTE
    assert about["Licence"] == downloads.RESTRICTED_LICENCE and about["Note"] == "A note"


def test_about_says_no_filters_and_carries_the_suppression_note_for_statistics():
    rows = About(title="t", suppression=downloads.SUPPRESSION_NOTE).rows()
    labels = {row[0]: row[1] for row in rows if len(row) > 1}
    assert labels["Filters applied"] == "None"
    assert labels["Small numbers"] == downloads.SUPPRESSION_NOTE


def test_table_responses_are_csv_or_xlsx_and_nothing_else():
    from django.http import Http404

    csv_file = downloads.table_response(sample_table(), "csv", "areas")
    assert csv_file["Content-Disposition"] == 'attachment; filename="areas.csv"'
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    book = downloads.table_response(sample_table(), "xlsx", "areas")
    assert book["Content-Type"] == downloads.XLSX_CONTENT_TYPE
    with pytest.raises(Http404):
        downloads.table_response(sample_table(), "pdf", "areas")
