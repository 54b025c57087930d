"""The supporting metrics progress reports cite (issue 14, point 4): alcohol-specific deaths
and admissions, successful completion of treatment (opiates, non-opiates, alcohol) and adults
with alcohol dependence not in treatment. Their definitions, a real published export loaded
into one of them (its figures kept as published), and the demo's figures for every
partnership."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from cdphub.framework.outcomes import outcomes_framework
from cdphub.geography.models import Area
from cdphub.outcomes.compute import recompute_metrics
from cdphub.outcomes.models import ComputedValue, DataLoad, Metric
from tests.outcomes.loading_helpers import DATA, catalogue, load_bytes

NEW = {
    "alcohol_specific_deaths": ("dsr", "low", "calendar", 100_000, "91380"),
    "alcohol_specific_admissions": ("dsr", "low", "financial", 100_000, "92906"),
    "successful_completions_opiate": ("proportion", "high", "calendar", 100, "90244"),
    "successful_completions_non_opiate": ("proportion", "high", "calendar", 100, "90245"),
    "successful_completions_alcohol": ("proportion", "high", "calendar", 100, "92447"),
    "alcohol_dependence_not_in_treatment": ("proportion", "low", "financial", 100, "93532"),
}
def metric_method(key: str) -> str:
    return NEW[key][0]


FINGERTIPS_93532 = DATA / "fingertips_93532_dependent_drinkers_not_in_treatment_sample.csv"


@pytest.mark.parametrize("key", NEW)
def test_each_new_metric_is_defined_with_its_source_method_and_publishing_geography(key):
    method, polarity, period_type, multiplier, indicator = NEW[key]
    metric = outcomes_framework().metric(key)
    assert metric.kind == "supporting" and metric.geography == "utla"
    assert (metric.method, metric.polarity, metric.period_type, metric.multiplier) == (
        method, polarity, period_type, multiplier)
    assert f"indicator {indicator}" in metric.source
    assert "Cumbria progress report (July 2023)" in metric.cite
    assert len(metric.cite) <= 200 and len(metric.source) <= 300  # the model's field sizes


@pytest.mark.django_db
def test_the_catalogue_sync_puts_them_in_the_database():
    catalogue()
    stored = Metric.objects.filter(key__in=NEW)
    assert stored.count() == len(NEW)
    assert {m.key: m.method for m in stored} == {k: v[0] for k, v in NEW.items()}


@pytest.mark.django_db
def test_the_real_93532_export_loads_into_the_metric_and_its_published_figures_are_kept(
        settings, tmp_path):
    """Fingertips 93532's interval comes from the modelled prevalence and cannot be made from
    the count and denominator (tests/data/PROVENANCE.md): loaded, each area's published value
    and 95% limits are the figure cdphub shows, not a Wilson interval of its own."""
    settings.MEDIA_ROOT = tmp_path
    catalogue()
    load = load_bytes(FINGERTIPS_93532.read_bytes(), name=FINGERTIPS_93532.name,
                      file_format="fingertips", metric_key="alcohol_dependence_not_in_treatment")
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    recompute_metrics(Metric.objects.filter(key="alcohol_dependence_not_in_treatment")
                      .values_list("pk", flat=True))
    with open(FINGERTIPS_93532, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    computed = {(v.area.code, v.period_label): v for v in ComputedValue.objects.filter(
        metric__key="alcohol_dependence_not_in_treatment", area__isnull=False, breakdown="")
        .select_related("area")}
    checked = 0
    for row in rows:
        value = computed.get((row["Area Code"], row["Time period"]))
        if value is None:
            continue
        assert value.value == pytest.approx(float(row["Value"]))
        assert (value.lower_95, value.upper_95) == (
            pytest.approx(float(row["Lower CI 95.0 limit"])),
            pytest.approx(float(row["Upper CI 95.0 limit"])))
        checked += 1
    assert checked == len(rows)
    england = computed[("E92000001", "2019/20")]
    assert (england.value, england.lower_95, england.upper_95) == (
        pytest.approx(82.30641882), pytest.approx(78.00995087), pytest.approx(86.31992268))


@pytest.mark.django_db
def test_a_partnership_of_several_authorities_gets_no_interval_and_no_comparison(
        settings, tmp_path):
    """No interval of a sum of 93532's authorities can be made from the counts (the published
    one is the modelled estimate's): a partnership of Hartlepool and Middlesbrough gets their
    summed share with no interval, so it is not compared with England; a partnership of
    Darlington alone shows Darlington's published figure and comparison."""
    from cdphub.partnerships.models import Partnership
    from cdphub.stats.compare import NOT_COMPARED
    from tests.outcomes.loading_helpers import cover

    settings.MEDIA_ROOT = tmp_path
    catalogue()
    north_east = Area.objects.get(code="E12000001")
    tees = Partnership.objects.create(name="Tees test CDP", slug="tees-test", region=north_east)
    darlington = Partnership.objects.create(name="Darlington test CDP", slug="darlington-test",
                                            region=north_east)
    cover(tees, "E06000001", "E06000002")
    cover(darlington, "E06000005")
    load = load_bytes(FINGERTIPS_93532.read_bytes(), name=FINGERTIPS_93532.name,
                      file_format="fingertips", metric_key="alcohol_dependence_not_in_treatment")
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    recompute_metrics(Metric.objects.filter(key="alcohol_dependence_not_in_treatment")
                      .values_list("pk", flat=True))
    rows = ComputedValue.objects.filter(metric__key="alcohol_dependence_not_in_treatment",
                                        breakdown="", period_label="2019/20")
    summed = rows.get(partnership=tees)
    parts = [rows.get(area__code=code) for code in ("E06000001", "E06000002")]
    assert summed.value == pytest.approx(
        100 * sum(p.numerator for p in parts) / sum(p.denominator for p in parts))
    assert (summed.lower_95, summed.upper_95, summed.lower_99_8, summed.upper_99_8) == (
        None, None, None, None)
    assert summed.comparison == NOT_COMPARED
    alone = rows.get(partnership=darlington)
    own = rows.get(area__code="E06000005")
    assert (alone.value, alone.lower_95, alone.upper_95) == (
        pytest.approx(own.value), pytest.approx(own.lower_95), pytest.approx(own.upper_95))
    assert alone.comparison == own.comparison != NOT_COMPARED


