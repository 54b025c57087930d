"""Issue #12's whole journey in a real browser, as the people who do it.

The partnership lead of Greater Manchester opens the assessment in progress, reads the
auto-filled figure for deaths related to drug misuse (the same as the outcomes page), writes a
section, adds an evidence entry with a file, adds a finding resting on that evidence, raises it
to a priority and records the partnership's agreement at a meeting. The SRO, signed in with the
second factor, signs it off. Then a newer data load changes the outcomes page but not the
signed-off assessment. axe and the 320/768/1280 px reflow check run on every page visited
(``Browser.goto``)."""

from __future__ import annotations

import datetime as dt
import re

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.functional.test_needs_assessment_registers import PDF, fill_date

GM = "/partnerships/greater-manchester"
DEATHS = "drug_misuse_deaths"
BLOCK = f"[data-testid=metric-current_performance-{DEATHS}]"


def _draft_in_progress():
    """The demo's assessment in progress for Greater Manchester, as a draft."""
    from cdphub.partnerships.models import Partnership
    from cdphub.planning import actions
    from cdphub.planning.models import Assessment

    gm = Partnership.objects.get(slug="greater-manchester")
    assessment = gm.assessments.in_progress().first()
    assert assessment is not None, "the demo gives Greater Manchester an assessment in progress"
    if assessment.status == Assessment.Status.AGREED:
        actions.return_to_draft(assessment=assessment, by=None)
    return assessment


def _load_newer_deaths(codes: list[str], period_to: str) -> str:
    """A newer three-year period of deaths for the footprint's authorities, through the normal
    loading path, then recomputed; returns the new period's label."""
    from cdphub import stats
    from cdphub.outcomes.compute import recompute_metrics
    from cdphub.outcomes.models import DataLoad, Metric
    from tests.outcomes.loading_helpers import csv_bytes, load_bytes

    end = dt.date.fromisoformat(period_to)
    start = dt.date(end.year - 2, 1, 1)
    lines = [f"{DEATHS},{code},{start},{end},{band},3,25000"
             for code in codes for band in stats.esp2013()]
    load = load_bytes(csv_bytes(*lines, header="metric,area_code,period_from,period_to,"
                                "age_band,numerator,denominator"), name="deaths-newer.csv")
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    recompute_metrics([Metric.objects.get(key=DEATHS).pk])
    return f"{start.year} - {str(end.year)[2:]}"


