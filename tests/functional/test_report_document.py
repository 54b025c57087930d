"""The progress report as a document in a real browser: Greater Manchester's partnership lead
opens the standalone document and the report's page in the service. axe and the reflow check
(320, 768 and 1280 px: no sideways page scroll) run on each (``Browser.goto``); a CSP
violation (the document's inline stylesheet blocked) would be a console error and fail it.
Screenshots go to ``SHOTS`` for a person to look at."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET

GM = "/partnerships/greater-manchester"
SHOTS = Path(tempfile.gettempdir()) / "cdphub-report-document"


def _draft():
    from cdphub.partnerships.models import Partnership
    from cdphub.reporting.models import Report

    gm = Partnership.objects.get(slug="greater-manchester")
    report, _ = Report.objects.update_or_create(
        partnership=gm, year=2024, defaults={
            "data_date": dt.date(2025, 5, 1),
            "foreword": "As chair I am pleased to present our progress report.\n\n"
                        "- A new recovery hub\n- Naloxone training for 300 staff",
            "foreword_signatory": "A. Example, Chair of the partnership",
            "vision": "Fewer people harmed by drugs."})
    return report


def test_the_report_document_reads_well_at_every_width(web, demo):
    _draft()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = web.page
    web.sign_in("lead@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)

    web.goto(f"{GM}/reports/2024/document/")
    assert page.title() == ("Greater Manchester Combating Drugs Partnership: progress report "
                            "2024/25")
    assert page.locator("h1").count() == 1
    # the inline stylesheet applied (the CSP allows it by its hash): the document's font
    family = page.evaluate("getComputedStyle(document.querySelector('.report-document'))"
                           ".fontFamily")
    assert "Liberation Sans" in family
    assert page.locator("#outcomes table caption").count() >= 2
    assert page.locator("#outcomes svg[role=img]").count() >= 5
    page.screenshot(path=SHOTS / "report-document.png", full_page=False)
    page.set_viewport_size({"width": 320, "height": 900})
    page.locator("#outcomes").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "report-document-320.png", full_page=False)
    page.set_viewport_size({"width": 1200, "height": 900})

    web.goto(f"{GM}/reports/2024/")  # the report's page in the service's layout
    assert "National Combating Drugs Outcomes Framework" in page.inner_text("main")
    page.locator("#outcomes").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "report-page.png", full_page=False)

    response = page.request.get(web.base_url + f"{GM}/reports/2024/report.pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF-")
