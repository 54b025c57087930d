"""Every download against the one convention (docs/downloads.md).

The walk in ``test_download_walk`` finds every download (it fails when one is not listed in
``DOWNLOADS``); this test fetches each of them, with the hostile data planted there and the
figures marked synthetic and compared with England, and checks the file against the
convention, stated here independently of the writer:

- CSV: UTF-8 with a byte-order mark; headings in words (start with a capital letter or a
  digit, no underscores, none snake_case), none repeated;
- files of figures: the period's label, first and last day; England's value; the synthetic
  flag, "yes" on synthetic rows; no denominator for a count; comparisons in the words the
  metric page shows, never the stored codes (``worst``, ``best``); a code beside every name;
- XLSX: the header bold, frozen and filtered; every column given a width; figures with a
  number format showing the published decimal places while the cell keeps every digit; an
  "About" sheet with the title, source, the page's address, when it was made, the filters,
  the small-numbers note and the licence.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cdphub.outcomes.models import ComputedValue
from tests.conftest import sign_in
from tests.core.test_download_walk import DOWNLOADS, hostile  # noqa: F401 (a fixture)
from tests.core.test_url_permissions import _concrete_kwargs

BOM = b"\xef\xbb\xbf"
WORDS = re.compile(r"[A-Z0-9][^_\n]*")
SNAKE = re.compile(r"[a-z0-9]+(_[a-z0-9]+)+")
#: How the metric page words a comparison with England (the page, not the writer, is the
#: reference: see ``test_comparisons_use_the_words_of_the_page``).
STORED_CODES = {"best", "better", "similar", "worse", "worst", "higher", "lower"}
FIGURE_DOWNLOADS = ("partnerships:outcomes-download", "partnerships:outcome-metric-download",
                    "outcomes:commitments-download")
ABOUT_LABELS = ("Source", "From the page", "Generated at", "Small numbers", "Licence")
DECIMALS_FORMAT = re.compile(r"#,##0(\.0+)?")


@pytest.fixture
def compared(hostile):  # noqa: F811 (the fixture, imported above)
    """The planted figures are synthetic and significantly worse than England (99.8%), and
    the count's denominator is stored as 0 (as counts' are)."""
    ComputedValue.objects.filter(metric__key=hostile.hostile_metric_key).update(
        comparison="worst", comparison_region="best", is_synthetic=True, denominator=0.0)
    return hostile


def fetch_all(client, world):
    sign_in(client, world.central_admin)
    for name, variants in DOWNLOADS.items():
        for kwargs, query, _payloads, _numbers in variants:
            url = reverse(name.split("?")[0], kwargs=_concrete_kwargs(kwargs, world)) + query
            response = client.get(url)
            assert response.status_code == 200, url
            yield name.split("?")[0], url, response


def table_of(response) -> tuple[list[str], list[dict[str, object]]]:
    """(headings, rows) of a CSV or of a workbook's first sheet."""
    if response["Content-Type"].startswith("text/csv"):
        reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
        header, *rows = list(reader)
    else:
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def test_every_csv_has_a_byte_order_mark_and_every_heading_is_words(client, compared):
    problems = []
    for _name, url, response in fetch_all(client, compared):
        if response["Content-Type"].startswith("text/csv") and \
                not response.content.startswith(BOM):
            problems.append(f"{url}: no byte-order mark")
        header, _rows = table_of(response)
        for heading in header:
            if not isinstance(heading, str) or not WORDS.fullmatch(heading) \
                    or SNAKE.fullmatch(heading.lower()):
                problems.append(f"{url}: the heading {heading!r} is not words")
        if len(set(header)) != len(header):
            problems.append(f"{url}: a heading is repeated: {header}")
    assert not problems, "\n".join(problems)


def test_files_of_figures_say_when_where_how_compared_and_whether_synthetic(client, compared):
    problems, checked = [], 0
    for name, url, response in fetch_all(client, compared):
        if name not in FIGURE_DOWNLOADS:
            continue
        header, rows = table_of(response)
        period = "Latest period" if name == "outcomes:commitments-download" else "Period"
        needed = [period, f"{period} start", f"{period} end", "Synthetic data"]
        if name != "outcomes:commitments-download":
            needed += ["England value", "Compared with England"]
        problems += [f"{url}: no {heading!r} column" for heading in needed
                     if heading not in header]
        hostile_metric = compared.hostile_metric_key in url
        for row in rows:
            figure = row.get("Value", row.get("Latest England figure"))
            if figure in (None, ""):
                continue
            checked += 1
            if hostile_metric and row.get("Synthetic data") != "yes":
                problems.append(f"{url}: a synthetic figure not flagged: {row}")
            if not row.get(period) or not row.get(f"{period} start"):
                problems.append(f"{url}: a figure without its period: {row}")
            for heading in ("Compared with England", "Compared with region"):
                if str(row.get(heading) or "").lower() in STORED_CODES:
                    problems.append(f"{url}: {heading} is a stored code: {row[heading]!r}")
            for name_heading, code_heading in (("Name", "Code"), ("Authority", "Area code"),
                                               ("Partnership", "Partnership code"),
                                               ("Region", "Region code")):
                if row.get(name_heading) and not row.get(code_heading):
                    problems.append(f"{url}: {name_heading} without {code_heading}: {row}")
        # The planted metric is a count: a count has no denominator.
        if hostile_metric and "Denominator" in header:
            problems.append(f"{url}: a count metric's file has a Denominator column")
        if "overview" in url:
            count_rows = [r for r in rows if r["Metric key"] == compared.hostile_metric_key]
            assert count_rows, url
            if any(r["Denominator"] not in (None, "") for r in count_rows):
                problems.append(f"{url}: a count carries a denominator")
    assert checked >= 15
    assert not problems, "\n".join(problems)


