"""Pages print on A4 (docs/pages.md, "Print"): the outcomes overview prints landscape with
every column header inside the page, a metric page on fewer than 5 pages, the other widest
tables inside the page; none prints navigation, download links or the addresses of links
inside tables and navigation."""

from __future__ import annotations

import re

from cdphub.demo.build import DEMO_PASSWORD

GM = "/partnerships/greater-manchester"
MM_TO_CSS_PX = 96 / 25.4
PT_TO_MM = 25.4 / 72

# The margins of the @page rule that applies (a named page's, else the default one), in mm.
PAGE_MARGINS_JS = """name => {
  const rules = [...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
    .filter(rule => rule instanceof CSSPageRule);
  const rule = rules.find(r => name && r.selectorText === name)
    || rules.find(r => r.selectorText === '');
  const mm = value => value.endsWith('mm') ? parseFloat(value) : parseFloat(value) / 96 * 25.4;
  return [mm(rule.style.marginLeft), mm(rule.style.marginRight)];
}"""

# Every column header of every table shown, with its box (at the width the page lays out).
HEADERS_JS = """() => [...document.querySelectorAll('main table thead th')]
  .map(th => ({text: th.innerText.trim().split('\\n')[0], box: th.getBoundingClientRect()}))
  .filter(h => h.box.width > 0)
  .map(h => [h.text, h.box.left, h.box.right])"""


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in mm (width, height), from the PDF's page objects."""
    pages = re.findall(rb"/Type\s*/Page(?![s\w]).*?/MediaBox\s*\[([^\]]*)\]", pdf, re.DOTALL)
    count = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert len(pages) == count, "every page object has a MediaBox"
    sizes = []
    for box in pages:
        x0, y0, x1, y1 = (float(n) for n in box.split())
        sizes.append(((x1 - x0) * PT_TO_MM, (y1 - y0) * PT_TO_MM))
    return sizes


def print_and_check_headers(web, path: str) -> list[tuple[float, float]]:
    """Print the page to PDF on A4; then lay it out for print at the width the PDF's pages
    give for content (page width minus the @page margins) and check that every column header
    of its tables lies inside that width. Returns the PDF's page sizes."""
    web.goto(path)
    page = web.page
    page.emulate_media(media="print")
    sizes = pdf_pages(page.pdf(format="A4", print_background=True))
    width_mm, height_mm = sizes[0]
    named = "landscape" if width_mm > height_mm else ""
    left, right = page.evaluate(PAGE_MARGINS_JS, named)
    content_px = int((width_mm - left - right) * MM_TO_CSS_PX)
    viewport = page.viewport_size
    page.set_viewport_size({"width": content_px, "height": viewport["height"]})
    try:
        headers = page.evaluate(HEADERS_JS)
        assert headers, f"{path}: no table headers found"
        outside = [(text, round(lft), round(rgt)) for text, lft, rgt in headers
                   if lft < -0.5 or rgt > content_px + 0.5]
        assert not outside, (f"{path}: column headers outside the printed width "
                             f"({content_px}px): {outside}")
        assert page.evaluate("document.documentElement.scrollWidth") <= content_px, path
        # Navigation and controls are not printed; links inside tables print no address.
        for hidden in (".app-subnav", ".govuk-service-navigation", ".govuk-footer",
                       ".app-downloads", ".govuk-breadcrumbs"):
            assert not page.locator(hidden).first.is_visible(), (path, hidden)
        after = page.evaluate("""() => [...document.querySelectorAll('main table a, nav a')]
            .map(a => getComputedStyle(a, '::after').content)""")
        assert after and set(after) <= {"none", "normal"}, (path, set(after))
    finally:
        page.set_viewport_size(viewport)
        page.emulate_media(media="screen")
    return sizes


def test_the_outcomes_overview_prints_landscape_with_every_column_header_on_the_page(web, demo):
    web.sign_in("member@example.org", DEMO_PASSWORD)
    sizes = print_and_check_headers(web, f"{GM}/outcomes/")
    # A4 landscape: the table needs the width.
    assert all(round(w) == 297 and round(h) == 210 for w, h in sizes), sizes
    headers = web.page.locator("[data-testid=overview-table] thead th").all_inner_texts()
    assert len(headers) == 9 and headers[-1].startswith("Among all partnerships")


def test_a_metric_page_prints_on_fewer_than_5_a4_pages(web, demo):
    web.sign_in("member@example.org", DEMO_PASSWORD)
    sizes = print_and_check_headers(web, f"{GM}/outcomes/drug_misuse_deaths/")
    assert all(round(w) == 210 and round(h) == 297 for w, h in sizes), sizes
    assert len(sizes) < 5, f"the metric page prints on {len(sizes)} A4 pages"


def test_the_widest_tables_of_other_pages_print_inside_the_page(web, demo):
    from cdphub.demo.build import DEMO_TOTP_SECRET

    web.sign_in("central.admin@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    for path, landscape in [("/partnerships/milestones/", True), ("/outcomes/loads/", True),
                            (f"{GM}/people/", False), (f"{GM}/meetings/actions/", False),
                            ("/account/audit-log/", False)]:
        sizes = print_and_check_headers(web, path)
        assert (sizes[0][0] > sizes[0][1]) == landscape, (path, sizes[0])
