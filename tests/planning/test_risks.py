"""The risks and disagreements log: its writes (rating, escalation, closing; each refusal
naming its field and changing nothing; the partnership's own people only), the 5 × 5 grid of
open entries, the filters, where the terms of reference say how risks are managed, the
downloads, and another partnership's entries never reached through these pages."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.urls import reverse

from cdphub.partnerships.models import TermsOfReference, TermsOfReferenceItem
from cdphub.planning.actions_registers_plan import PlanError, add_risk, change_risk, close_risk
from cdphub.planning.models import Risk
from cdphub.planning.views_funding_risks import risk_grid
from tests.conftest import sign_in
from tests.planning.registers_plan_data import person_of

RAISED = dt.date(2024, 3, 1)


@pytest.fixture(autouse=True)
def today(settings):
    settings.CDPHUB_TODAY = "2024-05-01"


def url(name: str, partnership, **kwargs) -> str:
    return reverse(f"partnerships:{name}", kwargs={"slug": partnership.slug, **kwargs})


def text(response) -> str:
    return html.unescape(response.content.decode())


def words(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response)))


def risk(world, title="Loss of detox beds", likelihood=4, impact=5, **extra) -> Risk:
    values = {"partnership": world.partnership_a, "kind": "risk", "title": title,
              "likelihood": likelihood, "impact": impact, "raised_on": RAISED,
              "by": world.member_a}
    values.update(extra)
    return add_risk(**values)


def risk_data(**extra) -> dict:
    data = {"kind": "risk", "title": "Loss of detox beds", "description": "", "owner": "",
            "likelihood": "4", "impact": "5", "mitigation": "", "escalation": "",
            "raised_on_0": "1", "raised_on_1": "3", "raised_on_2": "2024"}
    data.update(extra)
    return data


# --- writes --------------------------------------------------------------------------------


@pytest.mark.parametrize(("likelihood", "impact", "rating", "band"), [
    (1, 1, 1, "Low"), (2, 3, 6, "Low"), (4, 2, 8, "Medium"),
    (3, 4, 12, "Medium"), (5, 3, 15, "High"), (5, 5, 25, "High")])
def test_rating_is_likelihood_times_impact_in_bands(world, likelihood, impact, rating, band):
    entry = risk(world, likelihood=likelihood, impact=impact)
    assert (entry.rating, entry.rating_band) == (rating, band)


def test_escalating_marks_it_escalated_and_taking_it_out_opens_it_again(world):
    owner = person_of(world.partnership_a, "Olive Owner", "Manchester City Council")
    entry = risk(world, owner=owner)
    assert entry.status == Risk.Status.OPEN
    change_risk(risk=entry, kind="disagreement", title="Beds: who pays", likelihood=3,
                impact=3, raised_on=RAISED, owner=owner,
                escalation="To the SRO, 2 April 2024", by=world.member_a)
    entry.refresh_from_db()
    assert (entry.kind, entry.status, entry.escalation) == (
        "disagreement", Risk.Status.ESCALATED, "To the SRO, 2 April 2024")
    change_risk(risk=entry, kind="disagreement", title="Beds: who pays", likelihood=3,
                impact=3, raised_on=RAISED, owner=owner, escalation=" ", by=world.member_a)
    entry.refresh_from_db()
    assert entry.status == Risk.Status.OPEN
    assert entry.history.count() == 3


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "issue"}, "kind"), ({"title": "  "}, "title"), ({"likelihood": 0}, "likelihood"),
    ({"likelihood": 6}, "likelihood"), ({"impact": "3.5"}, "impact"), ({"impact": None}, "impact"),
    ({"raised_on": None}, "raised_on"), ({"raised_on": dt.date(2024, 5, 2)}, "raised_on")])
def test_each_check_names_its_field_and_changes_nothing(world, changes, field):
    with pytest.raises(PlanError) as refused:
        risk(world, **changes)
    assert refused.value.field == field
    assert not Risk.objects.exists()


def test_another_partnerships_person_cannot_own_an_entry(world):
    ben = person_of(world.partnership_b, "Ben Berkshire", "Reading Borough Council")
    with pytest.raises(PlanError) as refused:
        risk(world, owner=ben)
    assert refused.value.field == "owner"
    assert not Risk.objects.exists()
    entry = risk(world)
    with pytest.raises(PlanError):
        change_risk(risk=entry, kind="risk", title="x", likelihood=1, impact=1,
                    raised_on=RAISED, owner=ben, by=world.member_a)
    entry.refresh_from_db()
    assert (entry.owner, entry.title) == (None, "Loss of detox beds")


def test_closing_says_how_and_when(world):
    entry = risk(world)
    for resolution, closed_on, field in (("", dt.date(2024, 4, 1), "resolution"),
                                         ("Beds found", None, "closed_on"),
                                         ("Beds found", dt.date(2024, 5, 2), "closed_on"),
                                         ("Beds found", dt.date(2024, 2, 28), "closed_on")):
        with pytest.raises(PlanError) as refused:
            close_risk(risk=entry, resolution=resolution, closed_on=closed_on,
                       by=world.member_a)
        assert refused.value.field == field
        entry.refresh_from_db()
        assert entry.status == Risk.Status.OPEN
    close_risk(risk=entry, resolution="Beds found in Salford", closed_on=dt.date(2024, 4, 1),
               by=world.member_a)
    entry.refresh_from_db()
    assert (entry.status, entry.resolution, entry.closed_on) == (
        Risk.Status.CLOSED, "Beds found in Salford", dt.date(2024, 4, 1))
    with pytest.raises(PlanError, match="closed already"):
        close_risk(risk=entry, resolution="Again", closed_on=dt.date(2024, 4, 1),
                   by=world.member_a)
    with pytest.raises(PlanError, match="closed and can no longer be changed"):
        change_risk(risk=entry, kind="risk", title="x", likelihood=1, impact=1,
                    raised_on=RAISED, by=world.member_a)


# --- the grid ------------------------------------------------------------------------------


def test_the_grid_counts_entries_in_their_cells(world):
    entries = [Risk(likelihood=4, impact=5), Risk(likelihood=4, impact=5),
               Risk(likelihood=1, impact=1), Risk(likelihood=5, impact=2)]
    grid = risk_grid(entries)
    assert [row[0] for row, _cells in grid] == [5, 4, 3, 2, 1]  # almost certain at the top
    counts = {(c.likelihood, c.impact): c.count for _row, cells in grid for c in cells}
    assert len(counts) == 25
    assert {k: v for k, v in counts.items() if v} == {(4, 5): 2, (1, 1): 1, (5, 2): 1}
    bands = {(c.likelihood, c.impact): c.band for _row, cells in grid for c in cells}
    assert (bands[(5, 3)], bands[(4, 2)], bands[(2, 3)]) == ("High", "Medium", "Low")
    assert [c.impact for c in grid[0][1]] == [1, 2, 3, 4, 5]


def grid_counts(response) -> dict[tuple[int, int], int]:
    cells = re.findall(r'data-likelihood="(\d)" data-impact="(\d)">.*?data-testid="count">'
                       r"(\d+)<", text(response), re.S)
    return {(int(lk), int(im)): int(n) for lk, im, n in cells}


def test_the_page_grid_counts_open_entries_only(client, world):
    risk(world, "A", 4, 5)
    risk(world, "B", 4, 5, escalation="To the SRO")
    risk(world, "C", 1, 1, kind="disagreement")
    close_risk(risk=risk(world, "Closed", 4, 5), resolution="Done",
               closed_on=dt.date(2024, 4, 1), by=world.member_a)
    sign_in(client, world.member_a)
    response = client.get(url("plan-risks", world.partnership_a))
    counts = grid_counts(response)
    assert len(counts) == 25
    assert {k: v for k, v in counts.items() if v} == {(4, 5): 2, (1, 1): 1}
    assert "3 open entries, 1 of them escalated" in words(response)
    # The kind filter narrows the grid too.
    response = client.get(url("plan-risks", world.partnership_a) + "?kind=disagreement")
    assert {k: v for k, v in grid_counts(response).items() if v} == {(1, 1): 1}


def test_the_filters(client, world):
    risk(world, "Open risk")
    risk(world, "Open disagreement", kind="disagreement")
    close_risk(risk=risk(world, "Closed risk"), resolution="Done",
               closed_on=dt.date(2024, 4, 1), by=world.member_a)
    sign_in(client, world.adviser)

    def titles(query=""):
        page = text(client.get(url("plan-risks", world.partnership_a) + query))
        log = page[page.index('data-testid="risk-log"'):] if 'risk-log' in page else ""
        return sorted(t for t in ("Open risk", "Open disagreement", "Closed risk") if t in log)

    assert titles() == ["Open disagreement", "Open risk"]
    assert titles("?state=closed") == ["Closed risk"]
    assert titles("?state=all&kind=risk") == ["Closed risk", "Open risk"]
    assert titles("?state=open&kind=disagreement") == ["Open disagreement"]
    assert titles("?state=nonsense") == ["Open disagreement", "Open risk"]


def test_the_log_links_to_where_the_terms_of_reference_say_how_risks_are_managed(client,
                                                                                   world):
    a = world.partnership_a
    sign_in(client, world.member_a)
    governance = url("governance", a)
    page = text(client.get(url("plan-risks", a)))
    assert "No terms of reference are recorded" in page and f'href="{governance}"' in page
    terms = TermsOfReference.objects.create(partnership=a, version=2)
    TermsOfReferenceItem.objects.create(terms=terms, content_key="risk_and_disagreements",
                                        addressed=False)
    page = words(client.get(url("plan-risks", a)))
    assert "terms of reference (version 2) do not yet say how risks are managed" in page
    TermsOfReferenceItem.objects.filter(terms=terms).update(addressed=True, where="Section 7")
    response = client.get(url("plan-risks", a))
    assert "The partnership's terms of reference (version 2) set out how risks are managed " \
           "and disagreements resolved: Section 7." in words(response)
    assert f'href="{governance}"' in text(response)


# --- pages ---------------------------------------------------------------------------------


def test_a_member_adds_changes_and_closes_an_entry(client, world):
    owner = person_of(world.partnership_a, "Olive Owner", "Manchester City Council")
    sign_in(client, world.member_a)
    a = world.partnership_a
    response = client.post(url("plan-risk-add", a), risk_data(owner=owner.pk))
    assert response.status_code == 302, text(response)
    entry = Risk.objects.get()
    assert (entry.partnership, entry.owner, entry.rating, entry.status) == (a, owner, 20, "open")
    response = client.post(url("plan-risk-edit", a, pk=entry.pk),
                           risk_data(owner=owner.pk, escalation="To the board, 3 April 2024"))
    assert response.status_code == 302, text(response)
    entry.refresh_from_db()
    assert entry.status == "escalated"
    response = client.post(url("plan-risk-close", a, pk=entry.pk), {
        "resolution": "Beds commissioned", "closed_on_0": "2", "closed_on_1": "4",
        "closed_on_2": "2024"})
    assert response.status_code == 302, text(response)
    entry.refresh_from_db()
    assert (entry.status, entry.closed_on) == ("closed", dt.date(2024, 4, 2))
    assert client.get(url("plan-risk-edit", a, pk=entry.pk)).status_code == 404
    assert client.get(url("plan-risk-close", a, pk=entry.pk)).status_code == 404
    page = words(client.get(url("plan-risks", a) + "?state=closed"))
    assert "Resolution: Beds commissioned (2 April 2024)" in page


def test_a_rating_out_of_range_is_refused_on_its_field(client, world):
    sign_in(client, world.member_a)
    response = client.post(url("plan-risk-add", world.partnership_a), risk_data(likelihood="9"))
    assert response.status_code == 200
    assert 'href="#id_likelihood_0"' in text(response) or 'href="#id_likelihood"' in text(
        response)
    assert not Risk.objects.exists()


def test_another_partnerships_people_and_entries_are_out_of_reach(client, world):
    """A member of B names A's person as the owner of B's entry, and reaches for A's entry
    through B's address: refused, nothing changed."""
    olive = person_of(world.partnership_a, "Olive Owner", "Manchester City Council")
    a_entry = risk(world, owner=olive)
    before = list(Risk.objects.values_list("pk", "title", "owner_id", "status", "resolution"))
    sign_in(client, world.member_b)
    response = client.post(url("plan-risk-add", world.partnership_b), risk_data(owner=olive.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    b = world.partnership_b
    assert client.post(url("plan-risk-edit", b, pk=a_entry.pk),
                       risk_data(title="Taken")).status_code == 404
    assert client.post(url("plan-risk-close", b, pk=a_entry.pk), {
        "resolution": "Taken", "closed_on_0": "1", "closed_on_1": "4",
        "closed_on_2": "2024"}).status_code == 404
    assert list(Risk.objects.values_list("pk", "title", "owner_id", "status",
                                         "resolution")) == before


def test_the_log_downloads_with_the_pages_filters(client, world):
    risk(world, "Open risk", 3, 4, mitigation="Spot purchase")
    close_risk(risk=risk(world, "Closed risk"), resolution="Done",
               closed_on=dt.date(2024, 4, 1), by=world.member_a)
    sign_in(client, world.central_analyst)
    response = client.get(url("plan-risks-download", world.partnership_a, fmt="csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["Title"], r["Likelihood"], r["Impact"], r["Rating"], r["Band"], r["Status"],
             r["Mitigation"]) for r in rows] == [
        ("Open risk", "3", "4", "12", "Medium", "Open", "Spot purchase")]
    response = client.get(url("plan-risks-download", world.partnership_a, fmt="csv")
                          + "?state=all")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(r["Title"] for r in rows) == ["Closed risk", "Open risk"]
    closed = next(r for r in rows if r["Title"] == "Closed risk")
    assert (closed["Status"], closed["Resolution"], closed["Date closed"]) == (
        "Resolved or closed", "Done", "2024-04-01")