def test_comparisons_use_the_words_of_the_page(client, compared):
    """Every comparison in the metric's files is written as its page writes it."""
    sign_in(client, compared.central_admin)
    page = client.get(reverse("partnerships:outcome-metric", args=[
        compared.partnership_a.slug, compared.hostile_metric_key])).content.decode()
    words = set()
    for _name, url, response in fetch_all(client, compared):
        if compared.hostile_metric_key not in url:
            continue
        _header, rows = table_of(response)
        words |= {row["Compared with England"] for row in rows
                  if row.get("Compared with England")}
    assert words == {"Worse than England (99.8% level)"}
    assert all(word in page for word in words)


def test_every_workbook_follows_the_convention(client, compared):
    problems, workbooks = [], 0
    for name, url, response in fetch_all(client, compared):
        if response["Content-Type"].startswith("text/csv"):
            continue
        workbooks += 1
        book = load_workbook(io.BytesIO(response.content))
        sheet = book.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        if sheet.freeze_panes != "A2":
            problems.append(f"{url}: the header is not frozen")
        if not sheet.auto_filter.ref or not sheet.auto_filter.ref.startswith("A1:"):
            problems.append(f"{url}: no filter on the header")
        if not all(cell.font.bold for cell in sheet[1]):
            problems.append(f"{url}: the header is not bold")
        for index in range(1, len(header) + 1):
            letter = sheet.cell(row=1, column=index).column_letter
            if not sheet.column_dimensions[letter].customWidth:
                problems.append(f"{url}: column {letter} ({header[index - 1]}) has no width")
        figure_headings = {h for h in header if h and (
            h in ("Value", "Latest England figure", "England value", "Region value")
            or "95% limit" in h)}
        for column in sheet.iter_cols(min_row=2):
            heading = header[column[0].column - 1]
            for cell in column:
                if heading in figure_headings and isinstance(cell.value, (int, float)) \
                        and not DECIMALS_FORMAT.fullmatch(cell.number_format):
                    problems.append(f"{url}: {heading} {cell.coordinate} is formatted "
                                    f"{cell.number_format!r}")
        if name == "partnerships:outcome-metric-download" and "trend" in url:
            value = sheet.cell(row=2, column=header.index("Value") + 1)
            # The count -3.5 keeps its digits and shows as the page does, whole.
            if value.value != -3.5 or value.number_format != "#,##0":
                problems.append(f"{url}: Value {value.value!r} as {value.number_format!r}")
        if "About" not in book.sheetnames:
            problems.append(f"{url}: no About sheet")
            continue
        about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)
                 if row and row[0] is not None and len(row) > 1}
        title = book["About"]["A1"].value
        if not title:
            problems.append(f"{url}: the About sheet has no title")
        problems += [f"{url}: About has no {label!r}" for label in ABOUT_LABELS
                     if not about.get(label)]
        if not str(about.get("From the page", "")).startswith("http://testserver/"):
            problems.append(f"{url}: About does not give the page: {about.get('From the page')}")
        if not any(str(label).startswith("Filter") for label in about):
            problems.append(f"{url}: About does not say which filters apply")
    assert workbooks == sum(1 for k, v in DOWNLOADS.items() for kw, *_ in v
                            if k.endswith("xlsx") or kw.get("fmt") == "xlsx")
    assert not problems, "\n".join(problems)


def test_the_convention_page_names_functions_and_tests_that_exist():
    """docs/downloads.md stays true: what it names can be imported or found."""
    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "downloads.md").read_text(encoding="utf-8")
    functions = re.findall(r"`(cdphub(?:\.\w+)+):(\w+)`", text)
    assert len(functions) >= 6
    for module, name in functions:
        assert hasattr(importlib.import_module(module), name), f"{module}:{name}"
    files = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", text)
    assert len(files) >= 3
    for path, test in files:
        source = (root / path).read_text(encoding="utf-8")
        assert not test or f"def {test}(" in source, f"{path}::{test}"
    assert "docs/downloads.md" in (root / "docs" / "architecture.md").read_text() \
        or "downloads.md" in (root / "README.md").read_text()
