"""The synthetic outcomes demo: every metric at its publishing geography, England totals
calibrated to the published figures, everything marked synthetic."""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
import pytest

from cdphub.demo.outcomes import (
    build_outcomes_demo,
    demo_frames,
    ndtms_in_treatment,
    ons_drug_misuse_deaths,
    units,
)
from cdphub.geography.models import Area
from cdphub.outcomes.models import ComputedValue, DataLoad, Metric
from cdphub.partnerships.models import Coverage, Partnership

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cumbria = Partnership.objects.create(name="Cumbria CDP", slug="cumbria",
                                         region=Area.objects.get(code="E12000002"))
    for code, start, end in (("E10000006", "2022-08-01", "2023-03-31"),
                             ("E06000063", "2023-04-01", None), ("E06000064", "2023-04-01", None)):
        Coverage.objects.create(partnership=cumbria, area=Area.objects.get(code=code),
                                valid_from=dt.date.fromisoformat(start),
                                valid_to=end and dt.date.fromisoformat(end))
    start = time.perf_counter()
    stored = build_outcomes_demo(TODAY)
    return stored, time.perf_counter() - start


def test_the_demo_data_are_deterministic():
    first, second = demo_frames(TODAY), demo_frames(TODAY)
    assert first.keys() == second.keys()
    for key in first:
        assert first[key].equals(second[key]), key


# The PostgreSQL pass builds this same outcomes demo (``build_outcomes_demo``) for its shared
# demo, which the demo, disclosure and planning tests there read; what this test checks of it
# (calibration, periods, geographies) is the engine's arithmetic, the same on either database.
@pytest.mark.one_database
def test_the_demo_loads_every_metric_marks_it_synthetic_and_calibrates_england(demo):
    stored, seconds = demo
    print(f"outcomes demo: {sum(stored.values()):,} figures in {seconds:.1f} s")
    assert set(stored) == set(Metric.objects.values_list("key", flat=True))
    loads = DataLoad.objects.all()
    assert loads.count() == len(stored)
    assert all(load.is_synthetic and load.status == "complete" for load in loads)
    assert all("Synthetic demo data" in load.notes for load in loads)
    assert not ComputedValue.objects.filter(is_synthetic=False).exists()
    assert ComputedValue.objects.count() > 25_000  # (no partnerships but one here)

    england = Area.objects.get(code="E92000001")
    deaths = ons_drug_misuse_deaths()
    for value in ComputedValue.objects.filter(metric__key="drug_misuse_deaths", area=england,
                                              breakdown=""):
        years = range(value.period_start.year, value.period_end.year + 1)
        target = sum(deaths[y] for y in years)
        assert value.numerator == pytest.approx(target, rel=0.02), value.period_label
    latest = ComputedValue.objects.get(metric__key="drug_misuse_deaths", area=england,
                                       breakdown="", period_label__startswith="2021")
    assert latest.numerator == pytest.approx(2846 + 2906 + 3353, rel=0.02)
    assert 4 < latest.value < 7  # a plausible England DSR per 100,000

    treatment = ndtms_in_treatment()
    for value in ComputedValue.objects.filter(metric__key="numbers_in_treatment", area=england,
                                              breakdown=""):
        target = sum(treatment[value.period_start.year].values())
        assert value.value == pytest.approx(target, rel=0.02), value.period_label
    assert ComputedValue.objects.get(metric__key="numbers_in_treatment", area=england,
                                     breakdown="", period_label="2021/22").value == 289_215

    # Every headline metric at its publishing geography.
    for metric in Metric.objects.filter(kind="headline"):
        types = set(ComputedValue.objects.filter(metric=metric, area__isnull=False)
                    .values_list("area__area_type", flat=True))
        expected = {"utla": {"utla", "region", "country"}, "pfa": {"pfa", "region", "country"},
                    "england": {"country"}}[metric.geography]
        assert types == expected, metric.key
    assert ComputedValue.objects.filter(metric__key="drug_misuse_deaths", area__area_type="utla",
                                        breakdown="sex=Female").exists()
    assert (ComputedValue.objects.filter(metric__key="numbers_in_treatment", area=england)
            .values("breakdown").distinct().count()) == 8  # total, 4 drug groups, 3 age groups

    # A partnership across Cumbria's reorganisation has one unbroken series.
    series = {v.period_label: v for v in ComputedValue.objects.filter(
        metric__key="numbers_in_treatment", partnership__name="Cumbria CDP", breakdown="")}
    assert len(series) == 8 and all(v.value for v in series.values())
    county = ComputedValue.objects.get(metric__key="numbers_in_treatment",
                                       area__code="E10000006", breakdown="",
                                       period_label="2022/23")
    unitaries = ComputedValue.objects.filter(metric__key="numbers_in_treatment",
                                             area__code__in=["E06000063", "E06000064"],
                                             breakdown="", period_label="2023/24")
    assert series["2022/23"].value == county.value
    # Published rounded to the nearest 5 (round-5): the partnership's rounded sum is within
    # 5 of the sum of its rounded authorities.
    assert series["2023/24"].value % 5 == 0
    assert abs(series["2023/24"].value - sum(v.value for v in unitaries)) <= 5
    homicides = ComputedValue.objects.filter(metric__key="drug_related_homicides",
                                             partnership__name="Cumbria CDP").first()
    assert homicides.geography_note == "Figure for the police force area: Cumbria"


def test_the_demo_periods_follow_each_metrics_period_type():
    from cdphub.framework.outcomes import outcomes_framework

    frames = demo_frames(TODAY)
    for definition in outcomes_framework().metrics:
        periods = frames[definition.key].select("period_from", "period_to").unique().rows()
        assert len(periods) >= 2, definition.key
        for start, end in periods:
            months = (end.year - start.year) * 12 + end.month - start.month + 1
            assert start.day == 1 and (end + dt.timedelta(days=1)).day == 1, definition.key
            expected = {"calendar": (1, 12), "financial": (4, 12), "pooled_3_calendar": (1, 36),
                        "rolling_12_months": (None, 12), "survey_year": (None, 12)}
            first_month, length = expected[definition.period_type]
            assert months == length, (definition.key, start, end)
            assert first_month is None or start.month == first_month, definition.key
        if definition.geography == "utla":  # every authority, under its code of the time
            latest = max(end for _start, end in periods)
            codes = frames[definition.key].filter(pl.col("period_to") == latest)["area_code"]
            in_use = set(units().codes_on(latest))  # 153 from April 2023, fewer before
            # (alcohol dependence not in treatment loads England's published figure too)
            assert set(codes) - {"E92000001"} == in_use, definition.key


def test_rebuilding_the_demo_reuses_its_stored_files(db, settings, tmp_path):
    from cdphub.demo.outcomes import _synthetic_load

    settings.MEDIA_ROOT = tmp_path
    frame = demo_frames(TODAY)["ocg_disruptions"]
    first = _synthetic_load("ocg_disruptions", frame)
    second = _synthetic_load("ocg_disruptions", frame)
    assert first.pk != second.pk and first.file.name == second.file.name
    assert first.checksum[:16] in first.file.name
    assert len(list((tmp_path / "loads" / "demo").iterdir())) == 1
    assert first.is_synthetic and first.file_name == "synthetic_demo_ocg_disruptions.csv"
