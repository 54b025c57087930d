"""The progress report as a document (reporting/render.py, sections_outcomes.py,
views_document.py): the standalone HTML and the tagged PDF made from one template, the
outcomes framework section read through the outcomes read path, and the document views.

The realistic report is Greater Manchester's 2024/25 draft in the built demo; its snapshot,
HTML and PDF are made once for the module (making the PDF takes about a second)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections import Counter

import pypdf
import pytest
from django.urls import reverse

from cdphub.outcomes.published import Figure
from cdphub.reporting import build, render, sections_outcomes
from cdphub.reporting.models import Report
from tests.conftest import sign_in

DATA_DATE = dt.date(2025, 5, 1)
_MADE: dict = {}


def _report(partnership, year=2024, data_date=DATA_DATE, **narrative):
    # the demo may already have a draft on the year: take it as at this test's data date
    report, _ = Report.objects.get_or_create(partnership=partnership, year=year,
                                             defaults={"data_date": data_date})
    report.data_date = data_date
    for name, value in narrative.items():
        setattr(report, name, value)
    report.save()
    return report


def made() -> dict:
    """Greater Manchester's draft report (built demo): its snapshot, HTML and PDF."""
    if not _MADE:
        from cdphub.partnerships.models import Partnership

        gm = Partnership.objects.get(slug="greater-manchester")
        report = _report(gm, foreword="As chair I am pleased to present our report.\n\n"
                                      "- One thing\n- Another thing",
                         foreword_signatory="Andy Example, Chair",
                         highlights="We opened a new recovery hub.")
        snapshot = build.build(report)
        pdf = render.render_pdf(snapshot)
        _MADE.update(snapshot=snapshot, html=render.render_html(snapshot), pdf=pdf,
                     reader=pypdf.PdfReader(io.BytesIO(pdf)))
    return _MADE


def structure_types(reader: pypdf.PdfReader) -> tuple[Counter, list]:
    """Every structure element's type (/S) in the PDF's structure tree, and each element as
    a dictionary (walking the /K kids from /StructTreeRoot)."""
    types: Counter = Counter()
    elements = []

    def walk(node):
        node = node.get_object() if isinstance(node, pypdf.generic.IndirectObject) else node
        if isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                types[str(node["/S"])] += 1
                elements.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return types, elements


def _kids(element) -> list:
    kids = element.get("/K", [])
    kids = kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids]
    return [k.get_object() for k in kids
            if isinstance(k.get_object(), pypdf.generic.DictionaryObject)]


def _words(text: str) -> str:
    return " ".join(text.split())


def _outcomes(snapshot: dict) -> dict:
    return next(s for s in snapshot["sections"] if s["key"] == "outcomes")


# ------------------------------------------------------------------------------- the PDF


@pytest.mark.django_db
def test_the_pdf_is_tagged_with_its_title_language_headings_and_tables(shared_demo):
    reader = made()["reader"]
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    true = pypdf.generic.BooleanObject(True)
    assert catalog["/MarkInfo"]["/Marked"] == true
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == true  # title, not file name
    assert reader.metadata.title == ("Greater Manchester Combating Drugs Partnership: "
                                     "progress report 2024/25")
    assert reader.metadata.author == "Greater Manchester Combating Drugs Partnership"
    types, elements = structure_types(reader)
    assert types["/H1"] == 1 and types["/H2"] >= 8 and types["/H3"] >= 2
    assert types["/Table"] >= 3 and types["/TH"] >= 30 and types["/TD"] >= 100
    assert types["/Caption"] >= 3 and types["/L"] >= 1 and types["/LI"] >= 2
    # each table has its rows under a header and a body group, and its caption inside
    tables = [e for e in elements if e["/S"] == "/Table"]
    for table in tables:
        kids = {str(k.get("/S")) for k in _kids(table)}
        assert {"/THead", "/TBody"} <= kids, kids
    assert sum("/Caption" in {str(k.get("/S")) for k in _kids(t)} for t in tables) >= 3