def test_the_lead_builds_the_assessment_and_the_sro_signs_it_off(web, demo, tmp_path):
    from cdphub.partnerships.models import Coverage, MilestoneCompletion
    from cdphub.planning.models import Assessment, Evidence, Finding, Priority

    assessment = _draft_in_progress()
    page_of_assessment = f"{GM}/needs-assessment/{assessment.pk}/"
    page = web.page

    # --- the partnership lead -------------------------------------------------------------
    web.sign_in("lead@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.goto(f"{GM}/needs-assessment/")
    page.locator("[data-testid=current-assessment]").get_by_role(
        "link", name=assessment.title).click()
    web.check()
    assert page.url.endswith(page_of_assessment)
    assert "live" in page.inner_text("[data-testid=figures-status]")
    value = page.locator(f"{BLOCK} [data-testid=value]").inner_text()
    sentence = page.locator(f"{BLOCK} [data-testid=sentence]").inner_text()
    assert re.match(r"^\d+\.\d per 100,000$", value), value
    web.goto(f"{GM}/outcomes/{DEATHS}/")
    on_outcomes_page = page.locator("[data-testid=key-short] .app-key-figure__value").inner_text()
    assert on_outcomes_page == value

    # narrative
    web.goto(f"{page_of_assessment}sections/geography/")
    page.get_by_label("What the assessment says").fill(
        "Deaths are highest in Manchester and Salford, where the market is most open.")
    page.get_by_role("button", name="Save section").click()
    web.check()
    assert "Deaths are highest in Manchester and Salford" in page.inner_text(
        "[data-testid=section-geography] [data-testid=narrative]")

    # evidence with a file
    report = tmp_path / "Coroner's review of deaths 2024.pdf"
    report.write_bytes(PDF)
    web.goto(f"{GM}/needs-assessment/evidence/add/")
    page.get_by_label("Title").fill("Coroner's review of drug-related deaths 2024")
    page.get_by_label("Type of evidence").select_option(
        label="Case review: child or adult safeguarding, or mental health")
    page.get_by_label("Or another organisation").fill("HM Coroner for Manchester City")
    fill_date(page, "Date of the document", dt.date(2024, 9, 30))
    page.get_by_label("File (optional)").set_input_files(str(report))
    page.get_by_role("button", name="Add evidence").click()
    web.check()
    evidence = Evidence.objects.get(title="Coroner's review of drug-related deaths 2024")
    assert evidence.file_name == report.name and evidence.file_type == "application/pdf"

    # a finding resting on that evidence, raised to a priority
    web.goto(page_of_assessment)
    page.get_by_role("link", name="Add a finding to Geographical disparities").click()
    web.check()
    page.get_by_label("Finding", exact=True).fill(
        "Deaths in Manchester and Salford are twice those of the other boroughs.")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Coroner's review of drug-related deaths 2024").check()
    page.get_by_role("button", name="Add finding").click()
    web.check()
    finding = Finding.objects.get(assessment=assessment, section_key="geography")
    assert list(finding.evidence.all()) == [evidence]
    page.get_by_role("link", name=re.compile(r"^Raise to a priority\s*: Deaths in Manchester")
                     ).click()
    web.check()
    page.get_by_label("Priority", exact=True).fill("Cut deaths in Manchester and Salford")
    page.get_by_role("button", name="Raise to a priority").click()
    web.check()
    priority = Priority.objects.get(title="Cut deaths in Manchester and Salford")
    assert priority.finding == finding and priority.partnership.slug == "greater-manchester"

    # agreed at a meeting
    web.goto(page_of_assessment)
    page.get_by_role("link", name="Record agreement at a meeting").click()
    web.check()
    page.get_by_label("Which meeting agreed the assessment?").select_option(index=1)
    page.get_by_role("button", name="Record agreement").click()
    web.check()
    assert page.locator("[data-testid=assessment-status]").inner_text() == (
        "Agreed by the partnership")
    page.get_by_role("button", name="Sign out").click()

    # --- the SRO --------------------------------------------------------------------------
    web.sign_in("sro@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.goto(page_of_assessment)
    page.get_by_role("link", name="Sign off the assessment").click()
    web.check()
    page.get_by_role("button", name="Sign off the assessment").click()
    web.check()
    assert page.locator("[data-testid=assessment-status]").inner_text() == "Signed off"
    assert "frozen" in page.inner_text("[data-testid=figures-status]")
    frozen_value = page.locator(f"{BLOCK} [data-testid=value]").inner_text()
    frozen_sentence = page.locator(f"{BLOCK} [data-testid=sentence]").inner_text()
    assert (frozen_value, frozen_sentence) == (value, sentence)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SIGNED_OFF
    assert MilestoneCompletion.objects.filter(
        partnership__slug="greater-manchester", milestone_key="needs_assessment",
        completed_on=assessment.signed_off_on, link=page_of_assessment).count() == 1

    # --- a newer load changes the outcomes page, not the signed-off assessment -------------
    codes = sorted(Coverage.objects.filter(partnership__slug="greater-manchester",
                                           valid_to__isnull=True)
                   .values_list("area__code", flat=True))
    newest = _load_newer_deaths(codes, "2025-12-31")
    web.goto(f"{GM}/outcomes/{DEATHS}/")
    key = page.locator("[data-testid=key-short]").inner_text()
    assert newest in key and page.locator(
        "[data-testid=key-short] .app-key-figure__value").inner_text() != value
    web.goto(page_of_assessment)
    assert page.locator(f"{BLOCK} [data-testid=value]").inner_text() == value
    assert page.locator(f"{BLOCK} [data-testid=sentence]").inner_text() == sentence
    assert newest not in page.inner_text(BLOCK)
    loads = page.inner_text("[data-testid=loads]")
    assert "synthetic_demo_drug_misuse_deaths.csv" in loads
    assert "deaths-newer.csv" not in loads
