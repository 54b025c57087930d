"""The funding streams register's writes (planning/actions_registers_plan.py): amounts as
people write them, the checks (each naming the field at fault, changing nothing), the
partnership's own organisations only, and withdrawal refused while plan actions draw on a
stream unless the user says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cdphub.partnerships.models import Organisation
from cdphub.planning.actions_registers_plan import (
    PlanError,
    add_funding_stream,
    change_funding_stream,
    drawing_actions,
    holder_choices,
    parse_amount,
    withdraw_funding_stream,
)
from cdphub.planning.models import FundingStream, Plan, PlanAction
from tests.planning.registers_plan_data import person_of, plan_of, stream_of

APRIL, MARCH = dt.date(2024, 4, 1), dt.date(2025, 3, 31)


@pytest.fixture(autouse=True)
def today(settings):
    settings.CDPHUB_TODAY = "2024-05-01"


@pytest.fixture
def council(world) -> Organisation:
    return person_of(world.partnership_a, "Ann Analyst", "Manchester City Council").organisation


def add(world, holder, /, **changes) -> FundingStream:
    values = {"partnership": world.partnership_a, "name": "SSMTRG 2024/25",
              "amount": "£1,234,567.50", "starts_on": APRIL, "ends_on": MARCH,
              "holder": holder, "arrangement": "pooled", "by": world.member_a}
    values.update(changes)
    return add_funding_stream(**values)


@pytest.mark.parametrize(("written", "amount"), [
    ("£1,234,567.50", Decimal("1234567.50")),
    ("1234567.5", Decimal("1234567.50")),
    ("250000", Decimal("250000.00")),
    (" £ 12,000 ", Decimal("12000.00")),
    ("£999,999,999,999.99", Decimal("999999999999.99")),
    (Decimal("42.1"), Decimal("42.10")),
])
def test_amounts_as_people_write_them(written, amount):
    assert parse_amount(written) == amount


@pytest.mark.parametrize(("written", "words"), [
    ("", "Enter the amount in pounds."),
    ("a lot", "Enter the amount in pounds and pence"),
    ("1,23", "Enter the amount in pounds and pence"),
    ("1,2345", "Enter the amount in pounds and pence"),
    ("12.345", "Enter the amount in pounds and pence"),
    ("1e5", "Enter the amount in pounds and pence"),
    ("£1.2.3", "Enter the amount in pounds and pence"),
    ("$500", "Enter the amount in pounds and pence"),
    ("-5", "Enter an amount more than £0."),
    ("£-5", "Enter an amount more than £0."),
    ("0", "Enter an amount more than £0."),
    ("£0.00", "Enter an amount more than £0."),
    ("£1,000,000,000,000", "Enter an amount less than"),
    (Decimal("1.005"), "Enter the amount in pounds and pence"),
])
def test_amounts_refused_name_the_amount_field(written, words):
    with pytest.raises(PlanError) as refused:
        parse_amount(written)
    assert refused.value.field == "amount"
    assert refused.value.message.startswith(words)


def test_a_stream_is_added_with_its_amount_in_history(world, council):
    stream = add(world, council)
    stream.refresh_from_db()
    assert (stream.name, stream.amount, stream.holder, stream.arrangement) == (
        "SSMTRG 2024/25", Decimal("1234567.50"), council, "pooled")
    record = stream.history.get()
    assert record.history_user == world.member_a


@pytest.mark.parametrize(("changes", "field"), [
    ({"amount": "1,23"}, "amount"),
    ({"amount": "-100"}, "amount"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"starts_on": None}, "starts_on"),
    ({"ends_on": None}, "ends_on"),
    ({"ends_on": dt.date(2024, 3, 31)}, "ends_on"),
    ({"arrangement": "shared"}, "arrangement"),
    ({"holder": None}, "holder"),
])
def test_each_check_names_its_field_and_changes_nothing(world, council, changes, field):
    with pytest.raises(PlanError) as refused:
        add(world, council, **changes)
    assert refused.value.field == field
    assert not FundingStream.objects.exists()


def test_another_partnerships_organisation_cannot_hold_the_funding(world, council):
    berkshire = person_of(world.partnership_b, "Ben", "Reading Borough Council").organisation
    assert berkshire not in holder_choices(world.partnership_a)
    with pytest.raises(PlanError) as refused:
        add(world, berkshire)
    assert refused.value.field == "holder"
    assert not FundingStream.objects.exists()
    stream = add(world, council)
    with pytest.raises(PlanError):
        change_funding_stream(stream=stream, name="Moved", amount="1", starts_on=APRIL,
                              ends_on=MARCH, holder=berkshire, arrangement="aligned",
                              by=world.member_b)
    stream.refresh_from_db()
    assert (stream.name, stream.holder) == ("SSMTRG 2024/25", council)


def test_the_holder_stays_a_choice_once_chosen(world, council):
    """An organisation already holding the partnership's funding stays offered, even if no
    person of the partnership is from it any more."""
    stream = add(world, council)
    council.people.all().delete()
    assert list(holder_choices(world.partnership_a)) == [council]
    change_funding_stream(stream=stream, name="SSMTRG", amount="2", starts_on=APRIL,
                          ends_on=MARCH, holder=council, arrangement="aligned",
                          by=world.member_a)
    stream.refresh_from_db()
    assert (stream.name, stream.amount, stream.arrangement) == ("SSMTRG", Decimal("2.00"),
                                                                "aligned")


def test_withdrawal_is_refused_naming_the_actions_that_draw_on_it(world):
    stream = stream_of(world.partnership_a)
    plan_of(world.partnership_a, actions=[(["treatment_services"], "on_track"),
                                          (["supply_money"], "at_risk")], funding_stream=stream)
    with pytest.raises(PlanError) as refused:
        withdraw_funding_stream(stream=stream, by=world.member_a)
    assert refused.value.field == "even_though_actions"
    assert "2 plan actions draw on this funding stream" in refused.value.message
    assert ("\u201cAction 1 of Greater Manchester CDP\u201d and \u201cAction 2 of Greater "
            "Manchester CDP\u201d") in refused.value.message
    stream.refresh_from_db()
    assert stream.withdrawn_at is None

    withdraw_funding_stream(stream=stream, even_though_actions=True, by=world.member_a)
    stream.refresh_from_db()
    assert stream.withdrawn_at is not None
    # The actions keep their link.
    assert PlanAction.objects.filter(funding_stream=stream).count() == 2
    with pytest.raises(PlanError, match="withdrawn already"):
        withdraw_funding_stream(stream=stream, even_though_actions=True, by=world.member_a)
    with pytest.raises(PlanError, match="can no longer be changed"):
        change_funding_stream(stream=stream, name="Again", amount="1", starts_on=APRIL,
                              ends_on=MARCH, holder=stream.holder, arrangement="aligned",
                              by=world.member_a)


def test_withdrawn_actions_and_superseded_plans_do_not_hold_a_stream(world):
    stream = stream_of(world.partnership_a)
    old = plan_of(world.partnership_a, status=Plan.Status.SUPERSEDED,
                  actions=[(["treatment_services"], "complete")], funding_stream=stream)
    current = plan_of(world.partnership_a, actions=[(["supply_money"], "on_track")],
                      funding_stream=stream)
    assert [a.plan for a in drawing_actions(stream)] == [current]
    current.actions.update(withdrawn_at=dt.datetime(2024, 4, 2, tzinfo=dt.UTC))
    assert drawing_actions(stream) == []
    assert old.actions.get().funding_stream == stream
    withdraw_funding_stream(stream=stream, by=world.member_a)
    stream.refresh_from_db()
    assert stream.withdrawn_at is not None