@pytest.mark.django_db
def test_every_chart_has_alternative_text_in_the_pdf_and_the_html(shared_demo):
    made_ = made()
    spines = [row for group in ("headline", "supporting")
              for row in _outcomes(made_["snapshot"])["data"][group] if row["spine"]]
    assert len(spines) >= 5
    # WeasyPrint tags each inline SVG as a Figure whose /Alt is the SVG's <title>
    _types, elements = structure_types(made_["reader"])
    alts = [str(e.get("/Alt", "")) for e in elements if e["/S"] == "/Figure"]
    # the spines, and the delivery plan's chart of its actions by status
    svgs = re.findall(r"<svg\b[^>]*>.*?</svg>", made_["html"], re.DOTALL)
    status_bars = [svg for svg in svgs if 'class="report-chart"' in svg]
    assert len(status_bars) >= 1
    assert len(alts) == len(spines) + len(status_bars) and all(alts)
    assert any(alt.startswith(spines[0]["name"]) for alt in alts)
    assert any(alt.startswith("Actions by status") or "On track" in alt for alt in alts)
    # in the HTML, each spine is an image with a title and a description, beside its numbers;
    # the status chart an image named by its label (its table twin follows it)
    assert len(svgs) == len(spines) + len(status_bars)
    for svg in svgs:
        if svg in status_bars:
            assert 'role="img"' in svg and "aria-label=" in svg and "<title>" in svg
        else:
            assert 'role="img"' in svg and "aria-labelledby" in svg and "<desc" in svg


@pytest.mark.django_db
def test_the_pdf_text_contains_the_figures_shown_on_the_html_page(shared_demo):
    made_ = made()
    text = _words("\n".join(page.extract_text() for page in made_["reader"].pages))
    page = made_["html"]
    outcomes_html = page[page.index('id="outcomes"'):]
    cells = [html.unescape(_words(re.sub(r"<[^>]+>", " ", cell)))
             for cell in re.findall(r'<td class="[^"]*\bnum">(.*?)</td>', outcomes_html, re.DOTALL)]
    figures = [cell for cell in cells if re.fullmatch(r"[\d,.]+%?", cell)]
    assert len(figures) >= 20
    missing = [figure for figure in figures if figure not in text]
    assert not missing, missing
    intervals = re.findall(r"<td[^>]*>([\d,.]+%? to [\d,.]+%?)</td>", outcomes_html)
    assert intervals and all(interval in text for interval in intervals)
    for row in _outcomes(made_["snapshot"])["data"]["headline"]:
        assert _words(row["name"]) in text
        assert row["comparison_text"] in text
    assert "Andy Example, Chair" in text and "Progress report 2024/25" in text
    assert "Records and figures as at 1 May 2025" in text


@pytest.mark.django_db
def test_the_pdf_has_a_plausible_number_of_a4_pages(shared_demo):
    reader = made()["reader"]
    assert 5 <= len(reader.pages) <= 25
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    # page numbers and the running header on every page after the cover
    second = _words(reader.pages[2].extract_text())
    assert f"Page 3 of {len(reader.pages)}" in second
    assert "Greater Manchester Combating Drugs Partnership" in second
    assert "Draft: not yet signed off" in second


# ------------------------------------------------------------------------------- the HTML


@pytest.mark.django_db
def test_the_html_document_is_structured_for_everyone(shared_demo):
    page = made()["html"]
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in page
    assert re.search(r"<title>Greater Manchester Combating Drugs Partnership: progress report "
                     r"2024/25</title>", page)
    assert page.count("<h1") == 1
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", page)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    tables = re.findall(r"<table\b.*?</table>", page, re.DOTALL)
    assert len(tables) >= 3
    for table in tables:
        assert "<caption" in table
        assert not re.search(r"<th(?=[\s>])(?![^>]*\bscope=)[^>]*>", table), table[:200]
    assert page.count('class="app-scroll" role="region"') >= len(tables)  # each scrolls alone
    # the contents links to every part, and every part has its Sources note if generated
    for target in re.findall(r'<li><a href="#([\w-]+)">', page):
        assert f'id="{target}"' in page
    assert page.count('class="report-sources"') == len(made()["snapshot"]["sections"])
    # self-contained: its stylesheet is inline, nothing is fetched
    # (its only link is an empty icon, so that a browser asks for no favicon)
    assert "<style>" in page and "<script" not in page
    assert re.findall(r"<link\b[^>]*>", page) == ['<link rel="icon" href="data:,">']
    assert "src=" not in page


def test_the_narrative_keeps_paragraphs_and_lists_and_escapes_everything():
    from cdphub.reporting.templatetags.report_document import report_text

    out = report_text("First <b>para</b>\nsame para\n\n- one\n- two & three")
    assert out == ('<p class="govuk-body">First &lt;b&gt;para&lt;/b&gt;<br>same para</p>\n'
                   '<ul class="govuk-list govuk-list--bullet"><li>one</li>'
                   "<li>two &amp; three</li></ul>")


# --------------------------------------------------------------------- the outcomes section


