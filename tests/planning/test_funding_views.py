"""The funding streams register's pages: adding a stream with an amount as people write it
(and the error naming the field when it is not one), the list with totals per funding period
and arrangement and the plan actions drawing on each stream, withdrawal (refused while actions
draw on it, unless ticked), the downloads, and another partnership's records never reached
through these pages."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cdphub.planning.models import FundingStream
from tests.conftest import sign_in
from tests.planning.registers_plan_data import person_of, plan_of, stream_of


@pytest.fixture(autouse=True)
def today(settings):
    settings.CDPHUB_TODAY = "2024-05-01"


def url(name: str, partnership, **kwargs) -> str:
    return reverse(f"partnerships:{name}", kwargs={"slug": partnership.slug, **kwargs})


def text(response) -> str:
    return html.unescape(response.content.decode())


def words(response) -> str:
    """The page's text, tags taken out and spaces closed up."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response)))


def stream_data(holder, **extra) -> dict:
    data = {"name": "Supplemental Substance Misuse Treatment and Recovery Grant (SSMTRG)",
            "amount": "£1,234,567.50", "starts_on_0": "1", "starts_on_1": "4",
            "starts_on_2": "2024", "ends_on_0": "31", "ends_on_1": "3", "ends_on_2": "2025",
            "holder": holder.pk, "arrangement": "pooled", "notes": ""}
    data.update(extra)
    return data


@pytest.fixture
def council(world):
    return person_of(world.partnership_a, "Ann Analyst", "Manchester City Council").organisation


def test_a_member_adds_a_stream_written_with_pounds_and_commas(client, world, council):
    sign_in(client, world.member_a)
    page = client.get(url("plan-funding-add", world.partnership_a))
    assert "Drug and Alcohol Treatment and Recovery Improvement Grant (DATRIG)" in text(page)
    assert "OHID Inpatient Detoxification Grant" in text(page)
    response = client.post(url("plan-funding-add", world.partnership_a), stream_data(council))
    assert response.status_code == 302, text(response)
    assert response["Location"] == url("plan-funding", world.partnership_a)
    stream = FundingStream.objects.get()
    assert (stream.partnership, stream.amount, stream.holder, stream.arrangement,
            stream.starts_on, stream.ends_on) == (
        world.partnership_a, Decimal("1234567.50"), council, "pooled", dt.date(2024, 4, 1),
        dt.date(2025, 3, 31))
    listed = words(client.get(url("plan-funding", world.partnership_a)))
    assert "£1,234,567.50 2024/25 Manchester City Council Pooled None" in listed


def test_an_amount_that_is_not_one_is_refused_on_its_field(client, world, council):
    sign_in(client, world.member_a)
    response = client.post(url("plan-funding-add", world.partnership_a),
                           stream_data(council, amount="1,23"))
    assert response.status_code == 200
    page = text(response)
    assert 'href="#id_amount"' in page  # the error summary links to the field
    assert re.search(r'id="id_amount-error"[^>]*>.*Enter the amount in pounds and pence, for '
                     r"example, £1,234,567.50", page, re.S)
    assert 'value="1,23"' in page  # what was typed is kept
    assert not FundingStream.objects.exists()


def test_the_list_totals_each_period_by_arrangement_and_names_the_actions(client, world,
                                                                          council):
    a = world.partnership_a
    ssmtrg = stream_of(a, "SSMTRG", "1000000.50", council, "pooled")
    stream_of(a, "Public Health Grant", "250000", council, "aligned")
    stream_of(a, "Housing Support Grant", "75000", council, "aligned",
              starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2027, 3, 31))
    withdrawn = stream_of(a, "Old grant", "5", council)
    withdrawn.withdrawn_at = dt.datetime(2024, 4, 20, tzinfo=dt.UTC)
    withdrawn.save()
    plan_of(a, actions=[(["treatment_services"], "on_track")], funding_stream=ssmtrg)
    sign_in(client, world.adviser)  # anyone who may read the partnership
    response = client.get(url("plan-funding", a))
    page = words(response)
    assert "2024/25 £250,000 £1,000,000.50 £1,250,000.50" in page
    assert "2024/25 to 2026/27 £75,000 £0 £75,000" in page
    assert "All periods £325,000 £1,000,000.50 £1,325,000.50" in page
    assert "SSMTRG £1,000,000.50 2024/25 Manchester City Council Pooled Action 1 of " \
           "Greater Manchester CDP" in page
    assert "Old grant, £5, 2024/25: withdrawn 20 April 2024" in page
    # Readers do not see the ways to change it.
    for name in ("plan-funding-add", "plan-funding-edit", "plan-funding-withdraw"):
        assert url(name, a, **({} if name.endswith("add") else {"pk": ssmtrg.pk})) \
            not in text(response)


