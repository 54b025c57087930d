"""Milestone status: done, due, overdue, for one-off and recurring milestones."""

import datetime as dt

from cdphub.framework import Milestone
from cdphub.framework.milestones import DONE, DUE, OVERDUE, add_months, current, occurrences

D = dt.date
ONE_OFF = Milestone(key="tor", label="ToR", source="s", deadline=D(2022, 9, 30))
EVERY_3_YEARS = Milestone(key="na", label="NA", source="s", deadline=D(2022, 11, 30),
                          recurrence_months=36, anchor="completion")
EVERY_YEAR = Milestone(key="pr", label="PR", source="s", deadline=D(2023, 4, 30),
                       recurrence_months=12, anchor="deadline")


def statuses(series):
    return [(o.due_on, o.status) for o in series]


def test_one_off_is_due_then_overdue_then_done():
    assert current(ONE_OFF, [], D(2022, 9, 30)).status == DUE  # on the day: still due
    assert current(ONE_OFF, [], D(2022, 10, 1)).status == OVERDUE
    done = current(ONE_OFF, [(D(2022, 10, 20), "agreed late")], D(2024, 1, 1))
    assert (done.status, done.completed_on, done.evidence) == (DONE, D(2022, 10, 20), "agreed late")


def test_recurring_from_completion_is_due_three_years_after_the_last():
    series = occurrences(EVERY_3_YEARS, [(D(2022, 11, 20), "NA 2022")], D(2025, 11, 19))
    assert statuses(series) == [(D(2022, 11, 30), DONE), (D(2025, 11, 20), DUE)]
    later = current(EVERY_3_YEARS, [(D(2022, 11, 20), "NA 2022")], D(2025, 11, 21))
    assert (later.due_on, later.status) == (D(2025, 11, 20), OVERDUE)
    refreshed = current(EVERY_3_YEARS, [(D(2022, 11, 20), ""), (D(2025, 10, 1), "")],
                        D(2026, 11, 23))
    assert (refreshed.due_on, refreshed.status) == (D(2028, 10, 1), DUE)


def test_fixed_cycle_lists_each_missed_year_and_the_earliest_matters():
    series = occurrences(EVERY_YEAR, [(D(2023, 4, 20), "2023")], D(2026, 11, 23))
    assert statuses(series) == [
        (D(2023, 4, 30), DONE), (D(2024, 4, 30), OVERDUE), (D(2025, 4, 30), OVERDUE),
        (D(2026, 4, 30), OVERDUE), (D(2027, 4, 30), DUE)]
    assert current(EVERY_YEAR, [(D(2023, 4, 20), "")], D(2026, 11, 23)).due_on == D(2024, 4, 30)
    every_year = [(D(y, 4, 1), str(y)) for y in (2023, 2024, 2025, 2026)]
    assert (current(EVERY_YEAR, every_year, D(2026, 11, 23)).status,
            current(EVERY_YEAR, every_year, D(2026, 11, 23)).due_on) == (DUE, D(2027, 4, 30))


def test_add_months_keeps_month_ends():
    assert add_months(D(2023, 4, 30), 12) == D(2024, 4, 30)
    assert add_months(D(2022, 12, 31), 36) == D(2025, 12, 31)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2022, 11, 20), 36) == D(2025, 11, 20)
