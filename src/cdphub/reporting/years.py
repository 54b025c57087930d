"""Reporting years: the financial year a progress report covers.

A report for year 2023 covers 1 April 2023 to 31 March 2024 ("2023/24"). The first progress
report was due by 30 April 2023 and one every 12 months after (guidance chapter 4, "Review and
update"; ``framework/data/guidance_2022.toml``, milestone ``progress_report``): the report on a
year is due on 30 April after the year ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FIRST_YEAR = 2022  # the first report (due 30 April 2023) covers 2022/23


@dataclass(frozen=True, order=True)
class ReportingYear:
    start_year: int

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def ends_on(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    @property
    def due_on(self) -> dt.date:
        return dt.date(self.start_year + 1, 4, 30)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def __str__(self) -> str:
        return self.label

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def is_late(self, today: dt.date, submitted_on: dt.date | None) -> bool:
        """Late: not submitted by the due date (or submitted after it)."""
        if submitted_on is not None:
            return submitted_on > self.due_on
        return today > self.due_on


def year_of(day: dt.date) -> ReportingYear:
    """The reporting year ``day`` falls in."""
    return ReportingYear(day.year if day.month >= 4 else day.year - 1)


def last_completed(today: dt.date) -> ReportingYear:
    """The latest year that has ended by ``today``: the one a report is being written on."""
    return ReportingYear(year_of(today).start_year - 1)


def due_years(today: dt.date) -> list[ReportingYear]:
    """Every year whose report has fallen due by ``today``, oldest first."""
    last = last_completed(today)
    years = [ReportingYear(y) for y in range(FIRST_YEAR, last.start_year + 1)]
    return [year for year in years if year.due_on < today]
