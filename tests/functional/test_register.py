"""The register in a real browser: register a partnership, add its SRO and members, see the
coverage gaps, and watch a milestone go overdue. axe checks every page visited."""

from __future__ import annotations

from django.test import override_settings

from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET


def fill_date(page, legend: str, day: int, month: int, year: int) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def add_person(web, *, name, position, sector, email="", sro_role=None, tier=None):
    page = web.page
    page.get_by_role("link", name="Add a person").click()
    web.check()
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Organisation").fill(f"{name} organisation")
    if email:
        page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_role("group", name="Role in the partnership").get_by_label(
        position, exact=True).check()
    page.get_by_label("Sector represented").select_option(label=sector)
    if sro_role:
        page.get_by_role("group", name="SRO's role").get_by_label(sro_role).check()
    if tier:
        page.get_by_label("Tier (elected members only)").select_option(label=tier)
    fill_date(page, "Start date", 1, 7, 2022)
    page.get_by_role("button", name="Add person").click()
    web.check()
    assert f"{name} added." in page.inner_text(".govuk-notification-banner")


@override_settings(CDPHUB_TODAY="2022-09-30")
def test_register_a_partnership_add_people_and_see_gaps(web, demo):
    from cdphub.partnerships.models import Coverage, Partnership

    # Free Hartlepool and Middlesbrough from their demo partnerships for this journey.
    Coverage.objects.filter(area__code__in=["E06000001", "E06000002"]).delete()
    Partnership.objects.filter(name__in=["Hartlepool Combating Drugs Partnership",
                                         "Middlesbrough Combating Drugs Partnership"]).delete()
    web.sign_in("central.admin@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    page = web.page
    web.goto("/partnerships/")
    page.get_by_role("link", name="Register a partnership").click()
    web.check()
    # First try: an authority already in another partnership is refused, by name.
    page.get_by_label("Partnership name").fill("Tees Valley Combating Drugs Partnership")
    page.get_by_label("Upper-tier local authorities covered").select_option(
        label=["Hartlepool (E06000001)", "Redcar and Cleveland (E06000003)"])
    fill_date(page, "Footprint starts", 1, 8, 2022)
    page.get_by_label("Rationale for the footprint").fill("One police force and one provider.")
    page.get_by_role("button", name="Register partnership").click()
    web.check()
    summary = page.inner_text(".govuk-error-summary")
    assert "Redcar and Cleveland (E06000003) is already covered by Redcar and Cleveland " \
           "Combating Drugs Partnership" in summary
    page.get_by_label("Upper-tier local authorities covered").select_option(
        label=["Hartlepool (E06000001)", "Middlesbrough (E06000002)"])
    # Registering recomputes every metric's figures for the new footprint, inside this request
    # in the test settings (tasks run at once): several seconds on a busy 2-core machine.
    page.get_by_role("button", name="Register partnership").click(timeout=60_000)
    web.check()
    assert page.get_by_role("heading", level=1).inner_text() == \
        "Tees Valley Combating Drugs Partnership"
    overview = page.inner_text("main")
    assert "2 upper-tier local authorities: Hartlepool, Middlesbrough" in overview
    assert "0 of 10 core sectors represented" in overview

    page.get_by_role("navigation", name="Partnership sections").get_by_role(
        "link", name="People and roles").click()
    web.check()
    assert page.locator(".govuk-summary-list .govuk-tag", has_text="Vacant").count() == 4
    add_person(web, name="Steve Turner", position="Senior responsible owner",
               sector="Police and crime commissioner", email="pcc@cleveland.example",
               sro_role="Police and crime commissioner")
    add_person(web, name="Dee Cooper", position="Core member", sector="Police")
    add_person(web, name="Cllr Mary Lanigan", position="Core member", sector="Elected members",
               tier="Upper tier (county or unitary council)")
    leadership = page.inner_text(".govuk-summary-list")
    assert "Steve Turner" in leadership
    assert page.locator(".govuk-summary-list .govuk-tag", has_text="Vacant").count() == 3

    page.get_by_role("navigation", name="Partnership sections").get_by_role(
        "link", name="Core membership").click()
    web.check()
    rows = {row.locator("th").inner_text(): row.locator("td").first.inner_text()
            for row in page.locator("table").first.locator("tbody tr").all()}
    assert rows["Police"] == "Represented"
    assert rows["Police and crime commissioner"] == "Represented"
    assert rows["Elected members"] == "Represented"
    assert rows["NHS"] == "Missing"
    assert list(rows.values()).count("Missing") == 7


def test_a_milestone_goes_overdue(web, demo):
    from cdphub.partnerships.models import TermsOfReference

    TermsOfReference.objects.filter(partnership__slug="greater-manchester").delete()
    web.sign_in("member@example.org", DEMO_PASSWORD)
    with override_settings(CDPHUB_TODAY="2022-09-30"):
        web.goto("/partnerships/greater-manchester/milestones/")
        row = web.page.locator("tr", has_text="Agree terms of reference")
        assert row.locator(".govuk-tag").inner_text() == "Due"
    with override_settings(CDPHUB_TODAY="2022-10-01"):
        web.goto("/partnerships/greater-manchester/milestones/")
        row = web.page.locator("tr", has_text="Agree terms of reference")
        assert row.locator(".govuk-tag").inner_text() == "Overdue"
        web.goto("/partnerships/greater-manchester/")
        assert "agree terms of reference and governance structure (due 30 September 2022)" in \
            web.page.inner_text(".govuk-warning-text")
