"""Charts in a real browser: two chart figures and a spine chart on a GOV.UK page served with
the site's stylesheet under a strict Content-Security-Policy, checked with axe at desktop and
phone widths and when printed. Screenshots go to /tmp/charts.png and /tmp/charts-320.png."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from cdphub.outcomes import charts
from cdphub.outcomes.charts import Bar, Point, Series

from .conftest import ROOT, Browser

CSS = ROOT / "src" / "cdphub" / "static" / "build" / "cdphub.css"
ORIGIN = "http://charts.test"
SHOTS = Path(tempfile.gettempdir())  # charts.png and charts-320.png, to look at
CSP = "default-src 'self'; style-src 'self'; script-src 'self' 'unsafe-eval' 'unsafe-inline'"


def _page_html() -> tuple[str, list[str]]:
    rng = random.Random(5)
    years = [f"{y}/{str(y + 1)[2:]}" for y in range(2014, 2023)]

    def points(base: float, limits: bool, gap: int | None = None) -> tuple[Point, ...]:
        out = []
        for i, period in enumerate(years):
            value = round(base * (1 + 0.04 * i) + rng.uniform(-0.4, 0.4), 1)
            if i == gap:
                out.append(Point(period, None))
            elif limits:
                out.append(Point(period, value, round(value - 1.2, 1), round(value + 1.3, 1)))
            else:
                out.append(Point(period, value))
        return tuple(out)

    series = [Series("Greater Manchester", "focus", points(9.0, True, gap=4)),
              Series("North West", "region", points(7.5, False)),
              Series("England", "england", points(5.2, False))]
    trend = charts.trend_figure(series, unit="per 100,000",
                                title="Deaths related to drug misuse, Greater Manchester",
                                csv_url="/data/trend.csv", xlsx_url="/data/trend.xlsx")
    names = ["Bolton", "Bury", "Manchester", "Oldham", "Rochdale", "Salford", "Stockport",
             "Tameside", "Trafford", "Wigan", "Bournemouth, Christchurch and Poole",
             "Kingston upon Hull, City of", "Brighton & Hove", "Isles of Scilly"]
    choices = ["better", "similar", "worse", "similar", "not compared"]
    bars = []
    for i, name in enumerate(names):
        value = None if name == "Isles of Scilly" else round(rng.uniform(2, 20), 1)
        bars.append(Bar(name, value, None if value is None else round(value - 1.6, 1),
                        None if value is None else round(value + 1.8, 1), choices[i % 5],
                        highlight=name == "Manchester"))
    compare = charts.compare_figure(bars, benchmark=9.3, benchmark_label="England",
                                    unit="per 100,000", title="Deaths related to drug misuse by "
                                    "local authority, 2021/22", csv_url="/data/compare.csv")
    spine_rows = []
    for label, value, polarity, comparison in [
            ("Deaths related to drug misuse", 14.2, "low", "worse"),
            ("Adults in treatment who completed it", 6.1, "high", "better"),
            ("Opiate users not in treatment", 51.0, "low", "similar")]:
        spine = charts.spine_chart(lowest=2.0, q1=5.0, q3=9.0, highest=20.0, england=7.0,
                                   value=value, polarity=polarity, comparison=comparison,
                                   label=f"{label}: Greater Manchester compared with all areas")
        spine_rows.append(
            f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{label}</th>'
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{value}</td>'
            f'<td class="govuk-table__cell">{spine}</td></tr>')
    html = (
        '<!DOCTYPE html><html lang="en" class="govuk-template"><head><meta charset="utf-8">'
        '<title>Charts – cdphub</title><meta name="viewport" content="width=device-width, '
        'initial-scale=1"><link rel="stylesheet" href="/static/cdphub.css"></head>'
        '<body class="govuk-template__body"><div class="govuk-width-container">'
        '<main class="govuk-main-wrapper" id="main-content">'
        '<h1 class="govuk-heading-l">Outcomes: Greater Manchester</h1>'
        + render_to_string("includes/chart_figure.html", {"chart": trend})
        + render_to_string("includes/chart_figure.html", {"chart": compare})
        + '<table class="govuk-table"><caption class="govuk-table__caption '
          'govuk-table__caption--m">Greater Manchester compared with all areas</caption>'
          '<thead class="govuk-table__head"><tr class="govuk-table__row">'
          '<th scope="col" class="govuk-table__header">Metric</th>'
          '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Value</th>'
          '<th scope="col" class="govuk-table__header">Compared with all areas</th></tr></thead>'
          '<tbody class="govuk-table__body">' + "".join(spine_rows) + "</tbody></table>"
        + "</main></div></body></html>")
    titles = ["Deaths related to drug misuse, Greater Manchester",
              "Deaths related to drug misuse by local authority, 2021/22"]
    return html, titles


@pytest.fixture
def chart_page(browser):
    assert CSS.exists(), "build the styles first (./dev test or ./dev demo compiles them)"
    html, titles = _page_html()
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()

    def serve(route):
        url = route.request.url
        if url.endswith("/static/cdphub.css"):
            route.fulfill(status=200, content_type="text/css", body=CSS.read_text("utf-8"))
        elif url.rstrip("/") == ORIGIN:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html,
                          headers={"Content-Security-Policy": CSP})
        else:
            route.fulfill(status=404, body="")

    page.route(f"{ORIGIN}/**", serve)
    page.goto(ORIGIN + "/")
    yield Browser(page, ORIGIN), titles
    context.close()


def test_charts_pass_axe_under_the_csp_and_read_as_one_image_each(chart_page):
    web, titles = chart_page
    web.check()  # axe WCAG 2.2 AA, and no console errors (a blocked style attribute is one)
    page = web.page
    for title in titles:
        assert page.get_by_role("img", name=title, exact=True).count() == 1
    # One image per chart, none inside them: two charts and three spine rows.
    assert page.get_by_role("img").count() == 5
    # Charts fit the column at desktop width, at their natural size.
    for svg in page.locator("svg.cdphub-chart__svg").all():
        box = svg.bounding_box()
        assert box["width"] == float(svg.get_attribute("width"))
    # No text is cut off: every label lies inside its chart's box (as the browser lays out
    # the font, which may differ from the one vl-convert measured with).
    outside = page.evaluate("""() => [...document.querySelectorAll('svg.cdphub-chart__svg')]
        .flatMap(svg => {
          const box = svg.getBoundingClientRect();
          return [...svg.querySelectorAll('text')].filter(t => {
            const r = t.getBoundingClientRect();
            return r.left < box.left - 0.5 || r.right > box.right + 0.5
                || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
          }).map(t => t.textContent);
        })""")
    assert outside == []
    assert page.locator("svg text", has_text="Bournemouth, Christchurch and Poole").count() == 1
    # The table twin opens and holds every row.
    details = page.locator("details").nth(1)
    details.locator("summary").click()
    assert details.locator("tbody tr").count() == 14
    web.check()
    page.screenshot(path=SHOTS / "charts.png", full_page=True)


def test_charts_at_320px_and_in_print(chart_page):
    web, _titles = chart_page
    page = web.page
    page.set_viewport_size({"width": 320, "height": 800})
    web.check()
    for svg in page.locator("svg.cdphub-chart__svg").all():
        box = svg.bounding_box()
        # Shrunk to no less than 34rem (544px), or its natural size if smaller: 12px text
        # stays at least 8px; the chart's box scrolls sideways instead.
        assert box["width"] >= min(544, float(svg.get_attribute("width")))
        assert box["width"] >= 0.65 * float(svg.get_attribute("width"))
    # The page itself does not scroll sideways: only the chart's own box does.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    for summary in page.locator("details summary").all():
        summary.click()
    web.check()  # the open tables scroll sideways inside their own (focusable) boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.screenshot(path=SHOTS / "charts-320.png", full_page=True)

    page.set_viewport_size({"width": 1000, "height": 800})
    for summary in page.locator("details summary").all():
        summary.click()  # closed again
    page.emulate_media(media="print")
    # The data tables print even though their details elements are closed.
    assert page.locator("details").first.get_attribute("open") is None
    assert page.locator("details").first.locator("table").is_visible()
    breaks = page.evaluate("[...document.querySelectorAll('.cdphub-chart')]"
                           ".map(e => getComputedStyle(e).breakInside)")
    assert breaks == ["avoid", "avoid"]
