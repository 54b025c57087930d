"""The needs assessment's own pages: the index, starting one, the whole assessment with its
figures live (a draft) or frozen (signed off), writing a section with its history, and the
figures download. The figures come through the real pipeline: a file of deaths related to
drug misuse loaded through the outcomes store and recomputed, as the outcomes tests do."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cdphub import stats
from cdphub.accounts.models import Role
from cdphub.outcomes import dashboard
from cdphub.outcomes.compute import recompute_metrics
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.outcomes.summary import format_value, with_unit
from cdphub.partnerships.models import Meeting
from cdphub.planning import actions
from cdphub.planning.downloads_assessment import COLUMNS
from cdphub.planning.models import Assessment, SectionNarrative
from tests.conftest import make_user, sign_in
from tests.outcomes.loading_helpers import catalogue, cover, csv_bytes, load_bytes

TODAY = dt.date(2024, 5, 1)
DEATHS = "drug_misuse_deaths"
MANCHESTER, SALFORD = "E08000003", "E08000006"
HEADER = "metric,area_code,period_from,period_to,age_band,numerator,denominator"


def load_deaths(period_from: str, period_to: str, per_band: dict[str, int],
                name: str = "deaths.csv") -> DataLoad:
    """Deaths in each of the 19 age bands of the 2013 European Standard Population for each
    authority (per_band: code → deaths in each band), loaded and recomputed."""
    lines = [f"{DEATHS},{code},{period_from},{period_to},{band},{deaths},20000"
             for code, deaths in per_band.items() for band in stats.esp2013()]
    load = load_bytes(csv_bytes(*lines, header=HEADER), name=name)
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    recompute_metrics([Metric.objects.get(key=DEATHS).pk])
    return load


@pytest.fixture
def deaths(world, settings):
    """Partnership A covers Manchester and Salford; deaths for 2020 - 22 are loaded."""
    settings.CDPHUB_TODAY = TODAY.isoformat()
    catalogue()
    cover(world.partnership_a, MANCHESTER, SALFORD, since=dt.date(2015, 1, 1))
    load_deaths("2020-01-01", "2022-12-31", {MANCHESTER: 6, SALFORD: 4}, name="deaths-2022.csv")
    return Metric.objects.get(key=DEATHS)


def url(name: str, world, *args) -> str:
    return reverse(f"partnerships:{name}", args=[world.partnership_a.slug, *args])


def draft(world) -> Assessment:
    return actions.start(partnership=world.partnership_a, by=world.member_a)


def agree(world, assessment: Assessment) -> Assessment:
    meeting = Meeting.objects.create(partnership=world.partnership_a,
                                     held_on=TODAY - dt.timedelta(days=7))
    return actions.agree(assessment=assessment, meeting=meeting, by=world.sro_a)


def metric_html(page: str, section: str, key: str = DEATHS) -> str:
    start = page.index(f'data-testid="metric-{section}-{key}"')
    end = page.find('class="app-assessment-metric"', start + 1)
    return page[start:end if end > 0 else None]


def cell(block: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</td>', block, re.DOTALL)
    assert found, testid
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def key_figure(page: str) -> str:
    """The partnership's figure on its outcomes page for the metric (the key figure)."""
    block = page[page.index('data-testid="key-short"'):]
    found = re.search(r'class="app-key-figure__value">(.*?)</span>', block, re.DOTALL)
    return html.unescape(found.group(1)).strip()


# --------------------------------------------------------------------------- the index


def test_with_no_assessment_the_index_explains_it_and_a_member_may_start_one(client, world):
    sign_in(client, world.member_a)
    page = client.get(url("needs-assessment", world)).content.decode()
    assert "has no needs assessment in cdphub yet" in page
    assert "Chapter 4" in page and "end of November 2022" in page
    assert "at least every three years" in page
    assert "Start a new needs assessment" in page


