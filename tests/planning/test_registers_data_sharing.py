"""The data-sharing register (Box 5): data held and agreements, the past-review flag (today
from the clock), what the partnership intends to develop, the needs-attention item, forms
that offer and accept only the partnership's organisations, and the downloads."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io

import pytest
from django.urls import reverse

from cdphub.partnerships.attention import Kind, Severity, needs_attention
from cdphub.partnerships.models import Organisation, Partnership, Person
from cdphub.partnerships.status import with_register
from cdphub.planning.attention import agreements_review
from cdphub.planning.models import DataHolding, Evidence, SharingAgreement
from tests.conftest import sign_in

TODAY = dt.date(2024, 5, 1)


@pytest.fixture(autouse=True)
def today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


def url(name: str, partnership, **kwargs) -> str:
    return reverse(f"partnerships:{name}", kwargs={"slug": partnership.slug, **kwargs})


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def orgs(world):
    """Two organisations of partnership A's people, one of partnership B's."""
    made = {}
    for name, partnership in (("Manchester City Council", world.partnership_a),
                              ("Greater Manchester Police", world.partnership_a),
                              ("Reading Borough Council", world.partnership_b)):
        made[name] = Organisation.objects.create(name=name)
        Person.objects.create(partnership=partnership, full_name=f"Someone at {name}",
                              organisation=made[name])
    return made


def agreement(partnership, title, review_on, status="in_place", parties=()) -> SharingAgreement:
    made = SharingAgreement.objects.create(
        partnership=partnership, title=title, purpose="Reviews of drug-related deaths",
        lawful_basis="public_task", status=status, signed_on=dt.date(2022, 4, 1),
        review_on=review_on)
    made.parties.set(parties)
    return made


# --- the past-review flag ----------------------------------------------------------------------


def test_the_model_rule_uses_the_day_given():
    made = SharingAgreement(status="in_place", review_on=TODAY)
    assert not made.is_past_review(TODAY)
    assert made.is_past_review(TODAY + dt.timedelta(days=1))
    assert not SharingAgreement(status="ended", review_on=dt.date(2020, 1, 1)).is_past_review(
        TODAY)
    assert not SharingAgreement(status="in_place", review_on=None).is_past_review(TODAY)


def test_an_agreement_reviewed_yesterday_is_flagged_and_tomorrow_is_not(client, world, orgs):
    agreement(world.partnership_a, "Yesterday's agreement", TODAY - dt.timedelta(days=1))
    agreement(world.partnership_a, "Tomorrow's agreement", TODAY + dt.timedelta(days=1))
    agreement(world.partnership_a, "Today's agreement", TODAY)
    agreement(world.partnership_a, "An ended agreement", dt.date(2020, 1, 1), status="ended")
    sign_in(client, world.member_a)
    page = text(client.get(url("data-sharing", world.partnership_a)))
    rows = {row.split("</th>")[0].rsplit(">", 1)[-1]: row
            for row in page.split('<tr class="govuk-table__row">')[1:] if "</th>" in row}
    assert "Past review" in rows["Yesterday's agreement"]
    assert "30 April 2024" in rows["Yesterday's agreement"]
    for title in ("Tomorrow's agreement", "Today's agreement", "An ended agreement"):
        assert "Past review" not in rows[title], title
    assert page.count("Past review</strong>") == 1
    assert "1 agreement is past its review date." in page


def test_the_flag_follows_the_clock(client, world, settings):
    agreement(world.partnership_a, "Information sharing", dt.date(2024, 6, 1))
    sign_in(client, world.member_a)
    assert "Past review</strong>" not in text(client.get(url("data-sharing",
                                                             world.partnership_a)))
    settings.CDPHUB_TODAY = "2024-06-02"
    assert "Past review</strong>" in text(client.get(url("data-sharing", world.partnership_a)))


# --- needs attention ---------------------------------------------------------------------------


def test_agreements_past_review_need_attention(world):
    agreement(world.partnership_a, "Newer", TODAY - dt.timedelta(days=3))
    agreement(world.partnership_a, "Oldest", dt.date(2023, 11, 30))
    agreement(world.partnership_a, "Not yet", TODAY + dt.timedelta(days=1))
    agreement(world.partnership_b, "Another partnership's", dt.date(2020, 1, 1))
    items = agreements_review(world.partnership_a, TODAY)
    assert len(items) == 1
    item = items[0]
    assert item.kind == Kind.AGREEMENTS_REVIEW and item.severity == Severity.HIGH
    assert item.url == url("data-sharing", world.partnership_a)
    assert item.text.startswith("2 data-sharing agreements are past their review date")
    assert "the oldest was due for review on 30 November 2023" in item.text
    assert item.tag == "Review overdue"
    # registered with the register's list (planning/apps.py)
    partnership = with_register(Partnership.objects.all()).get(pk=world.partnership_a.pk)
    assert item in needs_attention(partnership, TODAY, headline=[])


def test_one_agreement_past_review_is_named(world):
    agreement(world.partnership_a, "Drug-related deaths sharing", dt.date(2024, 4, 30))
    (item,) = agreements_review(world.partnership_a, TODAY)
    assert "Drug-related deaths sharing" in item.text and "30 April 2024" in item.text


def test_nothing_needs_attention_when_no_agreement_is_past_review(world):
    agreement(world.partnership_a, "Current", TODAY)
    agreement(world.partnership_a, "Ended", dt.date(2020, 1, 1), status="ended")
    agreement(world.partnership_a, "Being developed", None, status="in_development")
    assert agreements_review(world.partnership_a, TODAY) == []


def test_the_overview_page_shows_the_item(client, world):
    agreement(world.partnership_a, "Drug-related deaths sharing", dt.date(2024, 4, 30))
    sign_in(client, world.member_a)
    page = text(client.get(reverse("partnerships:detail", args=[world.partnership_a.slug])))
    assert "was due for review on 30 April 2024" in page
    assert url("data-sharing", world.partnership_a) in page


# --- the page ------------------------------------------------------------------------------


def test_the_page_lists_data_held_agreements_and_what_is_intended(client, world, orgs):
    police, council = orgs["Greater Manchester Police"], orgs["Manchester City Council"]
    DataHolding.objects.create(partnership=world.partnership_a, organisation=police,
                               dataset="Arrests for possession", sharing="shared")
    DataHolding.objects.create(partnership=world.partnership_a, organisation=council,
                               dataset="Housing need assessments", sharing="intended")
    agreement(world.partnership_a, "Treatment data agreement", None, status="in_development",
              parties=[police, council])
    sign_in(client, world.central_analyst)  # anyone who may read the partnership
    page = text(client.get(url("data-sharing", world.partnership_a)))
    assert "Arrests for possession" in page and "Shared with the partnership" in page
    intended = page.split("What the partnership intends to develop")[1]
    assert "Sharing of Housing need assessments held by Manchester City Council" in intended
    assert "Treatment data agreement, being developed with" in intended
    assert "Arrests for possession" not in intended
    assert "Add an agreement" not in page  # only members change it


# --- forms: the partnership's organisations only ----------------------------------------------


def holding_data(**extra):
    return {"organisation": "", "organisation_name": "", "dataset": "Drug-related deaths",
            "sharing": "shared", "notes": "", **extra}


def agreement_data(**extra):
    return {"title": "Information sharing agreement", "other_parties": "",
            "purpose": "Drug-related deaths reviews", "lawful_basis": "public_task",
            "status": "in_place", "signed_on_0": "1", "signed_on_1": "4", "signed_on_2": "2023",
            "review_on_0": "1", "review_on_1": "4", "review_on_2": "2025", "notes": "", **extra}


def test_a_member_adds_data_held(client, world, orgs):
    sign_in(client, world.member_a)
    council = orgs["Manchester City Council"]
    response = client.post(url("data-holding-create", world.partnership_a),
                           holding_data(organisation=council.pk))
    assert response.status_code == 302
    assert DataHolding.objects.get().organisation == council


def test_a_member_adds_an_agreement_with_a_new_party(client, world, orgs):
    sign_in(client, world.member_a)
    council = orgs["Manchester City Council"]
    response = client.post(url("sharing-agreement-create", world.partnership_a), agreement_data(
        parties=[council.pk], other_parties="NHS Greater Manchester\n\n", dpia_done="on"))
    assert response.status_code == 302, text(response)
    made = SharingAgreement.objects.get()
    assert sorted(p.name for p in made.parties.all()) == ["Manchester City Council",
                                                          "NHS Greater Manchester"]
    assert made.dpia_done and made.review_on == dt.date(2025, 4, 1)


def test_the_forms_offer_only_the_partnerships_organisations(client, world, orgs):
    sign_in(client, world.member_a)
    for name in ("data-holding-create", "sharing-agreement-create"):
        page = text(client.get(url(name, world.partnership_a)))
        assert "Manchester City Council" in page and "Greater Manchester Police" in page
        assert "Reading Borough Council" not in page


def test_another_partnerships_organisation_is_refused(client, world, orgs):
    theirs = orgs["Reading Borough Council"]
    sign_in(client, world.member_a)
    response = client.post(url("data-holding-create", world.partnership_a),
                           holding_data(organisation=theirs.pk))
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    response = client.post(url("sharing-agreement-create", world.partnership_a), agreement_data(
        parties=[orgs["Manchester City Council"].pk, theirs.pk]))
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert not DataHolding.objects.exists() and not SharingAgreement.objects.exists()


def test_an_agreement_needs_two_parties_and_a_signed_date_when_in_place(client, world, orgs):
    sign_in(client, world.member_a)
    response = client.post(url("sharing-agreement-create", world.partnership_a), agreement_data(
        parties=[orgs["Manchester City Council"].pk], signed_on_0="", signed_on_1="",
        signed_on_2=""))
    page = text(response)
    assert "Select at least two parties, or enter their names below." in page
    assert "Enter the date the agreement was signed" in page
    assert not SharingAgreement.objects.exists()


def test_a_review_date_before_the_signed_date_is_refused(client, world, orgs):
    sign_in(client, world.member_a)
    response = client.post(url("sharing-agreement-create", world.partnership_a), agreement_data(
        parties=[o.pk for n, o in orgs.items() if n != "Reading Borough Council"],
        review_on_2="2022"))
    assert "Enter a review or expiry date after the date signed." in text(response)
    assert not SharingAgreement.objects.exists()


@pytest.mark.parametrize("name", ["data-holding-edit", "sharing-agreement-edit"])
def test_another_partnerships_record_is_not_found_under_this_ones_address(client, world, orgs,
                                                                          name):
    theirs = orgs["Reading Borough Council"]
    if name == "data-holding-edit":
        record = DataHolding.objects.create(partnership=world.partnership_b, organisation=theirs,
                                            dataset="Arrests")
    else:
        record = agreement(world.partnership_b, "Their agreement", None, parties=[theirs])
    sign_in(client, world.member_a)
    assert client.get(url(name, world.partnership_a, pk=record.pk)).status_code == 404
    assert client.post(url(name, world.partnership_a, pk=record.pk),
                       {**holding_data(), **agreement_data()}).status_code == 404


def test_changes_are_in_the_history(client, world, orgs):
    sign_in(client, world.member_a)
    client.post(url("sharing-agreement-create", world.partnership_a), agreement_data(
        parties=[orgs["Manchester City Council"].pk, orgs["Greater Manchester Police"].pk]))
    made = SharingAgreement.objects.get()
    client.post(url("sharing-agreement-edit", world.partnership_a, pk=made.pk),
                agreement_data(title="Renamed agreement", parties=[
                    orgs["Manchester City Council"].pk, orgs["Greater Manchester Police"].pk]))
    page = text(client.get(reverse("partnerships:history", args=[world.partnership_a.slug])))
    assert "Information sharing agreement → Renamed agreement" in page


# --- downloads -------------------------------------------------------------------------------


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_agreements_download_flags_past_review(client, world, orgs):
    agreement(world.partnership_a, "Old", TODAY - dt.timedelta(days=1),
              parties=[orgs["Manchester City Council"], orgs["Greater Manchester Police"]])
    agreement(world.partnership_a, "New", TODAY + dt.timedelta(days=1))
    sign_in(client, world.central_analyst)
    rows = rows_of(client.get(url("sharing-agreements-download", world.partnership_a,
                                  fmt="csv")))
    by_title = {row["Title"]: row for row in rows}
    assert by_title["Old"]["Past review"] == "yes" and by_title["New"]["Past review"] == "no"
    assert by_title["Old"]["Parties"] == "Greater Manchester Police; Manchester City Council"
    assert by_title["Old"]["Review or expiry date"] == "2024-04-30"


def test_the_evidence_download_leaves_out_what_the_reader_may_not_see(client, world):
    for title, visibility in (("Restricted review", "partnership"),
                              ("Published pack", "publishable")):
        Evidence.objects.create(partnership=world.partnership_a, title=title,
                                evidence_type="jsna", dated=dt.date(2023, 1, 1),
                                visibility=visibility, link="https://example.org")
    Evidence.objects.create(partnership=world.partnership_a, title="Withdrawn one",
                            evidence_type="jsna", dated=dt.date(2023, 1, 1),
                            link="https://example.org",
                            withdrawn_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    link = url("evidence-download", world.partnership_a, fmt="csv")
    sign_in(client, world.central_analyst)
    assert [r["Title"] for r in rows_of(client.get(link))] == ["Published pack"]
    sign_in(client, world.member_a)
    assert sorted(r["Title"] for r in rows_of(client.get(link))) == ["Published pack",
                                                                     "Restricted review"]


def test_downloads_are_csv_or_xlsx_only(client, world):
    sign_in(client, world.member_a)
    assert client.get(url("data-holdings-download", world.partnership_a, fmt="pdf")
                      ).status_code == 404
    response = client.get(url("data-holdings-download", world.partnership_a, fmt="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
