"""The SRO before a board: what needs attention in Greater Manchester, on the home page and the
overview, each item leading to where it is put right, and the board summary on two A4 pages
at most."""

from __future__ import annotations

import re

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET

GM = "/partnerships/greater-manchester"
# A PDF page object (not the /Pages tree that holds them).
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def pdf_pages(pdf: bytes) -> int:
    return len(PDF_PAGE.findall(pdf))


def test_the_sro_sees_what_needs_attention_and_prints_a_board_summary(web, demo):
    from cdphub.core.clock import today
    from cdphub.partnerships.meetings import overdue_actions
    from cdphub.partnerships.models import Partnership

    gm = Partnership.objects.get(slug="greater-manchester")
    overdue = overdue_actions(gm.actions.all(), today()).count()
    terms = gm.terms_of_reference.order_by("-version").first()
    # What the demo holds for Greater Manchester: the two cases.
    assert overdue >= 2, "the demo has overdue actions in Greater Manchester"
    assert terms is not None and terms.review_due < today(), \
        "the demo's terms of reference are past their review date"
    actions = f"{overdue} actions from meetings are overdue"
    review = (f"The terms of reference (version {terms.version}) were due for review on "
              f"{terms.review_due.day} {terms.review_due:%B %Y}")

    web.sign_in("sro@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    page = web.page
    web.goto("/")  # the SRO's roles cover one partnership: the home page has its summary
    home = page.get_by_role("region", name="Needs attention").inner_text()
    assert actions in home and review in home

    web.goto(f"{GM}/")
    summary = page.get_by_role("region", name="Needs attention")
    text = summary.inner_text()
    assert actions in text and review in text
    # At the top: before the footprint and the names.
    headings = page.locator("main h2").all_inner_texts()
    assert headings[:3] == ["Needs attention", "Footprint", "Leadership"]

    summary.get_by_role("link", name="See overdue actions").click()
    web.check()
    assert page.url.endswith(f"{GM}/meetings/actions/?show=overdue")
    assert page.locator("main tbody tr").count() == overdue
    page.go_back()
    page.get_by_role("region", name="Needs attention").get_by_role(
        "link", name="See governance").click()
    web.check()
    assert page.url.endswith(f"{GM}/governance/")
    assert "has passed" in page.inner_text(".govuk-warning-text")

    web.goto(f"{GM}/")
    page.get_by_role("link", name="Print a board summary").click()
    web.check()
    board = page.inner_text("main")
    assert "Greater Manchester Combating Drugs Partnership" in board
    assert actions in board and review in board
    assert page.get_by_role("table").locator("tbody tr").count() >= 10  # headline metrics
    pdf = page.pdf(format="A4")
    assert 1 <= pdf_pages(pdf) <= 2, pdf_pages(pdf)