@pytest.mark.parametrize("who", ["adviser", "central_admin", "central_analyst"])
def test_readers_who_are_not_members_see_no_start_button(client, world, who):
    sign_in(client, getattr(world, who))
    response = client.get(url("needs-assessment", world))
    assert response.status_code == 200
    assert "Start a new needs assessment" not in response.content.decode()
    # and may not start one
    assert client.post(url("needs-assessment-start", world)).status_code == 403
    assert not Assessment.objects.exists()


def test_starting_makes_a_draft_and_a_second_start_is_refused_in_words(client, world):
    sign_in(client, world.member_a)
    response = client.post(url("needs-assessment-start", world))
    assessment = Assessment.objects.get()
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.created_by == world.member_a
    assert response["Location"] == url("needs-assessment-detail", world, assessment.pk)
    index = client.get(url("needs-assessment", world)).content.decode()
    assert "Start a new needs assessment" not in index  # one in progress
    assert "The assessment in progress" in index and assessment.title in index

    response = client.post(url("needs-assessment-start", world), follow=True)
    assert "There is already an assessment in progress" in response.content.decode()
    assert Assessment.objects.count() == 1


def test_starting_is_post_only(client, world):
    sign_in(client, world.member_a)
    assert client.get(url("needs-assessment-start", world)).status_code == 405
    assert not Assessment.objects.exists()


def test_the_index_shows_the_current_assessment_and_every_earlier_one(client, world, deaths):
    first = agree(world, draft(world))
    actions.sign_off(assessment=first, by=world.sro_a, on=dt.date(2022, 11, 20))
    actions.publish(assessment=first, by=world.sro_a)
    second = draft(world)
    sign_in(client, world.adviser)
    page = client.get(url("needs-assessment", world)).content.decode()
    current = page[page.index('data-testid="current-assessment"'):]
    current = current[:current.index("</dl>")]
    assert url("needs-assessment-detail", world, second.pk) in current and "Draft" in current
    earlier = page[page.index('data-testid="earlier-assessments"'):]
    earlier = earlier[:earlier.index("</table>")]
    assert url("needs-assessment-detail", world, first.pk) in earlier
    assert "Signed off" in earlier and "20 November 2022" in earlier and "Yes," in earlier
    assert url("needs-assessment-detail", world, second.pk) not in earlier


# --------------------------------------------------------------------------- the whole assessment


def test_a_draft_shows_the_live_figures_of_the_outcomes_page(client, world, deaths):
    assessment = draft(world)
    view = dashboard.metric_view(world.partnership_a, deaths, TODAY)
    sign_in(client, world.member_a)
    page = client.get(url("needs-assessment-detail", world, assessment.pk)).content.decode()
    outcomes = client.get(url("outcome-metric", world, DEATHS)).content.decode()

    assert "The figures below are live" in page and "frozen" in page
    block = metric_html(page, "residents_lives")
    shown = cell(block, "value")
    assert shown == with_unit(view.latest.value, deaths.method, deaths.unit)
    assert shown == key_figure(outcomes)  # the outcomes page's figure
    assert view.latest.period_label in block
    assert cell(block, "interval") == (
        f"{format_value(view.latest.lower_95, deaths.method, deaths.unit)} to "
        f"{format_value(view.latest.upper_95, deaths.method, deaths.unit)}")
    # live: a link to the metric's outcomes page
    assert url("outcome-metric", world, DEATHS) in block
    # each authority: open in the section on geographical disparities
    geography = metric_html(page, "geography")
    for area, figure in view.authorities:
        assert area.name in geography and area.code in geography
        assert with_unit(figure.value, deaths.method, deaths.unit) in geography
    assert "<details" not in geography.split('data-testid="authorities"')[0]
    # where the figures come from
    sources = page[page.index('data-testid="loads"'):]
    assert "deaths-2022.csv" in sources and "National data" in sources