@pytest.mark.django_db
def test_the_outcomes_section_has_every_headline_metric_and_its_sources(shared_demo):
    from cdphub.outcomes.models import Metric

    section = _outcomes(made()["snapshot"])
    data = section["data"]
    headline = set(Metric.objects.filter(kind="headline", partnership__isnull=True)
                   .values_list("key", flat=True))
    assert {row["key"] for row in data["headline"]} == headline
    assert all(row["kind"] == "supporting" and row["text"] != "No figure"
               for row in data["supporting"])
    assert all(row["period_end"] is None or row["period_end"] <= DATA_DATE.isoformat()
               for row in data["headline"] + data["supporting"])
    with_authorities = [row for row in data["headline"] if row["authorities"]]
    assert with_authorities and len(with_authorities[0]["authorities"]) == 10  # GM's ten
    loads = section["sources"]["loads"]
    assert loads and {"id", "metric", "file", "loaded_at"} <= set(loads[0])
    assert section["sources"]["as_at"] == DATA_DATE.isoformat()


@pytest.mark.django_db
def test_the_outcomes_section_shows_only_figures_for_periods_by_the_data_date(shared_demo):
    from cdphub.partnerships.models import Partnership

    gm = Partnership.objects.get(slug="greater-manchester")
    early = dt.date(2023, 1, 1)
    section = sections_outcomes.outcomes(gm, None, early)
    rows = section["data"]["headline"] + section["data"]["supporting"]
    ends = [row["period_end"] for row in rows if row["period_end"]]
    assert ends and max(ends) <= early.isoformat()
    later = {row["key"]: row["period_end"] for row in _outcomes(made()["snapshot"])["data"]
             ["headline"]}
    assert any(row["period_end"] and later.get(row["key"]) and row["period_end"]
               < later[row["key"]] for row in rows)


def test_a_hidden_figure_is_said_in_words_and_never_as_a_number():
    class Metric:
        method, unit = "rate", "per 100,000"

    hidden = Figure(metric_id=1, metric_key="m", metric_unit="per 100,000", area_id=1,
                    area_code="E1", area_name="A", area_type="utla", partnership_id=None,
                    partnership_slug=None, partnership_name=None,
                    period_start=dt.date(2023, 1, 1), period_end=dt.date(2023, 12, 31),
                    period_label="2023", breakdown="", numerator=None, denominator=None,
                    value=None, lower_95=None, upper_95=None, lower_99_8=None,
                    upper_99_8=None, suppressed=True, geography_note="",
                    geography_source="", comparison="", comparison_region="", trend="",
                    is_synthetic=False)
    assert sections_outcomes._text(hidden, Metric) == "Hidden (small numbers)"
    assert sections_outcomes._interval(hidden, Metric) == ""


# --------------------------------------------------------------------------------- views


@pytest.fixture
def report_a(world):
    return _report(world.partnership_a, year=2023, data_date=dt.date(2024, 5, 1),
                   foreword="Our first year.")


def test_the_document_view_allows_only_its_own_stylesheet(client, world, report_a):
    sign_in(client, world.member_a)
    url = reverse("partnerships:report-document",
                  kwargs={"slug": world.partnership_a.slug, "year": 2023})
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Our first year." in body and '<html lang="en-GB">' in body
    policy = response["Content-Security-Policy"]
    style_src = re.search(r"style-src ([^;]*)", policy).group(1).split()
    assert render.STYLE_HASH in style_src and "'unsafe-inline'" not in policy
    script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert script_src == ["'self'"]
    # the hash is the hash of the stylesheet the document carries
    style = re.search(r"<style>(.*?)</style>", body, re.DOTALL).group(1)
    assert style == render.DOCUMENT_CSS
    # a service page keeps the strict policy
    page = client.get(reverse("partnerships:report",
                              kwargs={"slug": world.partnership_a.slug, "year": 2023}))
    assert render.STYLE_HASH not in page["Content-Security-Policy"]


def test_the_pdf_view_gives_the_draft_inline_with_a_file_name(client, world, report_a):
    sign_in(client, world.member_a)
    response = client.get(reverse("partnerships:report-pdf",
                                  kwargs={"slug": world.partnership_a.slug, "year": 2023}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="{world.partnership_a.slug}-progress-report-2023-24.pdf"')
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert "Our first year." in reader.pages[2].extract_text() + reader.pages[1].extract_text()


@pytest.mark.parametrize("name", ["partnerships:report-document", "partnerships:report-pdf"])
def test_another_partnerships_report_is_not_found(client, world, report_a, name):
    # member B reads partnership B: A's year under B's slug is not found, A's slug refused
    sign_in(client, world.member_b)
    assert client.get(reverse(name, kwargs={"slug": world.partnership_b.slug,
                                            "year": 2023})).status_code == 404
    assert client.get(reverse(name, kwargs={"slug": world.partnership_a.slug,
                                            "year": 2023})).status_code == 403
