""""In use on a date": the one definition, for every record with a first and a last day.

An area, a partnership's coverage of an authority and an appointment are each in use from
their first day to their last, both included; an empty first day means "since before records
began" and an empty last day "still in use". ``valid_on`` says it in SQL, ``is_valid_on`` in
Python (for records already loaded), and they agree. (The outcomes engine, which works on
Polars frames and plain tuples, has its own copy: ``cdphub.outcomes.compute.Place.valid_on``.)
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from .clock import today


def is_valid_on(first: dt.date | None, last: dt.date | None, on: dt.date) -> bool:
    """Whether a span from ``first`` to ``last`` (both included; None: open) covers ``on``."""
    return (first is None or first <= on) and (last is None or on <= last)


def valid_on(on: dt.date, *, first: str = "valid_from", last: str = "valid_to") -> Q:
    """The records in use on ``on``, as a filter (``first`` and ``last`` name the fields, with
    any ``relation__`` prefix)."""
    return (Q(**{f"{first}__isnull": True}) | Q(**{f"{first}__lte": on})) & (
        Q(**{f"{last}__isnull": True}) | Q(**{f"{last}__gte": on}))


def valid_on_or_after(on: dt.date, *, last: str = "valid_to") -> Q:
    """The records in use on ``on`` or on any later day (not ended before it)."""
    return Q(**{f"{last}__isnull": True}) | Q(**{f"{last}__gte": on})


class ValidityQuerySet(models.QuerySet):
    """``valid_on(date)`` for a model with a first and a last day (``valid_from`` and
    ``valid_to`` unless the subclass names others)."""

    first_field = "valid_from"
    last_field = "valid_to"

    def valid_on(self, on: dt.date):
        return self.filter(valid_on(on, first=self.first_field, last=self.last_field))

    def valid_on_or_after(self, on: dt.date):
        return self.filter(valid_on_or_after(on, last=self.last_field))

    def current(self):
        """In use today (``cdphub.core.clock.today``)."""
        return self.valid_on(today())