def test_the_page_groups_the_sections_with_a_contents_list(client, world, deaths):
    assessment = draft(world)
    actions.write_section(assessment=assessment, section_key="partners",
                          text="The police.\n\nThe council.", by=world.member_a)
    sign_in(client, world.member_a)
    page = client.get(url("needs-assessment-detail", world, assessment.pk)).content.decode()
    contents = page[page.index('id="contents-heading"'):page.index("</nav>", page.index(
        'id="contents-heading"'))]
    assert contents.index("Box 4&#x27;s questions") < contents.index("The analysis")
    assert "#section-residents_lives" in contents and "#section-accessibility" in contents
    assert "#sources" in contents
    partners = page[page.index('data-testid="section-partners"'):]
    partners = partners[:partners.index("</section>")]
    assert "<p>The police.</p>" in partners and "<p>The council.</p>" in partners
    assert "Not written yet" in page  # the other sections
    assert url("needs-assessment-section", world, assessment.pk, "partners") in partners


@pytest.mark.parametrize("who", ["adviser", "central_admin"])
def test_readers_who_are_not_members_see_no_edit_links(client, world, deaths, who):
    assessment = draft(world)
    sign_in(client, getattr(world, who))
    page = client.get(url("needs-assessment-detail", world, assessment.pk)).content.decode()
    assert "The figures below are live" in page
    assert "/sections/" not in page


def test_no_edit_links_once_the_assessment_is_agreed(client, world, deaths):
    assessment = agree(world, draft(world))
    sign_in(client, world.member_a)
    page = client.get(url("needs-assessment-detail", world, assessment.pk)).content.decode()
    assert "/sections/" not in page


def test_a_signed_off_assessment_keeps_its_frozen_figures_when_new_data_are_loaded(
        client, world, deaths):
    assessment = agree(world, draft(world))
    actions.sign_off(assessment=assessment, by=world.sro_a)
    before = dashboard.metric_view(world.partnership_a, deaths, TODAY).latest
    frozen = with_unit(before.value, deaths.method, deaths.unit)
    sign_in(client, world.member_a)
    detail = url("needs-assessment-detail", world, assessment.pk)
    page = client.get(detail).content.decode()

    # A newer period is loaded: the outcomes page moves on, the assessment does not.
    load_deaths("2021-01-01", "2023-12-31", {MANCHESTER: 9, SALFORD: 7}, name="deaths-2023.csv")
    after = dashboard.metric_view(world.partnership_a, deaths, TODAY).latest
    assert after.period_label == "2021 - 23" and after.value != before.value
    outcomes = client.get(url("outcome-metric", world, DEATHS)).content.decode()
    assert key_figure(outcomes) == with_unit(after.value, deaths.method, deaths.unit)

    again = client.get(detail).content.decode()
    block = metric_html(again, "residents_lives")
    assert cell(block, "value") == frozen != key_figure(outcomes)
    assert "2020 - 22" in block and "2021 - 23" not in again
    assert "Figures as at 1 May 2024, frozen when the assessment was signed off" in again
    assert url("outcome-metric", world, DEATHS) not in again  # frozen: no live link
    assert "deaths-2022.csv" in again and "deaths-2023.csv" not in again
    # the figures shown are the same as before the new load
    assert metric_html(again, "geography") == metric_html(page, "geography")


def test_a_suppressed_figure_is_shown_as_the_outcomes_pages_show_it(client, world, deaths):
    assessment = agree(world, draft(world))
    actions.sign_off(assessment=assessment, by=world.sro_a)
    snapshot = assessment.snapshot
    salford = next(a for a in snapshot["metrics"][DEATHS]["authorities"] if a["code"] == SALFORD)
    hidden = salford["text"]
    salford.update(value=None, lower_95=None, upper_95=None, text="", interval="",
                   suppressed=True)
    Assessment.objects.filter(pk=assessment.pk).update(snapshot=snapshot)
    sign_in(client, world.member_a)
    page = client.get(url("needs-assessment-detail", world, assessment.pk)).content.decode()
    geography = metric_html(page, "geography")
    row = geography[geography.index("Salford"):]
    row = row[:row.index("</tr>")]
    assert "Not shown (small numbers)" in row and "Small numbers" in row
    assert hidden not in row


