"""The one read path for computed figures.

Every page, download, chart, map and API route that shows an outcome figure reads it here,
and so will the reports and public pages to come. Nothing else reads the figure columns of
``ComputedValue`` (``tests/test_architecture.py`` fails if anything does). What it does:

* **Visibility, in the query.** ``readable_partnerships``, ``readable_metrics`` and
  ``Figures.for_viewer`` say who may read what; every other module asks them:

  - anyone, signed in or not, reads national metrics' figures for areas (authorities,
    police force areas, regions, England): they are published statistics;
  - a signed-in user also reads the figures of the partnerships they may read (their own;
    a regional adviser's region's; every partnership for central government), and those
    partnerships' local metrics;
  - ``Figures.for_partnership_page`` is what a partnership's outcomes pages compare with:
    every figure of a national metric (the spine and compare charts place the partnership
    among its peers) and every figure of that partnership's own local metrics.
    Its callers are views that have already checked the viewer may read the partnership.

* **Suppression, in the query.** A figure hidden for small numbers is never stored
  (disclosure control runs when values are computed, ``compute.py``). As a second line,
  the query itself returns ``NULL`` for every figure column of a row marked suppressed,
  and a number that is not finite becomes ``None``: a caller receives ``Figure`` rows in
  which a hidden figure is already absent, never a flag it must remember to honour.

A ``Figures`` collection is lazy, like a queryset: ``filter``, ``order_by`` and slicing
build the query; iterating, ``list()`` or a slice runs it and returns ``Figure`` rows. It
has ``count()`` and ``len()`` so the API's pagination can page through it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from cdphub.accounts.roles import is_central
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.status import visible_to

from .models import ComputedValue, Metric

#: The columns that carry numbers derived from counts: blanked when a row is hidden.
FIGURE_COLUMNS = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_99_8",
                  "upper_99_8")
#: Where a partnership's figure comes from, when it is not the sum of its own footprint.
GEOGRAPHY_SOURCES = {
    "": "The partnership's own footprint",
    "pfa": "The police force area's figure",
    "region": "The region's figure",
    "before_footprint": "The authorities the partnership first covered",
    "whole": "Loaded for the partnership as a whole",
}
#: How each comparison word is shown: a CSS modifier and what it means, for tags and legends.
COMPARISON_STYLES = {
    "best": ("better", "Better than England (99.8% level)"),
    "better": ("better", "Better than England"),
    "similar": ("similar", "Similar to England"),
    "worse": ("worse", "Worse than England"),
    "worst": ("worse", "Worse than England (99.8% level)"),
    "higher": ("higher", "Higher than England"),
    "lower": ("lower", "Lower than England"),
    "not compared": ("not-compared", "Not compared"),
    "": ("not-compared", "Not compared"),
}
_PLAIN = ("metric_id", "area_id", "partnership_id", "period_start", "period_end",
          "period_label", "breakdown", "suppressed", "geography_note", "geography_source",
          "comparison", "comparison_region", "trend", "is_synthetic")
_RELATED = {name: F(path) for name, path in {
    "metric_key": "metric__key", "metric_unit": "metric__unit", "area_code": "area__code",
    "area_name": "area__name", "area_type": "area__area_type",
    "partnership_slug": "partnership__slug",
    "partnership_name": "partnership__name"}.items()}


def _shown(column: str) -> Case:
    """The column, or NULL when the row is hidden: applied by the database, in the query."""
    return Case(When(suppressed=True, then=Value(None)), default=F(column),
                output_field=FloatField())


_SHOWN = {f"shown_{name}": _shown(name) for name in FIGURE_COLUMNS}


def _finite(number: float | None) -> float | None:
    return number if number is not None and math.isfinite(number) else None


@dataclass(frozen=True)
class Figure:
    """One computed value as it may be shown: hidden figures are already ``None``."""

    metric_id: int
    metric_key: str
    metric_unit: str
    area_id: int | None
    area_code: str | None
    area_name: str | None
    area_type: str | None
    partnership_id: int | None
    partnership_slug: str | None
    partnership_name: str | None
    period_start: dt.date
    period_end: dt.date
    period_label: str
    breakdown: str
    numerator: float | None
    denominator: float | None
    value: float | None
    lower_95: float | None
    upper_95: float | None
    lower_99_8: float | None
    upper_99_8: float | None
    suppressed: bool
    geography_note: str
    geography_source: str
    comparison: str
    comparison_region: str
    trend: str
    is_synthetic: bool

    @classmethod
    def _from_row(cls, row: dict) -> Figure:
        figures = {name: _finite(row.pop(f"shown_{name}")) for name in FIGURE_COLUMNS}
        return cls(**row, **figures)

    @property
    def comparison_style(self) -> str:
        return COMPARISON_STYLES.get(self.comparison, ("not-compared", ""))[0]

    @property
    def comparison_short(self) -> str:
        """One word for tight tables: Better, Similar, Worse, Higher, Lower, Not compared."""
        style = self.comparison_style
        return "Not compared" if style == "not-compared" else style.capitalize()

    @property
    def comparison_text(self) -> str:
        return COMPARISON_STYLES.get(self.comparison, ("", self.comparison.capitalize()))[1]

    @property
    def breakdown_label(self) -> str:
        return breakdown_label(self.breakdown)


def breakdown_label(breakdown: str) -> str:
    """'sex=Female;age=16-24' → 'Sex: Female, age: 16-24'; '' → 'All'."""
    if not breakdown:
        return "All"
    parts = []
    for pair in breakdown.split(";"):
        name, _, value = pair.partition("=")
        parts.append(f"{name.replace('_', ' ')}: {value}")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


class Figures:
    """A lazy, filterable, sliceable collection of ``Figure`` rows (see the module notes)."""

    def __init__(self, queryset: QuerySet):
        self._queryset = queryset

    # building the query
    def filter(self, *args, **kwargs) -> Figures:
        return Figures(self._queryset.filter(*args, **kwargs))

    def exclude(self, *args, **kwargs) -> Figures:
        return Figures(self._queryset.exclude(*args, **kwargs))

    def order_by(self, *fields) -> Figures:
        return Figures(self._queryset.order_by(*fields))

    def shown_only(self) -> Figures:
        """Only rows that have a value to show."""
        return Figures(self._queryset.filter(suppressed=False, value__isnull=False))

    def all(self) -> Figures:  # for django-ninja's pagination, which counts ``.all()``
        return self

    # running it
    def _rows(self, queryset: QuerySet) -> list[Figure]:
        rows = queryset.values(*_PLAIN, **_RELATED, **_SHOWN)
        return [Figure._from_row(row) for row in rows]

    def __iter__(self) -> Iterator[Figure]:
        return iter(self._rows(self._queryset))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._rows(self._queryset[index])
        return self._rows(self._queryset[index:index + 1])[0]

    def count(self) -> int:
        return self._queryset.count()

    def __len__(self) -> int:
        return self.count()

    def first(self) -> Figure | None:
        rows = self[:1]
        return rows[0] if rows else None

    # where to start
    @classmethod
    def _base(cls) -> QuerySet:
        return ComputedValue.objects.all()

    @classmethod
    def published(cls) -> Figures:
        """Figures anyone may read: national metrics, for areas."""
        return cls(cls._base().filter(_PUBLISHED))

    @classmethod
    def published_for_partnership(cls, partnership: Partnership) -> Figures:
        """What a partnership's public page may show: the published figures, and the
        partnership's own figures of national metrics. Those are published too: disclosure
        control treats a partnership and its authorities as a sum like any other (README,
        "Small numbers"), so its total gives no hidden authority away."""
        own = (Q(partnership=partnership) & ~Q(metric__kind="local")
               & Q(metric__partnership__isnull=True))
        return cls(cls._base().filter(_PUBLISHED | own))

    @classmethod
    def for_viewer(cls, user) -> Figures:
        """Everything ``user`` may read: published figures, and (signed in) the figures of
        the partnerships they may read, for national metrics and those partnerships' own."""
        partnerships = readable_partnerships(user)
        if partnerships is None:
            return cls(cls._base())
        if not user.is_authenticated:
            return cls.published()
        theirs = ((Q(partnership__isnull=True) | Q(partnership__in=partnerships))
                  & (Q(metric__partnership__isnull=True)
                     | Q(metric__partnership__in=partnerships)))
        return cls(cls._base().filter(_PUBLISHED | theirs))

    @classmethod
    def for_partnership_page(cls, partnership: Partnership) -> Figures:
        """What ``partnership``'s outcomes pages show and compare with (the caller has
        checked the viewer may read ``partnership``): every figure of a national metric
        (areas' and partnerships', for the spine and compare charts), and every figure of
        its own local metrics (its own and its authorities'); nothing of another
        partnership's local metrics."""
        national = Q(metric__partnership__isnull=True) & ~Q(metric__kind="local")
        return cls(cls._base().filter(national | Q(metric__partnership=partnership)))


_PUBLISHED = Q(area__isnull=False) & ~Q(metric__kind="local") & Q(metric__partnership__isnull=True)


def readable_partnerships(user) -> QuerySet | None:
    """The partnerships whose figures and local metrics ``user`` may read (``None``: all)."""
    if not user.is_authenticated:
        return Partnership.objects.none()
    if is_central(user):
        return None
    return visible_to(Partnership.objects.all(), user)


def readable_metrics(user) -> QuerySet:
    """National metrics for everyone; a partnership's local metric for those who may read
    that partnership."""
    metrics = Metric.objects.select_related("partnership")
    partnerships = readable_partnerships(user)
    if partnerships is not None:
        metrics = metrics.filter(Q(partnership__isnull=True) | Q(partnership__in=partnerships))
    return metrics


def partnership_metrics(partnership: Partnership) -> list[Metric]:
    """Headline, supporting and this partnership's own local metrics, in catalogue order."""
    return list(Metric.objects.filter(Q(partnership__isnull=True) | Q(partnership=partnership))
                .order_by("order", "key"))
