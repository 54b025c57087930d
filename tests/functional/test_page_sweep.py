"""Every page of a demo partnership and the national views, in the browser with axe.

New sections registered in cdphub.partnerships.sections are swept automatically."""

from __future__ import annotations

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET
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
    # Governance and meetings: forms and detail pages.
    from cdphub.partnerships.models import Action, Meeting, SubGroup, TermsOfReference

    gm = "/partnerships/greater-manchester"
    terms = TermsOfReference.objects.filter(partnership__slug="greater-manchester").first()
    meeting = Meeting.objects.filter(partnership__slug="greater-manchester").first()
    group = SubGroup.objects.filter(partnership__slug="greater-manchester").first()
    action = Action.objects.filter(partnership__slug="greater-manchester").first()
    pages = [f"{gm}/governance/terms-of-reference/new/", f"{gm}/governance/sub-groups/new/",
             f"{gm}/governance/links/new/", f"{gm}/meetings/new/", f"{gm}/meetings/actions/",
             f"{gm}/meetings/actions/?show=overdue", f"{gm}/footprint/rationale/",
             f"{gm}/return/", "/outcomes/local/greater-manchester/new/"]
    if terms:
        pages.append(f"{gm}/governance/terms-of-reference/{terms.version}/")
    if meeting:
        pages.append(f"{gm}/meetings/{meeting.pk}/")
    if group:
        pages.append(f"{gm}/governance/sub-groups/{group.pk}/")
    if action:
        pages.append(f"{gm}/meetings/actions/{action.pk}/")
    assert terms and meeting and group and action, "the demo has governance records"
    for path in pages:
        web.goto(path)
    for path in ["/partnerships/", "/partnerships/new/", "/partnerships/register/",
                 "/partnerships/register/import/", "/partnerships/milestones/",
                 "/partnerships/footprint-changes/", "/partnerships/milestones/?show=overdue"]:
        web.goto(path)


def test_outcomes_pages_pass_axe(web, demo):
    from cdphub.outcomes.models import DataLoad

    web.goto("/outcomes/metrics/")
    assert "Deaths related to drug misuse" in web.page.inner_text("main")
    web.goto("/outcomes/metrics/drug_misuse_deaths/")
    web.sign_in("central.analyst@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.goto("/outcomes/loads/")
    assert "synthetic" in web.page.inner_text("main").lower()
    load = DataLoad.objects.filter(status="complete").first()
    assert load is not None, "the demo loads its synthetic data"
    web.goto(f"/outcomes/loads/{load.pk}/")
    assert load.checksum in web.page.inner_text("main")
    web.goto("/outcomes/loads/new/")
    web.page.locator("main form button[type=submit]").last.click()
    web.check()
    assert web.page.locator(".govuk-error-summary").count() == 1
