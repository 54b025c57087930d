"""Every page of a demo partnership and the national views, in the browser with axe.

New sections registered in cdphub.partnerships.sections are swept automatically."""

from __future__ import annotations

from cdphub.core.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from cdphub.partnerships.sections import sections_for


def test_every_partnership_section_and_form_passes_axe(web, demo):
    web.sign_in("central.admin@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    sections = sections_for("greater-manchester")
    assert len(sections) >= 6
    for _key, label, url in sections:
        web.goto(url)
        nav = web.page.get_by_role("navigation", name="Partnership sections")
        assert nav.locator("[aria-current=page]").inner_text() == label
    web.goto("/partnerships/greater-manchester/sro-exception/")
    for path in ["people/add/", "footprint/propose/", "milestones/record/"]:
        web.goto(f"/partnerships/greater-manchester/{path}")
        # Submitting empty shows the error summary, which must pass axe as well.
        web.page.locator("main form button[type=submit]").last.click()
        web.check()
        assert web.page.locator(".govuk-error-summary").count() == 1, path
    for path in ["/partnerships/", "/partnerships/new/", "/partnerships/milestones/",
                 "/partnerships/footprint-changes/", "/partnerships/milestones/?show=overdue"]:
        web.goto(path)
