"""The public pages in a real browser, signed out: find Greater Manchester by an authority's
name, open its public page, its needs assessment and its published report; axe and the
320 px reflow check run on every page visited (``Browser.goto``); the partnership page prints
on A4."""

from __future__ import annotations

from pathlib import Path

from tests.functional.test_print import print_and_check_headers

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _publish_for_greater_manchester():
    from cdphub.partnerships.models import Partnership
    from tests.public import records

    gm = Partnership.objects.get(slug="greater-manchester")
    records.terms(gm, document=False, version=gm.terms_of_reference.count() + 1)
    if not gm.assessments.filter(published_at__isnull=False).exists():
        records.assessment(gm)
    if not gm.reports.filter(year=records.YEAR,
                             submissions__published_at__isnull=False).exists():
        gm.reports.filter(year=records.YEAR).delete()  # whatever the demo holds for the year
        records.report(gm, html=(
            "<!DOCTYPE html><html lang='en'><head><title>Progress report 2023/24</title>"
            "<link rel='icon' href='data:,'></head>"
            "<body><main><h1 style='font-family:sans-serif'>Progress report 2023/24</h1>"
            "<p>Published report text</p></main></body></html>"))
    return gm


def test_a_signed_out_visitor_finds_a_partnership_and_reads_what_it_published(web, demo):
    gm = _publish_for_greater_manchester()
    page = web.page
    SHOTS.mkdir(parents=True, exist_ok=True)

    web.goto("/public/")
    page.screenshot(path=str(SHOTS / "public-index.png"), full_page=False)
    page.get_by_label("Council, town or district").fill("manch")
    page.get_by_role("button", name="Search").click()
    web.check()
    assert gm.name in page.inner_text("main")
    page.get_by_role("link", name=gm.name).click()
    web.check()
    web.check_reflow(f"/public/{gm.slug}/")
    main = page.inner_text("main")
    assert "Area covered" in main and "Headline measures" in main
    assert "Terms of reference" in main and "Version" in main
    page.screenshot(path=str(SHOTS / "public-partnership.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 900})
    page.screenshot(path=str(SHOTS / "public-partnership-320.png"), full_page=True)
    page.set_viewport_size({"width": 1200, "height": 900})

    web.goto(f"/public/{gm.slug}/needs-assessment/")
    web.goto(f"/public/{gm.slug}/reports/2023/")
    # the demo's own published report, or the stand-in planted above: the stored copy, as is
    stored = gm.reports.get(year=2023).published_submission()
    body = page.inner_text("body")
    assert "Progress report 2023/24" in body
    assert ("Published report text" in body
            or stored.snapshot["narrative"]["foreword"].split("\n")[0][:60] in body)
    response = page.request.get(web.base_url + f"/public/{gm.slug}/reports/2023.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"

    # Nothing on the public pages needs a sign-in, and the page prints on A4.
    assert "Sign out" not in page.content()
    print_and_check_headers(web, f"/public/{gm.slug}/")
