"""The evidence and data-sharing registers in a real browser: a member of Greater Manchester
adds an evidence entry with a small PDF (after a file that is not what its name says is
refused), sees it listed and downloads it; the data-sharing page flags an agreement past its
review date. axe checks every page visited, error pages included, at 320, 768 and 1280 px."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cdphub.demo.build import DEMO_PASSWORD

GM = "/partnerships/greater-manchester"
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_member_adds_evidence_with_a_pdf_and_downloads_it(web, demo, tmp_path):
    from cdphub.accounts.models import AuditEvent
    from cdphub.planning.models import Evidence

    good = tmp_path / "Community safety assessment 2023.pdf"
    good.write_bytes(PDF)
    fake = tmp_path / "Saved page.pdf"
    fake.write_bytes(b"<!DOCTYPE html><html><body>Not a PDF</body></html>")

    web.sign_in("member@example.org", DEMO_PASSWORD)
    page = web.page
    web.goto(f"{GM}/needs-assessment/evidence/")
    page.get_by_role("link", name="Add evidence").click()
    web.check()
    web.check_reflow("evidence form")
    page.get_by_label("Title").fill("Community safety strategic assessment 2023")
    page.get_by_label("Type of evidence").select_option(
        label="Community safety strategic assessment")
    page.get_by_label("Or another organisation").fill("Greater Manchester Combined Authority")
    fill_date(page, "Date of the document", dt.date(2023, 11, 20))
    page.get_by_label("File (optional)").set_input_files(str(fake))
    page.get_by_role("button", name="Add evidence").click()
    web.check()
    summary = page.inner_text(".govuk-error-summary")
    assert "Saved page.pdf is named as a PDF but is an HTML or XML document" in summary
    assert not Evidence.objects.filter(title__startswith="Community safety strategic").exists()

    page.get_by_label("File (optional)").set_input_files(str(good))
    page.get_by_role("button", name="Add evidence").click()
    web.check()
    assert "is added to the evidence register" in page.inner_text(".govuk-notification-banner")
    table = page.locator("table", has_text="Community safety strategic assessment 2023")
    row = table.locator("tr", has_text="Community safety strategic assessment 2023")
    assert "Partnership only" in row.inner_text()
    assert "Greater Manchester Combined Authority" in row.inner_text()
    web.check_reflow("evidence register")

    with page.expect_download() as download_info:
        row.get_by_role("link", name=f"Community safety assessment 2023.pdf (PDF, {len(PDF)} "
                                     "bytes)").click()
    download = download_info.value
    assert download.suggested_filename == "Community safety assessment 2023.pdf"
    assert Path(download.path()).read_bytes() == PDF
    entry = Evidence.objects.get(title="Community safety strategic assessment 2023")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.FILE_DOWNLOADED,
                                     detail__evidence_id=entry.pk).count() == 1

    web.goto(f"{GM}/needs-assessment/evidence/{entry.pk}/")
    page.get_by_role("link", name="Withdraw this entry").click()
    web.check()
    web.check_reflow("withdraw form")


def test_the_data_sharing_page_flags_an_agreement_past_review(web, demo):
    from cdphub.partnerships.models import Organisation, Partnership
    from cdphub.planning.models import DataHolding, SharingAgreement

    today = dt.date.today()
    past = today - dt.timedelta(days=40)
    police, _ = Organisation.objects.get_or_create(name="Greater Manchester Police")
    council, _ = Organisation.objects.get_or_create(name="Manchester City Council")
    gm = Partnership.objects.get(slug="greater-manchester")
    agreement = SharingAgreement.objects.create(
        partnership=gm, title="Drug-related deaths information sharing agreement",
        purpose="Sharing coroners' and police data for drug-related death reviews",
        lawful_basis="public_task", signed_on=dt.date(2021, 4, 1), review_on=past,
        dpia_done=True)
    agreement.parties.set([police, council])
    DataHolding.objects.create(partnership=gm, organisation=police,
                               dataset="Arrests for possession and supply", sharing="intended")

    web.sign_in("member@example.org", DEMO_PASSWORD)
    page = web.page
    web.goto(f"{GM}/needs-assessment/data-sharing/")
    row = page.locator("tr", has_text="Drug-related deaths information sharing agreement")
    assert "Past review" in row.inner_text()
    assert f"{past.day} {past:%B %Y}" in row.inner_text()
    intended = page.locator("ul", has_text="Arrests for possession and supply").inner_text()
    assert "held by Greater Manchester Police" in intended

    page.get_by_role("link", name="Add an agreement").click()
    web.check()
    web.check_reflow("agreement form")
    page.get_by_role("button", name="Add agreement").click()  # nothing filled in
    web.check()
    assert "Select at least two parties" in page.inner_text(".govuk-error-summary")
    web.goto(f"{GM}/needs-assessment/data-sharing/agreements/{agreement.pk}/")
    web.goto(f"{GM}/needs-assessment/data-sharing/data-held/add/")

    web.goto(f"{GM}/")  # what needs attention names it too (with the demo's own, if any)
    from cdphub.core.clock import today
    from cdphub.planning.attention import agreements_past_review

    past_review = agreements_past_review(agreement.partnership, today())
    assert agreement in past_review
    expected = ("Drug-related deaths information sharing agreement" if len(past_review) == 1
                else f"{len(past_review)} data-sharing agreements are past their review date")
    assert expected in page.inner_text("main")
    assert page.get_by_role("link", name="See the data-sharing register").count() == 1