def test_the_page_uses_the_section_findings_and_signoff_templates(client, world, deaths):
    assessment = draft(world)
    sign_in(client, world.member_a)
    response = client.get(url("needs-assessment-detail", world, assessment.pk))
    used = [t.name for t in response.templates]
    assert "planning/_signoff_panel.html" in used
    assert used.count("planning/_section_findings.html") == 12  # one per section


# --------------------------------------------------------------------------- one section


def test_a_member_writes_a_section_and_its_history_says_who_and_when(client, world, deaths):
    assessment = draft(world)
    lead = make_user("lead.a@example.org", Role.PARTNERSHIP_LEAD, partnership=world.partnership_a)
    edit = url("needs-assessment-section", world, assessment.pk, "crime")
    sign_in(client, world.member_a)
    page = client.get(edit).content.decode()
    assert "Serious violence, homicide and acquisitive crime" in page  # the prompt as hint
    assert 'class="govuk-hint"' in page and "<textarea" in page
    assert "Nothing has been written in this section yet" in page
    reference = page[page.index('data-testid="reference-figures"'):]
    assert "Homicides" in reference or "homicide" in reference.lower()

    response = client.post(edit, {"text": "Knife crime rose in 2023."})
    assert response["Location"].endswith("#section-crime")
    sign_in(client, lead)
    client.post(edit, {"text": "Knife crime rose in 2023, mostly in the city centre."})

    narrative = SectionNarrative.objects.get(assessment=assessment, section_key="crime")
    assert narrative.text == "Knife crime rose in 2023, mostly in the city centre."
    page = client.get(edit).content.decode()
    history = page[page.index('data-testid="history"'):]
    history = history[:history.index("</ol>")]
    entries = history.split('class="app-timeline__item"')[1:]
    assert len(entries) == 2  # one version per save
    assert "Changed</strong> by lead.a" in entries[0] and "(the current version)" in entries[0]
    assert "mostly in the city centre" in entries[0]
    assert "Written</strong> by member.a" in entries[1]
    assert "Knife crime rose in 2023.</p>" in entries[1]
    when = timezone.localtime(narrative.history.first().history_date)
    assert f"{when.day} {when:%B %Y}" in entries[0]
    # the text of each version is folded away
    assert all("<details" in entry for entry in entries)


def test_a_section_of_an_agreed_or_signed_off_assessment_cannot_be_changed(
        client, world, deaths):
    assessment = draft(world)
    actions.write_section(assessment=assessment, section_key="crime", text="As agreed.",
                          by=world.member_a)
    agree(world, assessment)
    edit = url("needs-assessment-section", world, assessment.pk, "crime")
    sign_in(client, world.member_a)
    page = client.get(edit).content.decode()
    assert "can no longer be changed" in page and "<textarea" not in page
    response = client.post(edit, {"text": "Changed after the meeting."})
    assert response.status_code == 200
    assert "This assessment can no longer be changed" in response.content.decode()
    narrative = SectionNarrative.objects.get(assessment=assessment, section_key="crime")
    assert narrative.text == "As agreed." and narrative.history.count() == 2

    actions.sign_off(assessment=assessment, by=world.sro_a)
    response = client.post(edit, {"text": "Changed after sign-off."})
    assert "signed off" in response.content.decode()
    narrative.refresh_from_db()
    assert narrative.text == "As agreed."


def test_an_unknown_section_is_not_found(client, world):
    assessment = draft(world)
    sign_in(client, world.member_a)
    assert client.get(url("needs-assessment-section", world, assessment.pk,
                          "no_such_section")).status_code == 404


