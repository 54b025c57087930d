"""The needs assessment in a real browser, as a member of Greater Manchester: the index, starting
an assessment, reading it whole (the figures of deaths related to drug misuse as the outcomes
page shows them), writing a section and reading its history; then printing it on A4. axe and
the reflow check run on every page visited (``Browser.goto``)."""

from __future__ import annotations

from cdphub.demo.build import DEMO_PASSWORD
from tests.functional.test_print import print_and_check_headers

GM = "/partnerships/greater-manchester"


def _no_assessment_in_progress():
    """Whatever the demo holds for Greater Manchester, the member starts the next one."""
    from cdphub.planning.models import Assessment

    Assessment.objects.filter(partnership__slug="greater-manchester",
                              status__in=Assessment.IN_PROGRESS).delete()


def test_a_member_starts_an_assessment_reads_it_and_writes_a_section(web, demo):
    from cdphub.planning.models import Assessment, SectionNarrative

    _no_assessment_in_progress()
    web.sign_in("member@example.org", DEMO_PASSWORD)
    page = web.page
    web.goto(f"{GM}/needs-assessment/")
    assert page.get_by_role("heading", level=1).inner_text() == "Needs assessment"
    page.get_by_role("button", name="Start a new needs assessment").click()
    web.check()
    assert "is started" in page.inner_text(".govuk-notification-banner")
    assessment = Assessment.objects.get(partnership__slug="greater-manchester",
                                        status="draft")
    assert page.url.endswith(f"{GM}/needs-assessment/{assessment.pk}/")
    web.goto(f"{GM}/needs-assessment/{assessment.pk}/")  # axe and reflow on the whole page
    assert "The figures below are live" in page.inner_text("[data-testid=figures-status]")

    # The figure of deaths related to drug misuse is the outcomes page's.
    block = page.locator("[data-testid=metric-residents_lives-drug_misuse_deaths]")
    shown = block.locator("[data-testid=value]").inner_text()
    web.goto(f"{GM}/outcomes/drug_misuse_deaths/")
    assert page.locator("[data-testid=key-short] .app-key-figure__value").inner_text() == shown

    web.goto(f"{GM}/needs-assessment/{assessment.pk}/")
    section = page.locator("[data-testid=section-crime]")
    section.get_by_role("link", name="Edit The impact of drug supply and use on crime").click()
    web.check()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "The impact of drug supply and use on crime")
    page.get_by_label("What the assessment says").fill(
        "Drug-related homicides are rare, but acquisitive crime follows the markets.\n\n"
        "County lines run from the city centre.")
    page.get_by_role("button", name="Save section").click()
    web.check()
    assert "is saved" in page.inner_text(".govuk-notification-banner")
    narrative = page.locator("[data-testid=section-crime] [data-testid=narrative]").inner_text()
    assert "County lines run from the city centre." in narrative
    assert SectionNarrative.objects.get(assessment=assessment, section_key="crime").text

    web.goto(f"{GM}/needs-assessment/{assessment.pk}/sections/crime/")
    history = page.locator("[data-testid=history] li")
    # Started from the last signed-off assessment's text (the demo's), then changed.
    assert history.count() == 2
    assert "Changed by Chris Jordan" in history.first.inner_text()
    assert "Written by Chris Jordan" in history.last.inner_text()
    history.first.locator("summary").click()
    assert "County lines run from the city centre." in history.first.inner_text()
    web.check()


def test_the_whole_assessment_prints_on_a4(web, demo):
    from cdphub.accounts.models import User
    from cdphub.demo.build import DEMO_TOTP_SECRET
    from cdphub.partnerships.models import Partnership
    from cdphub.planning import actions
    from cdphub.planning.models import Assessment

    _no_assessment_in_progress()
    partnership = Partnership.objects.get(slug="greater-manchester")
    assessment = actions.start(partnership=partnership,
                               by=User.objects.get(email="lead@example.org"))
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    web.sign_in("lead@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    sizes = print_and_check_headers(web, f"{GM}/needs-assessment/{assessment.pk}/")
    assert all(round(w) == 210 and round(h) == 297 for w, h in sizes), sizes
    # Twelve sections with the figures of a footprint of ten authorities: 14 pages when this
    # was written; fewer than 4 would mean the figures were left out.
    assert 4 <= len(sizes) <= 20, f"the assessment prints on {len(sizes)} A4 pages"
