"""The hex map in a real browser: every authority drawn where it should be, the stylesheet
applied to it, and no accessibility violations (axe-core, WCAG 2.2 AA).

There is no page with the map yet, so the test renders ``includes/hexmap.html`` into a minimal
GOV.UK page with the built stylesheet and loads it with ``page.set_content``. A screenshot is
saved to /tmp/hexmap.png (the temporary folder) for a person to look at.
"""

from __future__ import annotations

import itertools
import math
import random
import tempfile
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from cdphub.geography.hexmap import HexMapRow, hexmap_layout, legend_items, render_hexmap

from .conftest import ROOT, Browser

CSS = ROOT / "src" / "cdphub" / "static" / "build" / "cdphub.css"
SCREENSHOT = Path(tempfile.gettempdir()) / "hexmap.png"  # /tmp/hexmap.png
GREATER_MANCHESTER = ["E08000001", "E08000002", "E08000003", "E08000004", "E08000005",
                      "E08000006", "E08000007", "E08000008", "E08000009", "E08000010"]


def page_html() -> str:
    css = CSS.read_text(encoding="utf-8")
    assert ".hex--better" in css, "the built stylesheet is stale: run ./dev setup"
    layout = hexmap_layout()
    rng = random.Random(2026)
    choices = ["better", "similar", "similar", "worse", "not-compared", None]
    fills = {code: rng.choice(choices) for code in layout.hexes}
    values = {code: f"{rng.uniform(2, 20):.1f}" for code, c in fills.items() if c is not None}
    words = {"better": "Better than England", "similar": "Similar to England",
             "worse": "Worse than England", "not-compared": "Not compared", None: ""}
    titles = {code: f"{h.name}: {values.get(code, 'no data')} ({words[fills[code]] or 'no data'})"
              for code, h in layout.hexes.items()}
    svg = render_hexmap(fills, titles=titles, outline=set(GREATER_MANCHESTER),
                        label="Synthetic test values by upper-tier local authority",
                        highlight_label="Greater Manchester Combating Drugs Partnership")
    rows = [HexMapRow(h.name, values.get(code, ""), words[fills[code]],
                      code in GREATER_MANCHESTER)
            for code, h in sorted(layout.hexes.items(), key=lambda item: item[1].name)]
    figure = render_to_string("includes/hexmap.html", {
        "svg": svg, "caption": "Synthetic test values, 2023",
        "legend": legend_items(set(fills.values()),
                               outline_label="Greater Manchester Combating Drugs Partnership"),
        "rows": rows, "value_heading": "Per 100,000", "outline_heading": "In the partnership",
        "name": "test",
    })
    return (
        '<!DOCTYPE html><html lang="en" class="govuk-template"><head><meta charset="utf-8">'
        f"<title>Hex map test</title><style>{css}</style></head>"
        '<body class="govuk-template__body"><div class="govuk-width-container">'
        '<main class="govuk-main-wrapper" id="main-content">'
        '<h1 class="govuk-heading-l">Hex map</h1>'
        f"{figure}</main></div></body></html>"
    )


@pytest.fixture
def hexmap_page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15000)
    checker = Browser(page, "")
    page.set_content(page_html())
    yield checker
    context.close()


def test_every_authority_drawn_once_without_overlap(hexmap_page):
    page = hexmap_page.page
    boxes = page.eval_on_selector_all(
        "svg.hexmap__svg path.hexmap__hex",
        """paths => paths.map(p => {
             const r = p.getBoundingClientRect();
             return {code: p.dataset.code, x: r.x, y: r.y, w: r.width, h: r.height};
           })""",
    )
    assert len(boxes) == 153
    assert len({b["code"] for b in boxes}) == 153
    svg = page.eval_on_selector("svg.hexmap__svg", "s => s.getBoundingClientRect().toJSON()")
    width = boxes[0]["w"]
    assert width > 10  # drawn at a readable size
    for box in boxes:
        # a pointy-topped hexagon: as wide as the others, taller by 2/sqrt(3), inside the map
        assert box["w"] == pytest.approx(width, rel=0.02)
        assert box["h"] == pytest.approx(width * 2 / math.sqrt(3), rel=0.02)
        assert svg["left"] - 0.5 <= box["x"] and box["x"] + box["w"] <= svg["right"] + 0.5
        assert svg["top"] - 0.5 <= box["y"] and box["y"] + box["h"] <= svg["bottom"] + 0.5
    centres = {b["code"]: (b["x"] + b["w"] / 2, b["y"] + b["h"] / 2) for b in boxes}
    for (a, pa), (b, pb) in itertools.combinations(centres.items(), 2):
        # hexagons of this size overlap exactly when their centres are closer than one width
        assert math.dist(pa, pb) >= width * 0.98, (a, b)
    # and each one is what the browser finds at its own centre: drawn, not covered
    on_top = page.evaluate(
        """centres => Object.entries(centres).filter(([code, [x, y]]) => {
             const el = document.elementFromPoint(x, y);
             return !el || el.closest('path.hexmap__hex')?.dataset.code !== code;
           }).map(([code]) => code)""",
        centres,
    )
    assert on_top == []


def test_stylesheet_colours_the_map(hexmap_page):
    page = hexmap_page.page
    style = page.eval_on_selector(
        "svg.hexmap__svg", "s => ({maxWidth: getComputedStyle(s).maxWidth})")
    assert style["maxWidth"] == "640px"
    worse = page.eval_on_selector(
        "svg.hexmap__svg path.hex--worse", "r => getComputedStyle(r).fill")
    assert worse == "rgb(192, 0, 0)"
    mark = page.eval_on_selector(
        "svg.hexmap__svg path.hexmap__mark--worse", "r => getComputedStyle(r).stroke")
    assert mark == "rgb(255, 255, 255)"
    outline = page.eval_on_selector("path.hexmap__outline", "p => getComputedStyle(p).stroke")
    assert outline == "rgb(11, 12, 12)"


def test_table_twin_and_key(hexmap_page):
    page = hexmap_page.page
    assert page.locator("figure.hexmap figcaption").inner_text() == "Synthetic test values, 2023"
    assert page.locator(".hexmap__legend-item").count() >= 3
    page.get_by_text("Show the figures for every authority as a table").click()
    table = page.get_by_role("table", name="Synthetic test values, 2023")
    assert table.locator("tbody tr").count() == 153
    row = table.get_by_role("row", name="Bolton")
    assert "Yes" in row.inner_text()


def test_accessible_and_saved_for_a_look(hexmap_page):
    hexmap_page.check()  # axe-core: no WCAG 2.2 AA violations, no console errors
    name = hexmap_page.page.get_by_role("img", name="Synthetic test values by upper-tier local "
                                                     "authority")
    assert name.count() == 1
    hexmap_page.page.locator("figure.hexmap").screenshot(path=SCREENSHOT)


def test_accessible_on_a_phone_with_the_table_open(hexmap_page):
    page = hexmap_page.page
    page.set_viewport_size({"width": 320, "height": 800})
    page.get_by_text("Show the figures for every authority as a table").click()
    hexmap_page.check()
    svg = page.eval_on_selector("svg.hexmap__svg", "s => s.getBoundingClientRect().toJSON()")
    assert svg["width"] <= 320  # the map scales down with the page