def test_another_partnerships_assessment_is_not_found_under_this_partnerships_address(
        client, world):
    """A member of A (who may write A's assessment) cannot reach B's through A's slug."""
    theirs = actions.start(partnership=world.partnership_b, by=world.member_b)
    sign_in(client, world.member_a)
    for name, extra in (("needs-assessment-detail", ()),
                        ("needs-assessment-section", ("crime",)),
                        ("needs-assessment-figures-download", ("csv",))):
        assert client.get(url(name, world, theirs.pk, *extra)).status_code == 404, name
    assert client.post(url("needs-assessment-section", world, theirs.pk, "crime"),
                       {"text": "Overwritten"}).status_code == 404
    assert not SectionNarrative.objects.filter(assessment=theirs).exists()


# --------------------------------------------------------------------------- the download


def rows_of(response) -> tuple[list[str], list[dict]]:
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def test_the_download_holds_every_figure_the_page_shows(client, world, deaths):
    assessment = draft(world)
    view = dashboard.metric_view(world.partnership_a, deaths, TODAY)
    sign_in(client, world.adviser)
    response = client.get(url("needs-assessment-figures-download", world, assessment.pk, "csv"))
    assert response.status_code == 200
    assert f'filename="greater-manchester-needs-assessment-{assessment.pk}-figures.csv"' in (
        response["Content-Disposition"])
    header, rows = rows_of(response)
    assert header == [column.heading for column in COLUMNS]
    mine = [r for r in rows if r["Metric key"] == DEATHS]
    # each metric once, with every section that shows it
    assert mine[0]["Shown in sections"].count(";") == 3
    by_place = {(r["Type of place"], r["Code"], r["Breakdown"]): r for r in mine}
    partnership = by_place["Partnership", "greater-manchester", ""]
    assert float(partnership["Value"]) == view.latest.value
    assert float(partnership["Lower 95% limit"]) == view.latest.lower_95
    assert partnership["Period"] == "2020 - 22"
    assert (partnership["Period start"], partnership["Period end"]) == ("2020-01-01",
                                                                         "2022-12-31")
    assert partnership["Shown as"] == with_unit(view.latest.value, deaths.method, deaths.unit)
    assert partnership["Synthetic data"] == "no"
    for area, figure in view.authorities:
        assert float(by_place["Authority", area.code, ""]["Value"]) == figure.value
        assert by_place["Authority", area.code, ""]["Name"] == area.name
    assert by_place["Region", "E12000002", ""]["Name"] == "North West"
    assert ("England", "E92000001", "") in by_place
    # a metric with no figures yet still has its rows, empty
    assert any(r["Metric key"] == "numbers_in_treatment" and r["Value"] == "" for r in rows)


def test_the_download_says_whether_its_figures_are_live_or_frozen(client, world, deaths):
    from openpyxl import load_workbook

    assessment = draft(world)
    sign_in(client, world.member_a)
    link = url("needs-assessment-figures-download", world, assessment.pk, "xlsx")

    def about():
        book = load_workbook(io.BytesIO(client.get(link).content))
        return {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)
                if row and row[0] is not None and len(row) > 1}

    live = about()
    assert live["Figures"].startswith("Live: the figures published on 2024-05-01")
    assert any("deaths-2022.csv" in str(text) for label, text in live.items()
               if label == "Note")
    agree(world, assessment)
    actions.sign_off(assessment=assessment, by=world.sro_a)
    frozen = about()
    assert frozen["Figures"].startswith("Frozen when the assessment was signed off")
    assert frozen["From the page"].endswith(url("needs-assessment-detail", world,
                                                assessment.pk))


def test_an_unknown_download_format_is_not_found(client, world):
    assessment = draft(world)
    sign_in(client, world.member_a)
    assert client.get(url("needs-assessment-figures-download", world, assessment.pk,
                          "pdf")).status_code == 404
