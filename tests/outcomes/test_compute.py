"""Computed values: sums of numerators and denominators for regions, England and partnerships,
boundary changes, force-area figures, comparisons, trend and suppression."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest

from cdphub import stats
from cdphub.geography.models import Area
from cdphub.outcomes.compute import recompute_metrics
from cdphub.outcomes.engine import BEFORE_FOOTPRINT
from cdphub.outcomes.models import ComputedValue, DataLoad, Metric, Observation
from cdphub.partnerships.models import Coverage, Partnership

pytestmark = pytest.mark.django_db

NORTH_EAST = "E12000001"
ENGLAND = "E92000001"
ESP = stats.esp2013()


def make_metric(key="rate", method="crude-rate", geography="utla", polarity="low",
                multiplier=100_000, disclosure="none", **extra) -> Metric:
    return Metric.objects.create(
        key=key, outcome="reduce_deaths_harm", kind="supporting", name=key.title(),
        definition="A test metric.", source="Test", geography=geography, frequency="annual",
        period_type="calendar", unit="per 100,000", multiplier=multiplier, method=method,
        polarity=polarity, disclosure=disclosure, **extra)


def make_load(synthetic=False) -> DataLoad:
    return DataLoad.objects.create(file_name="test.csv", checksum="0" * 64, format="long",
                                   status=DataLoad.Status.COMPLETE, is_synthetic=synthetic)


def year(y: int) -> dict:
    return {"period_start": dt.date(y, 1, 1), "period_end": dt.date(y, 12, 31),
            "period_label": str(y)}


def financial(y: int) -> dict:
    return {"period_start": dt.date(y, 4, 1), "period_end": dt.date(y + 1, 3, 31),
            "period_label": f"{y}/{(y + 1) % 100:02d}"}


def observe(metric, rows, load=None, period=None) -> DataLoad:
    """rows: (area code, numerator, denominator) or dicts with more fields."""
    load = load or make_load()
    areas = Area.objects.in_bulk(field_name="code")
    objects = []
    for row in rows:
        if not isinstance(row, dict):
            row = dict(zip(("code", "numerator", "denominator"), row, strict=True))
        row = {**(period or year(2023)), **row}
        objects.append(Observation(load=load, metric=metric, area=areas[row.pop("code")], **row))
    Observation.objects.bulk_create(objects)
    return load


def region_codes(region: str) -> list[str]:
    return list(Area.objects.filter(area_type="utla", parent__code=region, valid_to__isnull=True)
                .order_by("code").values_list("code", flat=True))


def values(metric, **where) -> dict:
    return {(v.area.code if v.area else v.partnership.name, v.period_label, v.breakdown): v
            for v in ComputedValue.objects.filter(metric=metric, **where)
            .select_related("area", "partnership")}


def cover(partnership, codes, start="2022-08-01", end=None):
    for code in codes:
        Coverage.objects.create(partnership=partnership, area=Area.objects.get(code=code),
                                valid_from=dt.date.fromisoformat(start),
                                valid_to=dt.date.fromisoformat(end) if end else None)


def new_partnership(name, region=NORTH_EAST) -> Partnership:
    return Partnership.objects.create(name=name, slug=name.lower().replace(" ", "-"),
                                      region=Area.objects.get(code=region))


# ----------------------------------------------------------------------------- aggregation


def test_a_region_sums_numerators_and_denominators_never_averaging_rates():
    metric = make_metric()
    codes = region_codes(NORTH_EAST)
    # One large authority with a high rate, the others small with low rates: the mean of the
    # rates is far from the rate of the region.
    rows = [(codes[0], 900, 300_000)] + [(c, 10, 100_000) for c in codes[1:]]
    observe(metric, rows)
    recompute_metrics([metric.pk])

    got = values(metric)
    x = np.array([r[1] for r in rows], dtype=float)
    n = np.array([r[2] for r in rows], dtype=float)
    expected = stats.crude_rate([x.sum()], [n.sum()])
    region = got[(NORTH_EAST, "2023", "")]
    assert region.numerator == x.sum() and region.denominator == n.sum()
    assert region.value == pytest.approx(expected["value"][0])
    assert region.lower_95 == pytest.approx(expected["lower_95"][0])
    assert region.upper_99_8 == pytest.approx(expected["upper_99_8"][0])
    mean_of_rates = np.mean(x / n * 100_000)
    assert region.value == pytest.approx(72.14, abs=0.01)  # 1,010 / 1,400,000
    assert mean_of_rates == pytest.approx(34.17, abs=0.01)  # not this
    # Each authority has its own row; England cannot be computed from one region.
    assert got[(codes[0], "2023", "")].value == pytest.approx(300.0)
    england = got[(ENGLAND, "2023", "")]
    assert england.value is None and england.geography_note.startswith("Not computed: no figures")


def test_a_dsr_aggregate_is_the_dsr_of_the_summed_age_band_components():
    metric = make_metric(key="dsr", method="dsr")
    codes = region_codes(NORTH_EAST)
    rng = np.random.default_rng(7)
    rows, counts, pops = [], np.zeros(19), np.zeros(19)
    for code in codes:
        pop = rng.integers(1_000, 40_000, 19).astype(float)
        x = rng.poisson(pop * 0.0004).astype(float)
        counts += x
        pops += pop
        rows += [{"code": code, "age_band": band, "numerator": x[i], "denominator": pop[i]}
                 for i, band in enumerate(ESP)]
    observe(metric, rows)
    recompute_metrics([metric.pk])

    expected = stats.dsr(counts, pops, list(ESP.values()))
    region = values(metric)[(NORTH_EAST, "2023", "")]
    assert region.numerator == counts.sum() and region.denominator == pops.sum()
    for name in ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        assert getattr(region, name) == pytest.approx(expected[name][0])
    # Not the population-weighted mean of the authorities' DSRs, nor their plain mean.
    own = [v.value for k, v in values(metric).items() if k[0] in codes]
    assert region.value != pytest.approx(np.mean(own))


def test_a_partnership_of_two_authorities_sums_them():
    metric = make_metric(disclosure="none")
    partnership = new_partnership("Tees CDP")
    cover(partnership, ["E06000001", "E06000002"])
    observe(metric, [("E06000001", 40, 90_000), ("E06000002", 90, 140_000),
                     ("E06000003", 60, 135_000)])
    recompute_metrics([metric.pk])

    row = values(metric)[("Tees CDP", "2023", "")]
    assert (row.numerator, row.denominator) == (130, 230_000)
    assert row.value == pytest.approx(130 / 230_000 * 100_000)
    assert row.area is None and row.geography_note == ""


def test_a_single_authority_partnership_shows_the_authoritys_published_figure():
    metric = make_metric()
    partnership = new_partnership("Hartlepool CDP")
    cover(partnership, ["E06000001"])
    observe(metric, [{"code": "E06000001", "numerator": 40, "denominator": 90_000,
                      "value": 44.5, "lower_95": 31.0, "upper_95": 60.0}])
    recompute_metrics([metric.pk])
    got = values(metric)
    assert got[("Hartlepool CDP", "2023", "")].value == 44.5  # the published value
    assert got[("Hartlepool CDP", "2023", "")].upper_95 == 60.0
    assert got[("E06000001", "2023", "")].value == 44.5


def test_boundary_change_figures_under_the_old_code_go_to_the_partnership_that_covered_it():
    metric = make_metric(disclosure="none")
    cumbria = new_partnership("Cumbria CDP", region="E12000002")
    other = new_partnership("Lancashire CDP", region="E12000002")
    cover(cumbria, ["E10000006"], start="2022-08-01", end="2023-03-31")
    cover(cumbria, ["E06000063", "E06000064"], start="2023-04-01")
    cover(other, ["E10000017"])
    load = make_load()
    observe(metric, [("E10000006", 100, 500_000), ("E10000017", 300, 1_200_000)], load,
            financial(2021))
    observe(metric, [("E10000006", 110, 500_000), ("E10000017", 310, 1_200_000),
                     # the same year re-published for the new authorities: not counted twice
                     ("E06000063", 70, 270_000), ("E06000064", 41, 230_000)], load,
            financial(2022))
    observe(metric, [("E06000063", 75, 270_000), ("E06000064", 45, 230_000),
                     ("E10000017", 320, 1_200_000)], load, financial(2023))
    recompute_metrics([metric.pk])

    got = values(metric, partnership=cumbria)
    before = got[("Cumbria CDP", "2021/22", "")]  # before any footprint was registered
    assert before.numerator == 100 and before.geography_note == BEFORE_FOOTPRINT
    covered = got[("Cumbria CDP", "2022/23", "")]  # Cumbria county, covered on 31 March 2023
    assert (covered.numerator, covered.geography_note) == (110, "")
    after = got[("Cumbria CDP", "2023/24", "")]  # the two new unitaries
    assert (after.numerator, after.denominator) == (120, 500_000)
    assert {k[1] for k in values(metric, partnership=other)} == {"2021/22", "2022/23", "2023/24"}
    assert values(metric, partnership=other)[("Lancashire CDP", "2022/23", "")].numerator == 310


def test_a_force_area_metric_gives_the_partnership_its_force_figure_labelled():
    metric = make_metric(key="crime", geography="pfa", multiplier=1000)
    manchester = new_partnership("Greater Manchester CDP", region="E12000002")
    cover(manchester, ["E08000001", "E08000003"])  # Bolton, Manchester: Greater Manchester Police
    straddling = new_partnership("Pennine CDP", region="E12000002")
    cover(straddling, ["E06000008", "E08000004"])  # Blackburn (Lancashire), Oldham (GM)
    forces = Area.objects.filter(area_type="pfa")
    gm = forces.get(name__icontains="Greater Manchester")
    lancashire = forces.get(name="Lancashire")
    observe(metric, [(gm.code, 40_000, 2_900_000), (lancashire.code, 20_000, 1_550_000)])
    recompute_metrics([metric.pk])

    got = values(metric)
    single = got[("Greater Manchester CDP", "2023", "")]
    assert single.value == pytest.approx(40_000 / 2_900_000 * 1000)
    assert single.geography_note == f"Figure for the police force area: {gm.name}"
    both = got[("Pennine CDP", "2023", "")]
    assert (both.numerator, both.denominator) == (60_000, 4_450_000)
    assert both.geography_note == (
        f"Figure for the police force areas: {gm.name} and {lancashire.name}")
    assert got[(gm.code, "2023", "")].value == pytest.approx(single.value)


def test_a_loaded_england_figure_is_kept_and_its_difference_from_the_sum_noted():
    metric = make_metric()
    utlas = Area.objects.filter(area_type="utla").valid_on(dt.date(2023, 12, 31))
    rows = [(a.code, 10, 100_000) for a in utlas]
    rows.append({"code": ENGLAND, "numerator": 1500, "denominator": 15_300_000, "value": 9.9,
                 "lower_95": 9.4, "upper_95": 10.4})
    observe(metric, rows)
    recompute_metrics([metric.pk])

    england = values(metric)[(ENGLAND, "2023", "")]
    assert (england.value, england.lower_95, england.upper_95) == (9.9, 9.4, 10.4)
    # The note gives no number: the sum of the parts could give hidden parts away.
    assert england.geography_note == ("Published figure: it differs from the figure computed "
                                      "from its authorities.")
    # Regions are summed from the authorities (none was loaded).
    north_east = values(metric)[(NORTH_EAST, "2023", "")]
    assert north_east.value == pytest.approx(10.0)


def test_a_partnership_missing_an_authoritys_figure_is_not_computed_and_says_why():
    metric = make_metric()
    partnership = new_partnership("Tees CDP")
    cover(partnership, ["E06000001", "E06000002"])
    observe(metric, [("E06000001", 40, 90_000)])
    recompute_metrics([metric.pk])
    row = values(metric)[("Tees CDP", "2023", "")]
    assert row.value is None and row.numerator is None
    assert row.geography_note == "Not computed: no figures for Middlesbrough"
    assert row.comparison == "not compared"


def test_an_isr_aggregate_uses_englands_age_specific_rates_as_the_reference():
    metric = make_metric(key="smr", method="isr", multiplier=100)
    utlas = list(Area.objects.filter(area_type="utla").valid_on(dt.date(2023, 12, 31))
                 .order_by("code"))
    rng = np.random.default_rng(3)
    rows = []
    for area in utlas:
        for band, rate in (("0-44", 0.0002), ("45+", 0.001)):
            pop = float(rng.integers(20_000, 200_000))
            rows.append({"code": area.code, "age_band": band, "denominator": pop,
                         "numerator": float(rng.poisson(pop * rate))})
    observe(metric, rows)
    recompute_metrics([metric.pk])

    got = values(metric)
    assert got[(ENGLAND, "2023", "")].value == pytest.approx(100.0)
    north_east = {a.code for a in utlas if a.parent.code == NORTH_EAST}
    ref = {band: (sum(r["numerator"] for r in rows if r["age_band"] == band),
                  sum(r["denominator"] for r in rows if r["age_band"] == band))
           for band in ("0-44", "45+")}
    x = [sum(r["numerator"] for r in rows if r["code"] in north_east and r["age_band"] == b)
         for b in ref]
    n = [sum(r["denominator"] for r in rows if r["code"] in north_east and r["age_band"] == b)
         for b in ref]
    expected = stats.isr_ratio(x, n, [ref[b][0] for b in ref], [ref[b][1] for b in ref])
    region = got[(NORTH_EAST, "2023", "")]
    assert region.value == pytest.approx(expected["value"][0])
    assert region.upper_95 == pytest.approx(expected["upper_95"][0])


# ----------------------------------------------------------------------------- judgements


def test_comparisons_and_trend_follow_the_stats_library():
    metric = make_metric(polarity="low")
    load = make_load()
    rising = [20, 26, 33, 41, 50]  # per 100,000 in a population of 200,000
    for i, y in enumerate(range(2019, 2024)):
        observe(metric, [
            ("E06000001", rising[i] * 2, 200_000),
            ("E06000002", 30, 100_000),
            {"code": ENGLAND, "numerator": 17_000, "denominator": 56_000_000,
             "value": 30.4, "lower_95": 29.9, "upper_95": 30.8},
        ], load, year(y))
    recompute_metrics([metric.pk])

    got = values(metric)
    series = [got[("E06000001", str(y), "")] for y in range(2019, 2024)]
    for row in series:
        expected = stats.compare([row.value], [row.lower_95], [row.upper_95], 30.4, "low",
                                 [row.lower_99_8], [row.upper_99_8])[0]
        assert row.comparison == expected
    assert [r.comparison for r in series] == ["better", "similar", "similar", "worse", "worst"]
    assert got[("E06000002", "2023", "")].comparison == "similar"
    # The region is not computed (11 authorities have no figures): not compared with it.
    assert series[-1].comparison_region == "not compared"
    assert got[(ENGLAND, "2023", "")].comparison == ""

    expected = stats.recent_trend(
        [1, 2, 3, 4, 5], [r.value for r in series], [r.lower_95 for r in series],
        [r.upper_95 for r in series], [r.numerator for r in series],
        [r.denominator for r in series], value_type="crude-rate", polarity="low")
    assert series[-1].trend == expected["trend_label"][0] == "increasing and getting worse"
    assert all(r.trend == "" for r in series[:-1])
    assert got[("E06000002", "2023", "")].trend == "no significant change"


def test_comparison_with_the_region_uses_the_summed_region():
    metric = make_metric(polarity="high")
    codes = region_codes(NORTH_EAST)
    observe(metric, [(codes[0], 500, 100_000)] + [(c, 100, 100_000) for c in codes[1:]])
    recompute_metrics([metric.pk])
    got = values(metric)
    region = got[(NORTH_EAST, "2023", "")]
    high = got[(codes[0], "2023", "")]
    expected = stats.compare([high.value], [high.lower_95], [high.upper_95], region.value, "high",
                             [high.lower_99_8], [high.upper_99_8])[0]
    assert high.comparison_region == expected == "best"
    assert region.comparison_region == ""


def test_counts_are_not_compared():
    metric = make_metric(key="count", method="count", multiplier=1, polarity="none")
    codes = region_codes(NORTH_EAST)
    observe(metric, [{"code": c, "numerator": 20} for c in codes])
    recompute_metrics([metric.pk])
    got = values(metric)
    assert got[(codes[0], "2023", "")].value == 20
    assert got[(codes[0], "2023", "")].comparison == "not compared"
    assert got[(NORTH_EAST, "2023", "")].value == 20 * len(codes)


# ----------------------------------------------------------------------------- suppression


def _hidden(metric) -> set:
    return {k for k, v in values(metric).items() if v.suppressed}


def test_small_counts_are_hidden_with_a_complementary_count_in_their_region():
    metric = make_metric(key="count", method="count", multiplier=1, polarity="none",
                         disclosure="suppress-1-4")
    codes = region_codes(NORTH_EAST)
    counts = {c: 20 + 3 * i for i, c in enumerate(codes)}
    counts[codes[5]] = 3  # primary: 1 to 4
    observe(metric, [{"code": c, "numerator": x} for c, x in counts.items()])
    recompute_metrics([metric.pk])

    hidden = {k[0] for k in _hidden(metric)}
    others = {c: x for c, x in counts.items() if c != codes[5]}
    smallest = min(others, key=others.get)
    # The small count, and one more so that the region total does not give it away.
    assert hidden == {codes[5], smallest}
    assert not values(metric)[(NORTH_EAST, "2023", "")].suppressed


def test_a_hidden_count_is_protected_in_its_partnership_and_breakdown_totals():
    metric = make_metric(key="count", method="count", multiplier=1, polarity="none",
                         disclosure="suppress-1-4", breakdowns=["sex"])
    codes = region_codes(NORTH_EAST)
    single = new_partnership("Hartlepool CDP")
    cover(single, [codes[0]])
    pair = new_partnership("Tees CDP")
    cover(pair, [codes[1], codes[2]])
    rows = []
    for i, code in enumerate(codes):
        female = 2 if i in (0, 1) else 10 + i
        male = 30 + i
        rows += [{"code": code, "breakdown": "sex=Female", "numerator": female},
                 {"code": code, "breakdown": "sex=Male", "numerator": male},
                 {"code": code, "breakdown": "", "numerator": female + male}]
    observe(metric, rows)
    recompute_metrics([metric.pk])

    got = values(metric)
    hidden = _hidden(metric)
    assert (codes[0], "2023", "sex=Female") in hidden
    assert ("Hartlepool CDP", "2023", "sex=Female") in hidden  # the same figure
    # Every published sum has none or at least two hidden members (itself included).
    partnerships = {"Hartlepool CDP": [codes[0]], "Tees CDP": [codes[1], codes[2]]}
    for breakdown in ("", "sex=Female", "sex=Male"):
        relations = [[NORTH_EAST, *codes]] + [[p, *members] for p, members in partnerships.items()]
        for relation in relations:
            count = sum((name, "2023", breakdown) in hidden for name in relation)
            assert count != 1, (relation, breakdown)
    for name in [*codes, NORTH_EAST, *partnerships]:
        count = sum((name, "2023", b) in hidden for b in ("", "sex=Female", "sex=Male"))
        assert count != 1, name
    # Secondary suppression stays local: the region's figures are shown, and most of the
    # authorities' cells.
    assert not any(got[(NORTH_EAST, "2023", b)].suppressed for b in ("", "sex=Female", "sex=Male"))
    assert len([k for k in hidden if k[0] in codes]) <= len(codes)


def test_no_suppression_where_the_metric_publishes_small_numbers():
    metric = make_metric(key="count", method="count", multiplier=1, disclosure="none")
    observe(metric, [{"code": "E06000001", "numerator": 2}])
    recompute_metrics([metric.pk])
    assert not _hidden(metric)


# ----------------------------------------------------------------------------- provenance


def test_values_from_synthetic_loads_are_marked_synthetic():
    metric = make_metric()
    codes = region_codes(NORTH_EAST)
    observe(metric, [(codes[0], 40, 90_000)], make_load(synthetic=True))
    observe(metric, [(c, 40, 90_000) for c in codes[1:]], make_load(synthetic=False))
    partnership = new_partnership("Tees CDP")
    cover(partnership, [codes[1], codes[2]])
    recompute_metrics([metric.pk])
    got = values(metric)
    assert got[(codes[0], "2023", "")].is_synthetic
    assert not got[(codes[1], "2023", "")].is_synthetic
    assert got[(NORTH_EAST, "2023", "")].is_synthetic  # it includes a synthetic figure
    assert not got[("Tees CDP", "2023", "")].is_synthetic


def test_withdrawn_and_superseded_figures_are_not_used():
    metric = make_metric()
    load = observe(metric, [("E06000001", 40, 90_000)])
    Observation.objects.filter(load=load).update(is_current=False)
    observe(metric, [("E06000001", 50, 90_000)])
    withdrawn = observe(metric, [("E06000002", 50, 90_000)])
    withdrawn.status = DataLoad.Status.WITHDRAWN
    withdrawn.save()
    recompute_metrics([metric.pk])
    got = values(metric)
    assert got[("E06000001", "2023", "")].numerator == 50
    assert ("E06000002", "2023", "") not in got


# ----------------------------------------------------------------------------- triggers


def test_data_changed_recomputes_the_metrics_named_after_commit(django_capture_on_commit_callbacks):
    from cdphub.outcomes.signals import data_changed

    metric = make_metric()
    other = make_metric(key="other")
    load = observe(metric, [("E06000001", 40, 90_000)])
    observe(other, [("E06000001", 40, 90_000)])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        data_changed.send(sender=DataLoad, load=load, metric_ids=[metric.pk])
        data_changed.send(sender=DataLoad, load=load, metric_ids=[metric.pk])
        assert not ComputedValue.objects.exists()  # nothing before the commit
    assert len(callbacks) == 1  # one recomputation for the transaction
    assert ComputedValue.objects.filter(metric=metric).exists()
    assert not ComputedValue.objects.filter(metric=other).exists()


def test_code_that_recomputes_itself_leaves_no_recomputation_queued(
        django_capture_on_commit_callbacks):
    """The demo build recomputes at its end; inside ``recomputing_here`` the loads' requests
    (sent as the transaction commits) are ignored instead of queued as tasks."""
    from cdphub.outcomes.recompute import recomputing_here
    from cdphub.outcomes.signals import data_changed

    metric = make_metric()
    load = observe(metric, [("E06000001", 40, 90_000)])
    with recomputing_here(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        data_changed.send(sender=DataLoad, load=load, metric_ids=[metric.pk])
    assert callbacks == [] and not ComputedValue.objects.exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        data_changed.send(sender=DataLoad, load=load, metric_ids=[metric.pk])
    assert len(callbacks) == 1 and ComputedValue.objects.filter(metric=metric).exists()


def test_a_footprint_change_recomputes_partnership_values(django_capture_on_commit_callbacks):
    from cdphub.partnerships import actions

    metric = make_metric()
    observe(metric, [("E06000001", 40, 90_000), ("E06000002", 60, 140_000)])
    recompute_metrics([metric.pk])
    assert not ComputedValue.objects.filter(partnership__isnull=False).exists()

    areas = Area.objects.in_bulk(["E06000001", "E06000002"], field_name="code")
    with django_capture_on_commit_callbacks(execute=True):
        partnership = actions.create_partnership(  # coverage is bulk-created: no post_save
            name="Tees CDP", areas=[areas["E06000001"]], valid_from=dt.date(2022, 8, 1))
    assert values(metric, partnership=partnership)[("Tees CDP", "2023", "")].numerator == 40

    with django_capture_on_commit_callbacks(execute=True):
        change = actions.propose_footprint_change(
            partnership=partnership, add=[areas["E06000002"]], remove=[],
            effective_from=dt.date(2023, 1, 1), rationale="Working together.")
        actions.agree_footprint_change(change=change, decided_by=None)
    assert values(metric, partnership=partnership)[("Tees CDP", "2023", "")].numerator == 100

    with django_capture_on_commit_callbacks(execute=True):  # a change that never took effect
        change = actions.propose_footprint_change(
            partnership=partnership, add=[], remove=[areas["E06000002"]],
            effective_from=dt.date(2023, 1, 1), rationale="Apart again.")
        actions.agree_footprint_change(change=change, decided_by=None)
    assert not Coverage.objects.filter(partnership=partnership, area__code="E06000002").exists()
    assert values(metric, partnership=partnership)[("Tees CDP", "2023", "")].numerator == 40


def test_recomputation_is_asked_for_by_the_register_not_by_model_signals(
        django_capture_on_commit_callbacks):
    """The register's actions ask for a recomputation explicitly (``footprint_changed``); an
    edit made around them (a shell, the admin) is not listened for, and ``cdphub recompute``
    brings the values in line."""
    from django.core.management import call_command

    from cdphub.partnerships import actions

    metric = make_metric()
    observe(metric, [("E06000001", 40, 90_000), ("E06000002", 60, 140_000)])
    areas = Area.objects.in_bulk(["E06000001", "E06000002"], field_name="code")
    with django_capture_on_commit_callbacks(execute=True):
        partnership = actions.create_partnership(
            name="Tees CDP", areas=[areas["E06000001"], areas["E06000002"]],
            valid_from=dt.date(2022, 8, 1))
    assert values(metric, partnership=partnership)[("Tees CDP", "2023", "")].numerator == 100
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Coverage.objects.filter(partnership=partnership, area__code="E06000002").delete()
    assert callbacks == []
    assert values(metric, partnership=partnership)[("Tees CDP", "2023", "")].numerator == 100
    call_command("recompute", stdout=io.StringIO())
    assert values(metric, partnership=partnership)[("Tees CDP", "2023", "")].numerator == 40


# ----------------------------------------------------------------------------- queries


def test_the_number_of_queries_does_not_grow_with_the_number_of_areas(
        django_assert_max_num_queries, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, large = make_metric(key="small"), make_metric(key="large")
    utlas = list(Area.objects.filter(area_type="utla").valid_on(dt.date(2023, 12, 31)))
    observe(small, [(utlas[0].code, 10, 1000)])
    observe(large, [(a.code, 10, 1000) for a in utlas], period=year(2022))
    observe(large, [(a.code, 12, 1000) for a in utlas], period=year(2023))
    for i, area in enumerate(utlas[:60]):
        cover(new_partnership(f"P{i}"), [area.code])

    counts = []
    for metric in (small, large):
        with CaptureQueriesContext(connection) as queries:
            recompute_metrics([metric.pk])
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert ComputedValue.objects.filter(metric=large).count() > 400
    with django_assert_max_num_queries(11):  # 5 to read, then per metric 6 (with savepoint)
        recompute_metrics([small.pk])
    # Each recomputation bumps the metric's version, by which pages cache their figures.
    small.refresh_from_db()
    assert small.values_version == 2


def test_force_area_counts_hide_small_forces_and_every_partnership_showing_them():
    metric = make_metric(key="homicides", method="count", geography="pfa", multiplier=1,
                         polarity="low", disclosure="suppress-1-4")
    forces = {a.name: a for a in Area.objects.filter(area_type="pfa")}
    cumbria, lancashire = forces["Cumbria"], forces["Lancashire"]
    north_west = [a for a in forces.values()
                  if Area.objects.filter(police_force_area=a, parent__code="E12000002").exists()]
    counts = {force.code: 20 + i for i, force in enumerate(north_west)}
    counts[cumbria.code] = 3
    observe(metric, [{"code": code, "numerator": x} for code, x in counts.items()])
    west = new_partnership("Cumberland CDP", region="E12000002")
    cover(west, ["E06000063"])
    south = new_partnership("Westmorland CDP", region="E12000002")
    cover(south, ["E06000064"])
    straddling = new_partnership("Bay CDP", region="E12000002")
    cover(straddling, ["E10000017"])  # Lancashire only
    recompute_metrics([metric.pk])

    hidden = _hidden(metric)
    assert {(cumbria.code, "2023", ""), ("Cumberland CDP", "2023", ""),
            ("Westmorland CDP", "2023", "")} <= hidden
    # Another North West force is hidden too, or the region total would give Cumbria away.
    assert len([k for k in hidden if k[0] in counts]) == 2
    assert not values(metric)[("E12000002", "2023", "")].suppressed
    bay = values(metric)[("Bay CDP", "2023", "")]
    assert bay.suppressed == ((lancashire.code, "2023", "") in hidden)


def test_a_county_replaced_before_partnerships_began_goes_to_its_successors_partnership():
    metric = make_metric()
    bucks = new_partnership("Buckinghamshire CDP", region="E12000008")
    cover(bucks, ["E06000060"])
    north = new_partnership("North Northamptonshire CDP", region="E12000004")
    cover(north, ["E06000061"])
    west = new_partnership("West Northamptonshire CDP", region="E12000004")
    cover(west, ["E06000062"])
    observe(metric, [("E10000002", 50, 500_000), ("E10000021", 70, 700_000)], period=year(2018))
    recompute_metrics([metric.pk])
    got = values(metric)
    row = got[("Buckinghamshire CDP", "2018", "")]
    assert (row.numerator, row.geography_note) == (50, BEFORE_FOOTPRINT)
    # Northamptonshire split between two partnerships: its figure cannot be shared out.
    assert ("North Northamptonshire CDP", "2018", "") not in got
    assert ("West Northamptonshire CDP", "2018", "") not in got


def test_a_region_published_metric_gives_the_partnership_its_regions_figure():
    metric = make_metric(geography="region")
    regions = Area.objects.filter(area_type="region")
    observe(metric, [(r.code, 100, 5_000_000) for r in regions])
    partnership = new_partnership("Tees CDP")
    cover(partnership, ["E06000001"])
    recompute_metrics([metric.pk])
    got = values(metric)
    assert got[(ENGLAND, "2023", "")].numerator == 100 * regions.count()
    row = got[("Tees CDP", "2023", "")]
    assert row.value == pytest.approx(2.0)
    assert row.geography_note == "Figure for the region: North East"


def test_an_england_only_metric_has_only_englands_row_with_its_trend():
    metric = make_metric(key="survey", method="proportion", geography="england",
                         multiplier=100, polarity="low")
    load = make_load()
    for i, y in enumerate(range(2019, 2024)):
        observe(metric, [{"code": ENGLAND, "numerator": 1000 - 60 * i, "denominator": 10_000}],
                load, year(y))
    recompute_metrics([metric.pk])
    rows = ComputedValue.objects.filter(metric=metric).order_by("period_start")
    assert {r.area.code for r in rows} == {ENGLAND} and rows.count() == 5
    assert rows.last().trend == "decreasing and getting better"
    assert rows.last().comparison == ""
