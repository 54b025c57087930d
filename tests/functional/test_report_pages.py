"""The progress report's journey in a real browser: the lead starts a report (already filled
from the records), writes the foreword and adds a case study with the person's consent; the
SRO signs in with the second factor and signs it off; it is submitted (its PDF made and
stored) and published; central users see it in every partnership's reports. axe and the
320 px reflow check run on every page visited (``Browser.goto``, ``Browser.check``)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET

GM = "/partnerships/greater-manchester"
# Screenshots to look at after a run, outside the repository (never part of a check).
SHOTS = Path(tempfile.gettempdir()) / "cdphub-report-pages"


def _fill_date(page, name: str, day: int, month: int, year: int) -> None:
    for index, part in enumerate((day, month, year)):
        page.locator(f"#id_{name}_{index}").fill(str(part))


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=False)
    page.set_viewport_size({"width": 1200, "height": 900})


def test_a_report_is_started_written_signed_off_submitted_and_published(web, demo, settings):
    from cdphub.partnerships.models import MilestoneCompletion, Partnership
    from cdphub.reporting.models import Report, Submission

    settings.CDPHUB_TODAY = "2025-05-20"  # 2024/25 has ended; its report was due 30 April
    gm = Partnership.objects.get(slug="greater-manchester")
    Submission.objects.filter(report__partnership=gm).delete()  # start afresh
    Report.objects.filter(partnership=gm).delete()
    page = web.page

    # The lead starts the report on 2024/25 (the default) and writes the foreword.
    web.sign_in("lead@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.goto(f"{GM}/reports/")
    page.get_by_role("link", name="Start a report").click()
    web.check()
    assert page.get_by_label(re.compile("^2024/25")).is_checked()
    page.get_by_role("button", name="Start the report").click()
    web.check()
    report = Report.objects.get(partnership=gm)
    assert (report.year, report.status) == (2024, "draft")
    assert page.url.endswith(f"{GM}/reports/2024/")
    web.check_reflow(f"{GM}/reports/2024/")
    assert "Write the foreword." in page.inner_text("[data-testid=workflow]")
    _shoot(page, "report-draft")

    page.get_by_role("link", name="Write foreword").click()
    web.check()
    page.get_by_label("Foreword", exact=True).fill("This year the partnership cut waiting times for "
                                       "treatment and opened two recovery cafés.")
    page.get_by_label("Who signs the foreword").fill("Andrew Lewis, Director of Public Health")
    page.get_by_role("button", name="Save").click()
    web.check()
    report.refresh_from_db()
    assert report.foreword.startswith("This year the partnership cut waiting times")

    page.get_by_role("link", name="Add a case study").click()
    web.check()
    web.check_reflow(page.url.removeprefix(web.base_url))
    page.get_by_label("Title", exact=True).fill("Sam's new start")
    page.get_by_label("The case study", exact=True).fill("Sam left prison and went straight into "
                                             "treatment; a year on Sam works at a café.")
    page.get_by_label("It quotes or describes an identifiable person").check()
    page.get_by_label("How the person is named in the report").fill("Sam, 34")
    _fill_date(page, "consent_given_on", 2, 5, 2025)
    page.get_by_label("In writing (signed form or e-mail)").check()
    page.get_by_label("Where the consent is kept").fill("Signed form kept by the service.")
    page.get_by_role("button", name="Add case study").click()
    web.check()
    assert not page.locator(".govuk-error-summary").count(), page.inner_text("main")
    assert "consent given 2 May 2025" in page.inner_text("[data-testid=case-studies]")
    # a member sees no sign-off link: only the SRO signs off
    assert not page.get_by_role("link", name="Sign off the report").count()

    # The SRO signs in with the second factor and signs the report off.
    page.context.clear_cookies()
    web.sign_in("sro@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.goto(f"{GM}/reports/2024/")
    page.get_by_role("link", name="Sign off the report").click()
    web.check()
    page.get_by_role("button", name="Sign off the report").click()
    web.check()
    report.refresh_from_db()
    assert report.status == "signed_off"

    page.get_by_role("link", name="Submit the report").click()
    web.check()
    web.check_reflow(page.url.removeprefix(web.base_url))
    page.get_by_role("button", name="Submit the report").click()
    page.wait_for_url(re.compile(r"/reports/2024/(#workflow)?$"), timeout=60000)
    web.check()
    report.refresh_from_db()
    assert report.status == "submitted"
    submission = Submission.objects.get(report=report, version=1)
    assert submission.checksums_match()
    assert MilestoneCompletion.objects.filter(partnership=gm,
                                              milestone_key="progress_report").exists()
    assert "This year the partnership cut waiting times" in page.inner_text(".app-report-body")

    page.get_by_role("link", name="Publish the report").click()
    web.check()
    page.get_by_role("button", name="Publish the report").click()
    web.check()
    report.refresh_from_db()
    assert report.status == "published"
    assert "Published on" in page.inner_text("[data-testid=step-published]")
    web.goto(f"{GM}/reports/2024/")
    _shoot(page, "report-published")

    web.goto(f"{GM}/reports/2024/versions/")
    assert submission.html_sha256 in page.inner_text("[data-testid=versions]")
    web.goto(f"{GM}/reports/")
    assert "Published" in page.inner_text("[data-testid=reports]")

    # Central users see it in every partnership's reports.
    page.context.clear_cookies()
    web.sign_in("central.analyst@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.goto("/partnerships/reports/?year=2024")
    row = page.locator("tr[data-partnership=greater-manchester][data-year='2024']")
    assert "Published" in row.inner_text()
    _shoot(page, "national-reports")

    # A signed-out visitor finds the partnership by an authority's name, opens its public
    # page and the report, and downloads the PDF.
    page.context.clear_cookies()
    web.goto("/public/")
    page.get_by_label("Council, town or district").fill("Salford")
    page.get_by_role("button", name="Search").click()
    web.check()
    page.get_by_role("link", name=re.compile("^Greater Manchester")).first.click()
    web.check()
    assert page.url.endswith("/public/greater-manchester/")
    web.check_reflow("/public/greater-manchester/")
    _shoot(page, "public-partnership")
    reports = page.locator("li", has_text="2024/25")
    reports.get_by_role("link", name="read the report").click()
    web.check()
    assert "This year the partnership cut waiting times" in page.inner_text("body")
    assert page.url.endswith("/public/greater-manchester/reports/2024/")
    pdf = page.request.get(f"{web.base_url}/public/greater-manchester/reports/2024.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body() == bytes(submission.pdf)
