"""Financial-year quarters (April to June is Q1), as the quarterly updates use them."""

import datetime as dt

import pytest

from cdphub.planning.quarters import Quarter, between, last_completed


@pytest.mark.parametrize(("day", "start", "end", "number", "code"), [
    (dt.date(2026, 4, 1), dt.date(2026, 4, 1), dt.date(2026, 6, 30), 1, "2026-27 Q1"),
    (dt.date(2026, 8, 15), dt.date(2026, 7, 1), dt.date(2026, 9, 30), 2, "2026-27 Q2"),
    (dt.date(2026, 12, 31), dt.date(2026, 10, 1), dt.date(2026, 12, 31), 3, "2026-27 Q3"),
    (dt.date(2027, 2, 28), dt.date(2027, 1, 1), dt.date(2027, 3, 31), 4, "2026-27 Q4"),
    (dt.date(2024, 2, 29), dt.date(2024, 1, 1), dt.date(2024, 3, 31), 4, "2023-24 Q4"),
    (dt.date(2099, 3, 31), dt.date(2099, 1, 1), dt.date(2099, 3, 31), 4, "2098-99 Q4"),
])
def test_the_quarter_containing_a_day(day, start, end, number, code):
    quarter = Quarter.containing(day)
    assert (quarter.start, quarter.end, quarter.number, quarter.code) == (start, end, number,
                                                                          code)


def test_labels_name_the_financial_year_and_the_months():
    assert Quarter.containing(dt.date(2026, 11, 30)).label == (
        "Q3 2026 to 2027 (October to December 2026)")
    assert Quarter.containing(dt.date(2027, 1, 5)).label == (
        "Q4 2026 to 2027 (January to March 2027)")


def test_next_and_previous_cross_the_calendar_year():
    q4 = Quarter(dt.date(2027, 1, 1))
    assert q4.previous() == Quarter(dt.date(2026, 10, 1))
    assert q4.previous().next() == q4
    assert Quarter(dt.date(2026, 10, 1)).next() == q4


def test_the_deadline_is_counted_from_the_quarter_s_last_day():
    assert Quarter(dt.date(2026, 7, 1)).deadline(14) == dt.date(2026, 10, 14)
    assert Quarter(dt.date(2026, 10, 1)).deadline(0) == dt.date(2026, 12, 31)


def test_the_last_completed_quarter_is_the_one_before_today_s():
    assert last_completed(dt.date(2026, 12, 1)) == Quarter(dt.date(2026, 7, 1))
    assert last_completed(dt.date(2026, 10, 1)) == Quarter(dt.date(2026, 7, 1))
    assert last_completed(dt.date(2026, 9, 30)) == Quarter(dt.date(2026, 4, 1))


def test_only_a_quarter_s_first_day_starts_one():
    assert Quarter.starting(dt.date(2026, 7, 1)).number == 2
    with pytest.raises(ValueError, match="not the first day of a quarter"):
        Quarter.starting(dt.date(2026, 7, 2))
    with pytest.raises(ValueError):
        Quarter.starting(dt.date(2026, 8, 1))


def test_between_lists_every_overlapping_quarter():
    quarters = between(dt.date(2025, 5, 20), dt.date(2026, 4, 1))
    assert [q.code for q in quarters] == ["2025-26 Q1", "2025-26 Q2", "2025-26 Q3",
                                          "2025-26 Q4", "2026-27 Q1"]
    assert between(dt.date(2026, 5, 1), dt.date(2026, 4, 1)) == []
