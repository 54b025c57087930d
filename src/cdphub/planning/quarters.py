"""Quarters of the financial year (April to June is Q1), as the delivery plan's quarterly
updates use them. Pure date arithmetic: no Django.

A quarter is named by its first day (``quarter_start``). Each quarter's updates are due a
number of days after it ends (the plan's ``update_due_days``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")


@dataclass(frozen=True, order=True)
class Quarter:
    start: dt.date

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        month = ((day.month - 1) // 3) * 3 + 1  # January, April, July or October
        return cls(dt.date(day.year, month, 1))

    @classmethod
    def starting(cls, day: dt.date) -> Quarter:
        """The quarter that starts on ``day`` (ValueError: no quarter starts then)."""
        if day.day != 1 or day.month not in (1, 4, 7, 10):
            raise ValueError(f"{day:%-d %B %Y} is not the first day of a quarter")
        return cls(day)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        year, month = self.start.year, self.start.month + 3
        if month > 12:
            year, month = year + 1, month - 12
        return Quarter(dt.date(year, month, 1))

    def previous(self) -> Quarter:
        year, month = self.start.year, self.start.month - 3
        if month < 1:
            year, month = year - 1, month + 12
        return Quarter(dt.date(year, month, 1))

    @property
    def financial_year(self) -> int:
        """The year the financial year starts in (2026 for April 2026 to March 2027)."""
        return self.start.year if self.start.month >= 4 else self.start.year - 1

    @property
    def number(self) -> int:
        """1 for April to June … 4 for January to March."""
        return {4: 1, 7: 2, 10: 3, 1: 4}[self.start.month]

    @property
    def code(self) -> str:
        """``2026-27 Q2``: how files and URLs name it."""
        year = self.financial_year
        return f"{year}-{(year + 1) % 100:02d} Q{self.number}"

    @property
    def label(self) -> str:
        """``Q2 2026 to 2027 (July to September 2026)``: how pages name it."""
        year = self.financial_year
        first, last = _MONTH_NAMES[self.start.month - 1], _MONTH_NAMES[self.end.month - 1]
        return f"Q{self.number} {year} to {year + 1} ({first} to {last} {self.end.year})"

    def deadline(self, due_days: int) -> dt.date:
        """The day this quarter's updates are due."""
        return self.end + dt.timedelta(days=due_days)


def last_completed(today: dt.date) -> Quarter:
    """The most recent quarter that has ended by ``today``: the one updates are being
    collected for."""
    return Quarter.containing(today).previous()


def between(first: dt.date, last: dt.date) -> list[Quarter]:
    """Every quarter that overlaps ``first`` to ``last``, oldest first (none when ``last`` is
    before ``first``)."""
    if last < first:
        return []
    quarters, quarter = [], Quarter.containing(first)
    while quarter.start <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters
