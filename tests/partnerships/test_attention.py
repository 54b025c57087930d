"""What needs attention in a partnership (``cdphub.partnerships.attention``), the 90-day
window for "due", and where the summary shows: the overview, the home page and the board
summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from cdphub.framework import guidance
from cdphub.framework.milestones import (
    DONE,
    DUE,
    DUE_SOON_DAYS,
    NOT_YET_DUE,
    OVERDUE,
    Occurrence,
    shown_status,
)
from cdphub.geography.models import Area
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import ComputedValue, Metric
from cdphub.partnerships.attention import Kind, Severity, needs_attention
from cdphub.partnerships.models import (
    Action,
    Appointment,
    MilestoneCompletion,
    Partnership,
    Person,
    TermsOfReference,
)
from cdphub.partnerships.status import with_register
from tests.conftest import sign_in

D = dt.date
SECTORS = [s.key for s in guidance().core_sectors]
LEADS = ["sro", "partnership_lead", "public_involvement_lead", "data_lead"]


def items(partnership: Partnership, today: dt.date, kind: Kind | None = None):
    loaded = with_register(Partnership.objects.all()).get(pk=partnership.pk)
    found = needs_attention(loaded, today)
    return [item for item in found if kind is None or item.kind == kind]


def appoint(partnership, name: str, sector: str, position="core_member", **extra):
    person = Person.objects.create(partnership=partnership, full_name=name)
    return Appointment.objects.create(partnership=partnership, person=person, position=position,
                                      sector=sector, start_date=D(2022, 8, 1), **extra)


def fill_every_role(partnership) -> None:
    """A core member for each of the 10 sectors, an elected member of each tier, and the SRO
    and the three leads."""
    for n, sector in enumerate(SECTORS):
        appoint(partnership, f"Member {n}", sector,
                elected_tier="upper" if sector == "elected_members" else "")
    appoint(partnership, "District councillor", "elected_members", elected_tier="lower")
    for position in LEADS:
        appoint(partnership, f"Holder of {position}", "local_authority_officials",
                position=position, sro_role="la_director" if position == "sro" else "")


def complete_milestones(partnership, on: dt.date) -> None:
    for milestone in guidance().milestones:
        MilestoneCompletion.objects.create(partnership=partnership, milestone_key=milestone.key,
                                           completed_on=on, evidence="Done")


# --- the 90-day window -----------------------------------------------------------------------


def occurrence(due_on: dt.date, status: str = DUE) -> Occurrence:
    return Occurrence(guidance().milestones[0], due_on, status)


def test_a_milestone_is_due_within_90_days_of_its_date_and_not_yet_due_before():
    today = D(2024, 1, 1)
    assert DUE_SOON_DAYS == 90
    assert shown_status(occurrence(today), today) == DUE  # due today
    assert shown_status(occurrence(today + dt.timedelta(days=90)), today) == DUE
    assert shown_status(occurrence(today + dt.timedelta(days=91)), today) == NOT_YET_DUE
    assert shown_status(occurrence(D(2028, 6, 6)), today) == NOT_YET_DUE
    # Overdue and done are shown as they are, whatever the date.
    assert shown_status(occurrence(D(2023, 12, 31), OVERDUE), today) == OVERDUE
    assert shown_status(occurrence(D(2028, 6, 6), DONE), today) == DONE


def test_milestones_due_within_90_days_need_attention_and_later_ones_do_not(world):
    p = world.partnership_a  # nothing recorded: the first milestones fall on 1 August 2022
    first = D(2022, 8, 1)
    assert items(p, first - dt.timedelta(days=91), Kind.MILESTONES_DUE) == []
    [due] = items(p, first - dt.timedelta(days=90), Kind.MILESTONES_DUE)
    assert due.severity == Severity.MEDIUM
    assert due.text == (
        "3 milestones are due in the next 90 days: nominate your senior responsible owner (SRO) "
        "(due 1 August 2022); form your Combating Drugs Partnership (due 1 August 2022); "
        "confirm the footprint for your partnership (due 1 August 2022).")
    assert due.url == reverse("partnerships:milestones", args=[p.slug])
    assert items(p, first, Kind.MILESTONES_OVERDUE) == []  # due on the day itself


def test_overdue_milestones_need_attention_and_done_ones_do_not(world):
    p = world.partnership_a
    [overdue] = items(p, D(2022, 10, 1), Kind.MILESTONES_OVERDUE)
    assert overdue.severity == Severity.HIGH
    assert overdue.text.startswith("4 milestones are overdue: nominate your senior responsible "
                                   "owner (SRO) (due 1 August 2022);")
    assert "agree terms of reference and governance structure (due 30 September 2022)." in \
        overdue.text
    complete_milestones(p, D(2022, 9, 1))
    assert items(p, D(2022, 10, 1), Kind.MILESTONES_OVERDUE) == []


def test_the_milestones_page_shows_due_only_within_90_days(client, world):
    sign_in(client, world.member_a)
    page = reverse("partnerships:milestones", args=[world.partnership_a.slug])
    complete_milestones_except = {"needs_assessment", "delivery_plan", "progress_report",
                                  "performance_framework"}
    for milestone in guidance().milestones:
        if milestone.key not in complete_milestones_except:
            MilestoneCompletion.objects.create(partnership=world.partnership_a,
                                               milestone_key=milestone.key,
                                               completed_on=D(2022, 9, 1), evidence="Done")

    def tag(html: str, label: str) -> str:
        row = html[html.index(label):]
        row = row[:row.index("</tr>")]
        return row[row.index('class="govuk-tag'):].split(">", 1)[1].split("<", 1)[0]

    # The needs assessment is due on 30 November 2022, the delivery plan on 31 December 2022.
    with override_settings(CDPHUB_TODAY="2022-09-01"):  # 90 and 121 days before
        html = client.get(page).content.decode()
    assert tag(html, "Conduct a joint needs assessment") == "Due"
    assert tag(html, "Agree a local drugs strategy delivery plan") == "Not yet due"
    with override_settings(CDPHUB_TODAY="2022-08-31"):  # 91 days before
        html = client.get(page).content.decode()
    assert tag(html, "Conduct a joint needs assessment") == "Not yet due"


# --- actions, terms of reference, roles, core membership ---------------------------------


def test_overdue_actions_are_counted_with_the_oldest_due_date(world):
    p, today = world.partnership_a, D(2024, 6, 1)
    for due, status in [(D(2024, 3, 1), "in_progress"), (D(2024, 5, 31), "open"),
                        (D(2024, 6, 1), "open"),  # due today: not yet overdue
                        (D(2024, 1, 1), "done"), (D(2024, 1, 1), "cancelled"), (None, "open")]:
        Action.objects.create(partnership=p, description="Do it", due_on=due, status=status)
    Action.objects.create(partnership=world.partnership_b, description="Theirs",
                          due_on=D(2023, 1, 1))
    [item] = items(p, today, Kind.ACTIONS_OVERDUE)
    assert item.text == ("2 actions from meetings are overdue; the oldest was due on "
                         "1 March 2024.")
    assert item.severity == Severity.HIGH
    assert item.url == reverse("partnerships:actions", args=[p.slug]) + "?show=overdue"
    Action.objects.filter(partnership=p, due_on=D(2024, 3, 1)).update(status="done")
    [item] = items(p, today, Kind.ACTIONS_OVERDUE)
    assert item.text == "1 action from meetings is overdue: it was due on 31 May 2024."
    Action.objects.filter(partnership=p).update(status="done")
    assert items(p, today, Kind.ACTIONS_OVERDUE) == []


def test_terms_of_reference_past_their_review_date_need_attention(world):
    p = world.partnership_a
    assert items(p, D(2025, 1, 1), Kind.TERMS_REVIEW) == []  # none: the milestone says so
    TermsOfReference.objects.create(partnership=p, version=1, agreed_on=D(2022, 9, 1),
                                    review_due=D(2023, 9, 1))
    [item] = items(p, D(2023, 9, 2), Kind.TERMS_REVIEW)
    assert item.text.startswith("The terms of reference (version 1) were due for review on "
                                "1 September 2023")
    assert item.severity == Severity.HIGH
    assert item.url == reverse("partnerships:governance", args=[p.slug])
    assert items(p, D(2023, 9, 1), Kind.TERMS_REVIEW) == []  # the review date itself
    # A newer version with a later review date: only the latest counts.
    TermsOfReference.objects.create(partnership=p, version=2, agreed_on=D(2023, 9, 1),
                                    review_due=D(2026, 9, 1))
    assert items(p, D(2024, 1, 1), Kind.TERMS_REVIEW) == []


def test_vacant_sro_and_lead_roles_need_attention(world):
    p = world.partnership_a
    vacant = items(p, D(2024, 1, 1), Kind.VACANT_ROLE)
    assert [(i.text, i.severity) for i in vacant] == [
        ("The senior responsible owner role is vacant.", Severity.HIGH),
        ("The partnership lead role is vacant.", Severity.MEDIUM),
        ("The public involvement lead role is vacant.", Severity.MEDIUM),
        ("The data and digital lead role is vacant.", Severity.MEDIUM)]
    assert {i.url for i in vacant} == {reverse("partnerships:people", args=[p.slug])}
    appoint(p, "Sam SRO", "local_authority_officials", position="sro", sro_role="la_director")
    appoint(p, "Lee Lead", "local_authority_officials", position="partnership_lead",
            end_date=D(2023, 12, 31))  # left: the role is vacant again
    assert [i.text for i in items(p, D(2024, 1, 1), Kind.VACANT_ROLE)] == [
        "The partnership lead role is vacant.", "The public involvement lead role is vacant.",
        "The data and digital lead role is vacant."]


def test_missing_core_sectors_need_attention(world):
    p = world.partnership_a
    for sector in SECTORS[2:]:
        appoint(p, f"Member for {sector}", sector)
    [item] = items(p, D(2024, 1, 1), Kind.MISSING_SECTORS)
    assert item.text == ("2 of the 10 core sectors are not represented: Elected members, "
                         "Local authority officials.")
    assert item.severity == Severity.MEDIUM
    assert item.url == reverse("partnerships:coverage", args=[p.slug])
    appoint(p, "Councillor", "elected_members", elected_tier="upper")
    appoint(p, "Officer", "local_authority_officials")
    assert items(p, D(2024, 1, 1), Kind.MISSING_SECTORS) == []


# --- outcomes ---------------------------------------------------------------------------------

PERIOD = (D(2021, 1, 1), D(2023, 12, 31), "2021 - 23")


def figure(metric: Metric, *, v: float, area=None, partnership=None, comparison="", trend="",
           suppressed=False) -> ComputedValue:
    start, end, label = PERIOD
    return ComputedValue.objects.create(
        metric=metric, area=area, partnership=partnership, period_start=start, period_end=end,
        period_label=label, breakdown="", numerator=100.0, denominator=1_000_000.0, value=v,
        lower_95=v - 1, upper_95=v + 1, comparison=comparison, trend=trend,
        suppressed=suppressed, is_synthetic=False)


@pytest.fixture
def outcomes(world):
    """Headline metrics for partnership A: one worse than England, one similar but getting
    worse, one better and getting better, one suppressed; a supporting metric worse."""
    sync_catalogue()
    england = Area.objects.get(code="E92000001")
    a = world.partnership_a
    metrics = {m.key: m for m in Metric.objects.all()}
    for key, v, comparison, trend in [
            ("drug_misuse_deaths", 10.6, "worse", "no significant change"),
            ("drug_hospital_admissions", 40.0, "similar", "increasing and getting worse"),
            ("neighbourhood_crime", 10.0, "better", "decreasing and getting better"),
            ("deaths_in_treatment", 9.0, "worst", "increasing and getting worse")]:
        figure(metrics[key], v=v, partnership=a, comparison=comparison, trend=trend)
        figure(metrics[key], v=5.5 if key == "drug_misuse_deaths" else 40.0, area=england)
    figure(metrics["recovery_proportion"], v=30.0, partnership=a, comparison="worse",
           trend="decreasing and getting worse", suppressed=True)
    figure(metrics["ocu_prevalence"], v=19.5, partnership=world.partnership_b,
           comparison="worse")  # another partnership's
    return metrics


def test_headline_outcomes_worse_than_england_or_getting_worse_need_attention(world, outcomes):
    a = world.partnership_a
    worse = items(a, D(2024, 1, 1), Kind.OUTCOME_WORSE)
    worsening = items(a, D(2024, 1, 1), Kind.OUTCOME_WORSENING)
    assert [i.text for i in worse] == [
        "Deaths related to drug misuse: 10.6 per 100,000 (2021 - 23), significantly worse than "
        "England (5.5) — 93% higher than England — and with no significant change in its "
        "recent trend."]
    assert worse[0].severity == Severity.HIGH
    assert worse[0].url == reverse("partnerships:outcome-metric",
                                   args=[a.slug, "drug_misuse_deaths"])
    assert [i.url.rstrip("/").rsplit("/", 1)[1] for i in worsening] == [
        "drug_hospital_admissions"]
    assert "increasing (getting worse)" in worsening[0].text
    assert worsening[0].severity == Severity.MEDIUM
    # Partnership B: its own figure, nobody else's.
    assert [i.url.rstrip("/").rsplit("/", 1)[1]
            for i in items(world.partnership_b, D(2024, 1, 1), Kind.OUTCOME_WORSE)] == [
        "ocu_prevalence"]


def test_an_old_outcome_figure_says_how_old_it_is(world, outcomes):
    """As the Outcomes pages do: a figure years older than the others beside it says so."""
    a = world.partnership_a
    england = Area.objects.get(code="E92000001")
    for where in ({"partnership": a}, {"area": england}):
        ComputedValue.objects.create(
            metric=outcomes["ocu_prevalence"], period_start=D(2019, 4, 1),
            period_end=D(2020, 3, 31), period_label="2019/20", breakdown="", numerator=100.0,
            denominator=10_000.0, value=19.5 if "partnership" in where else 8.5,
            lower_95=19.0, upper_95=20.0, comparison="worse" if "partnership" in where else "",
            trend="", suppressed=False, is_synthetic=False, **where)

    [old] = [i for i in items(a, D(2024, 1, 1), Kind.OUTCOME_WORSE)
             if "ocu_prevalence" in i.url]

    # Its period ends 31 March 2020, the newest beside it 31 December 2023: 3¾ years, said as 4.
    assert "(2019/20 — the latest published, 4 years older than the newest figures here)" in (
        old.text), old.text


def test_urgent_items_come_first(world, outcomes):
    found = items(world.partnership_a, D(2024, 1, 1))
    severities = [i.severity for i in found]
    assert severities == sorted(severities, key=lambda s: s != Severity.HIGH)
    assert found[0].kind == Kind.MILESTONES_OVERDUE
    assert Severity.MEDIUM in severities


# --- the pages -------------------------------------------------------------------------------


def test_the_overview_opens_with_what_needs_attention(client, world):
    p = world.partnership_a
    Action.objects.create(partnership=p, description="Overdue", due_on=D(2020, 1, 1))
    sign_in(client, world.sro_a)
    html = client.get(reverse("partnerships:detail", args=[p.slug])).content.decode()
    summary = html.index('id="needs-attention"')
    assert summary < html.index(">Footprint</h2>") < html.index(">Leadership</h2>")
    assert "1 action from meetings is overdue: it was due on 1 January 2020." in html
    overdue_link = reverse("partnerships:actions", args=[p.slug]) + "?show=overdue"
    assert f'href="{overdue_link}">See overdue actions</a>' in html
    assert "The senior responsible owner role is vacant." in html
    assert reverse("partnerships:board-summary", args=[p.slug]) in html
    assert "Nothing needs attention" not in html


@override_settings(CDPHUB_TODAY="2024-01-01")
def test_the_overview_says_plainly_when_nothing_needs_attention(client, world):
    p = world.partnership_a
    fill_every_role(p)
    complete_milestones(p, D(2023, 12, 1))
    sign_in(client, world.member_a)
    html = client.get(reverse("partnerships:detail", args=[p.slug])).content.decode()
    assert "Nothing needs attention." in html
    assert 'class="govuk-warning-text' not in html


def test_the_home_page_shows_what_needs_attention_for_someone_with_one_partnership(
        client, world):
    Action.objects.create(partnership=world.partnership_a, description="Overdue",
                          due_on=D(2020, 1, 1))
    sign_in(client, world.member_a)
    html = client.get(reverse("core:home")).content.decode()
    assert 'id="needs-attention"' in html
    assert "1 action from meetings is overdue" in html
    # Someone whose roles cover many partnerships sees their list, not one partnership's.
    for user in (world.adviser, world.central_admin):
        client.logout()
        sign_in(client, user)
        html = client.get(reverse("core:home")).content.decode()
        assert "Welcome" in html and 'id="needs-attention"' not in html


def test_the_board_summary_has_the_list_and_the_headline_outcomes_table(client, world,
                                                                        outcomes):
    p = world.partnership_a
    sign_in(client, world.member_a)
    with override_settings(CDPHUB_TODAY="2024-01-01"):
        response = client.get(reverse("partnerships:board-summary", args=[p.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1 class=\"govuk-heading-l\">Greater Manchester CDP</h1>" in html
    assert "Board summary · 1 January 2024" in html
    assert html.index('id="needs-attention"') < html.index(">Headline outcomes</h2>")
    assert "The senior responsible owner role is vacant." in html
    table = html[html.index("<table"):html.index("</table>")]
    row = table[table.index("Deaths related to drug misuse"):]
    row = row[:row.index("</tr>")]
    assert "2021 - 23" in row
    assert "<strong>10.6</strong>" in row and "(9.6 to 11.6)" in row
    assert ">5.5<" in row and ">Worse<" in row and "No significant change" in row
    # Every headline metric has its row (with or without a figure), and no supporting one.
    headline = Metric.objects.filter(kind="headline")
    assert table.count("<tr") == headline.count() + 1
    assert "Drug deaths in treatment" not in table
    suppressed = table[table.index("Recovery outcomes"):]
    assert "Not shown (small numbers)" in suppressed[:suppressed.index("</tr>")]