def test_the_demo_calibrates_the_new_metrics_to_england_levels():
    """England's demo figures sit at the levels PROVENANCE.md names (93532 2019/20 at the
    published 82.3%; the others approximate)."""
    import polars as pl

    from cdphub.demo.outcomes import demo_frames

    frames = demo_frames(dt.date(2026, 11, 23))
    unmet = frames["alcohol_dependence_not_in_treatment"].filter(
        (pl.col("area_code") == "E92000001") & (pl.col("period_to") == dt.date(2020, 3, 31)))
    assert unmet["value"].item() == pytest.approx(82.31, abs=0.1)
    for key, low, high in (("successful_completions_opiate", 3, 8),
                           ("successful_completions_non_opiate", 25, 40),
                           ("successful_completions_alcohol", 28, 45)):
        frame = frames[key].filter(pl.col("period_to") == dt.date(2021, 12, 31))
        assert low < frame["numerator"].sum() / frame["denominator"].sum() * 100 < high, key


@pytest.mark.django_db
def test_the_demo_has_figures_for_every_partnership(shared_demo):
    """Every demo partnership has a row for each new metric in its latest period, with a figure
    unless small numbers hide it or a rate has too few events (as for drug misuse deaths:
    the Isles of Scilly, the City of London …); and England's alcohol-specific death rate is
    of the published order (about 14 per 100,000 in 2021 and 2022)."""
    from cdphub.partnerships.models import Partnership

    partnerships = set(Partnership.objects.values_list("pk", flat=True))
    assert len(partnerships) > 100
    for key in NEW:
        values = ComputedValue.objects.filter(metric__key=key, breakdown="",
                                              partnership__isnull=False)
        periods = set(values.values_list("period_end", flat=True))
        assert len(periods) >= 5, key
        rows = values.filter(period_end=max(periods))
        assert set(rows.values_list("partnership", flat=True)) == partnerships, key
        assert rows.filter(value__isnull=False).count() >= 0.9 * len(partnerships), key
        if metric_method(key) == "proportion":  # a missing proportion is a hidden one
            assert not rows.filter(value__isnull=True, suppressed=False).exists(), key
        assert not values.filter(is_synthetic=False).exists(), key
    for year in ("2021", "2022"):
        england = ComputedValue.objects.get(metric__key="alcohol_specific_deaths",
                                            area__code="E92000001", breakdown="",
                                            period_label=year)
        assert 11 < england.value < 18, year
