"""Outcomes data for the API tests: the metric catalogue, a local metric of partnership A, and
computed values for areas and for both partnerships, one of them suppressed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from cdphub.accounts.tokens import create_token
from cdphub.geography.models import Area
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import ComputedValue, Metric

METRIC = "continuity_of_care"
ENGLAND, NORTH_WEST, BOLTON, READING = "E92000001", "E12000002", "E08000001", "E06000038"
Y2122 = ("2021/22", dt.date(2021, 4, 1), dt.date(2022, 3, 31))
Y2223 = ("2022/23", dt.date(2022, 4, 1), dt.date(2023, 3, 31))


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def token_for(user, *, two_factor: bool = True, **kwargs) -> str:
    """A personal access token for ``user`` (as if made in a verified session)."""
    return create_token(user, name="test", two_factor=two_factor, **kwargs)[1]


def value(metric: Metric, period, *, area: str | None = None, partnership=None,
          breakdown: str = "", numerator: float = 40, denominator: float = 100,
          suppressed: bool = False, **extra) -> ComputedValue:
    label, start, end = period
    rate = 100 * numerator / denominator
    return ComputedValue.objects.create(
        metric=metric, area=Area.objects.get(code=area) if area else None,
        partnership=partnership, period_label=label, period_start=start, period_end=end,
        breakdown=breakdown, numerator=numerator, denominator=denominator, value=rate,
        lower_95=rate - 5, upper_95=rate + 5, lower_99_8=rate - 8, upper_99_8=rate + 8,
        suppressed=suppressed, comparison=extra.pop("comparison", "similar"), **extra)


@dataclass
class Outcomes:
    metric: Metric
    local: Metric  # partnership A's local metric
    published: list[ComputedValue]  # national metric, areas
    suppressed: ComputedValue  # published, but small numbers
    partnership_a: ComputedValue
    partnership_b: ComputedValue
    local_values: list[ComputedValue]  # partnership A's local metric: its partnership and an area


def local_metric(partnership, name="Naloxone kits issued") -> Metric:
    base = Metric.objects.get(key=METRIC)
    return Metric.objects.create(
        key=f"{partnership.slug}-naloxone-kits", outcome=base.outcome, kind="local", name=name,
        definition="Kits issued per 100 people in treatment.", source="Local records",
        geography="utla", frequency="quarterly", period_type="financial", unit="%",
        multiplier=100, method=base.method, polarity="high", partnership=partnership)


@pytest.fixture
def outcomes(world) -> Outcomes:
    sync_catalogue()
    metric = Metric.objects.get(key=METRIC)
    local = local_metric(world.partnership_a)
    published = [
        value(metric, Y2122, area=ENGLAND, numerator=50_000, denominator=130_000),
        value(metric, Y2223, area=ENGLAND, numerator=52_000, denominator=131_000,
              trend="increasing and getting better"),
        value(metric, Y2223, area=ENGLAND, breakdown="substance=Opiate", numerator=20_000,
              denominator=60_000),
        value(metric, Y2223, area=NORTH_WEST, numerator=7_000, denominator=16_000,
              comparison_region=""),
        value(metric, Y2122, area=BOLTON, numerator=300, denominator=700, comparison="worse"),
        value(metric, Y2223, area=BOLTON, numerator=320, denominator=710, comparison="worse"),
    ]
    suppressed = value(metric, Y2223, area=BOLTON, breakdown="substance=Alcohol", numerator=3,
                       denominator=9, suppressed=True)
    published.append(suppressed)
    a = value(metric, Y2223, partnership=world.partnership_a, numerator=900, denominator=2_000)
    b = value(metric, Y2223, partnership=world.partnership_b, numerator=150, denominator=400)
    local_values = [value(local, Y2223, partnership=world.partnership_a, numerator=60),
                    value(local, Y2223, area=BOLTON, numerator=20)]
    return Outcomes(metric, local, published, suppressed, a, b, local_values)