def test_withdrawing_a_stream_actions_draw_on_needs_the_box_ticked(client, world, council):
    a = world.partnership_a
    stream = stream_of(a, "SSMTRG", "1000", council)
    plan_of(a, actions=[(["treatment_services"], "on_track")], funding_stream=stream)
    sign_in(client, world.member_a)
    withdraw = url("plan-funding-withdraw", a, pk=stream.pk)
    page = words(client.get(withdraw))
    assert "1 plan action draws on this funding stream: Action 1 of Greater Manchester CDP" \
        in page
    response = client.post(withdraw, {"confirm": "on"})
    assert response.status_code == 200
    assert "1 plan action draws on this funding stream: \u201cAction 1 of Greater Manchester " \
           "CDP\u201d" in text(response)
    stream.refresh_from_db()
    assert stream.withdrawn_at is None
    response = client.post(withdraw, {"confirm": "on", "even_though_actions": "on"})
    assert response.status_code == 302
    stream.refresh_from_db()
    assert stream.withdrawn_at is not None
    # A withdrawn stream is no longer changed or withdrawn through its pages.
    assert client.get(url("plan-funding-edit", a, pk=stream.pk)).status_code == 404
    assert client.get(withdraw).status_code == 404


def test_a_stream_no_action_draws_on_is_withdrawn_with_the_confirmation(client, world,
                                                                        council):
    stream = stream_of(world.partnership_a, "SSMTRG", "1000", council)
    sign_in(client, world.member_a)
    withdraw = url("plan-funding-withdraw", world.partnership_a, pk=stream.pk)
    assert "even_though_actions" not in text(client.get(withdraw))
    assert client.post(withdraw, {}).status_code == 200  # not confirmed
    stream.refresh_from_db()
    assert stream.withdrawn_at is None
    assert client.post(withdraw, {"confirm": "on"}).status_code == 302
    stream.refresh_from_db()
    assert stream.withdrawn_at is not None


def test_a_member_changes_a_stream(client, world, council):
    stream = stream_of(world.partnership_a, "SSMTRG", "1000", council)
    sign_in(client, world.member_a)
    edit = url("plan-funding-edit", world.partnership_a, pk=stream.pk)
    assert 'value="1,000.00"' in text(client.get(edit))
    response = client.post(edit, stream_data(council, name="SSMTRG 2024/25",
                                             amount="2,000", arrangement="aligned"))
    assert response.status_code == 302, text(response)
    stream.refresh_from_db()
    assert (stream.name, stream.amount, stream.arrangement) == (
        "SSMTRG 2024/25", Decimal("2000.00"), "aligned")


# --- another partnership's records ---------------------------------------------------------


def test_another_partnerships_organisation_is_not_a_choice(client, world, council):
    """A member of B posts A's organisation as the holder of B's stream: refused, nothing
    made; and A's own stream is not found under B's address."""
    person_of(world.partnership_b, "Ben Berkshire", "Reading Borough Council")
    a_stream = stream_of(world.partnership_a, "A's grant", "1000", council)
    before = list(FundingStream.objects.values_list("pk", "name", "amount", "holder_id",
                                                    "withdrawn_at"))
    sign_in(client, world.member_b)
    response = client.post(url("plan-funding-add", world.partnership_b), stream_data(council))
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    b = world.partnership_b
    for name in ("plan-funding-edit", "plan-funding-withdraw"):
        target = url(name, b, pk=a_stream.pk)
        assert client.get(target).status_code == 404
        assert client.post(target, {**stream_data(council, name="Taken"), "confirm": "on",
                                    "even_though_actions": "on"}).status_code == 404
    assert list(FundingStream.objects.values_list("pk", "name", "amount", "holder_id",
                                                  "withdrawn_at")) == before


def test_a_member_of_a_cannot_move_a_stream_to_bs_organisation(client, world, council):
    reading = person_of(world.partnership_b, "Ben", "Reading Borough Council").organisation
    stream = stream_of(world.partnership_a, "SSMTRG", "1000", council)
    sign_in(client, world.member_a)
    response = client.post(url("plan-funding-edit", world.partnership_a, pk=stream.pk),
                           stream_data(reading))
    assert response.status_code == 200
    stream.refresh_from_db()
    assert stream.holder == council


# --- downloads -----------------------------------------------------------------------------


def test_the_register_downloads_as_csv_and_xlsx(client, world, council):
    a = world.partnership_a
    ssmtrg = stream_of(a, "SSMTRG", "1234567.50", council, "pooled")
    plan_of(a, actions=[(["treatment_services"], "on_track"), (["supply_money"], "at_risk")],
            funding_stream=ssmtrg)
    sign_in(client, world.central_analyst)
    response = client.get(url("plan-funding-download", a, fmt="csv"))
    assert response["Content-Disposition"] == \
        'attachment; filename="greater-manchester-funding-streams.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["Funding stream"], row["Amount in pounds"], row["Period"], row["Period start"],
            row["Holding organisation"], row["Aligned or pooled"],
            row["Number of plan actions drawing on it"]) == (
        "SSMTRG", "1234567.50", "2024/25", "2024-04-01", "Manchester City Council", "Pooled",
        "2")
    assert row["Plan actions drawing on it"] == ("Action 1 of Greater Manchester CDP; "
                                                 "Action 2 of Greater Manchester CDP")
    book = load_workbook(io.BytesIO(client.get(url("plan-funding-download", a,
                                                   fmt="xlsx")).content))
    sheet = book["Funding streams"]
    assert sheet["B2"].value == Decimal("1234567.5") or sheet["B2"].value == 1234567.5
    assert sheet["B2"].number_format == "#,##0.00"
    assert client.get(url("plan-funding-download", a, fmt="pdf")).status_code == 404
