"""The library against worked examples and tables published with the methods.

Each test names its source; expected numbers are copied from it, never computed here.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cdphub.stats import (
    bounds,
    byars_lower,
    byars_upper,
    crude_rate,
    dsr,
    esp2013,
    exact_limits,
    isr_rate,
    isr_ratio,
    mean,
    proportion,
    recent_trend,
)

from .reference import SERIES, agrees, read_text


@pytest.mark.parametrize(
    ("x", "n", "lower", "upper"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0000, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_matches_newcombe_1998(x, n, lower, upper):
    """Newcombe RG (1998) Two-sided confidence intervals for the single proportion:
    comparison of seven methods. Stat Med 17:857–872, Table I, method 3 (Wilson score
    without continuity correction), 95%, to 4 decimals."""
    result = proportion([x], [n], levels=0.95)
    assert result["lower_95"][0] == pytest.approx(lower, abs=5e-5)
    assert result["upper_95"][0] == pytest.approx(upper, abs=5e-5)


# Gehrels N (1986) Confidence limits for small numbers of events in astrophysical data.
# ApJ 303:336–346. Table 1 (upper limits) and Table 3 (lower limits), single-sided
# confidence levels 0.975 and 0.999, i.e. two-sided 95% and 99.8% exact Poisson limits,
# for n = 0 … 10 events (3 decimals for the upper limits, 3 significant digits below 1).
# These values were transcribed from memory of the table, so they are also spot-checked
# against other published statements of the same limits: the epitools R documentation
# (pois.exact: "for x = 0 ... the upper confidence limit ... 3.689") and the Garwood-method
# description "for k = 10 the 95 percent interval is approximately 4.80 to 18.39".
GEHRELS_95 = {
    0: (0.0, 3.689),
    1: (0.0253, 5.572),
    2: (0.242, 7.225),
    3: (0.619, 8.767),
    4: (1.090, 10.242),
    5: (1.623, 11.668),
    6: (2.202, 13.059),
    7: (2.814, 14.423),
    8: (3.454, 15.763),
    9: (4.115, 17.085),
    10: (4.795, 18.390),
}
GEHRELS_99_8 = {
    0: (0.0, 6.908),
    1: (0.00100, 9.233),
    2: (0.0454, 11.229),
    3: (0.191, 13.062),
    4: (0.429, 14.794),
    5: (0.739, 16.455),
    6: (1.107, 18.062),
    7: (1.520, 19.626),
    8: (1.971, 21.156),
    9: (2.452, 22.657),
    10: (2.961, 24.134),
}


@pytest.mark.parametrize(("level", "table"), [(0.95, GEHRELS_95), (0.998, GEHRELS_99_8)])
def test_exact_poisson_limits_match_gehrels_1986(level, table):
    counts = np.array(sorted(table), dtype=float)
    lower, upper = exact_limits(counts, level)
    for i, k in enumerate(table):
        expected_lower, expected_upper = table[k]
        assert lower[i] == pytest.approx(expected_lower, abs=6e-4), k
        assert upper[i] == pytest.approx(expected_upper, abs=6e-4), k


def test_exact_limits_for_fractional_counts_lie_between_the_whole_counts():
    """Averaged counts (e.g. 2.5 a year over two years) have exact limits too: the gamma
    quantiles interpolate between Gehrels' whole-count values."""
    lower, upper = exact_limits(np.array([2.5]), 0.95)
    assert GEHRELS_95[2][0] < lower[0] < GEHRELS_95[3][0]
    assert GEHRELS_95[2][1] < upper[0] < GEHRELS_95[3][1]


def test_crude_rate_uses_exact_limits_below_ten_events():
    """Below 10 events the crude-rate limits are the exact limits over the denominator
    (Gehrels 1986, as above): 3 events in 20,000 people, per 100,000."""
    result = crude_rate([3], [20_000])
    assert result["value"][0] == pytest.approx(15.0)
    assert result["lower_95"][0] == pytest.approx(0.619 / 20_000 * 1e5, abs=6e-4 * 5)
    assert result["upper_95"][0] == pytest.approx(8.767 / 20_000 * 1e5, abs=6e-4 * 5)
    assert result["upper_99_8"][0] == pytest.approx(13.062 / 20_000 * 1e5, abs=6e-4 * 5)


def test_byars_is_within_a_fifth_of_a_percent_of_exact_at_ten_events():
    """PHE Public Health Data Science, Technical Guide: Confidence Intervals (2018), p. 6:
    at 95% "Byar's method is within 0.2% of the exact value for numerators of 10 or more";
    exact values for 10 events from Gehrels (1986)."""
    lower, upper = byars_lower(np.array([10.0]), 0.95)[0], byars_upper(np.array([10.0]), 0.95)[0]
    assert abs(lower / 4.795 - 1) < 0.002
    assert abs(upper / 18.390 - 1) < 0.002


def test_dsr_of_the_fleiss_down_syndrome_example():
    """Fleiss JL (1981) Statistical methods for rates and proportions, Table 14.4 (p. 249):
    Down's syndrome cases per live births, Michigan 1950–64 (Stark & Mantel 1966), birth
    order 5+, standardised to all births; the data of Fay & Feuer (1997) Stat Med 16:791.
    Published directly standardised rate: 75.52901 per 100,000 (dsrTest vignette,
    M. Nelson 2022). Total count 740, so the Dobson limits bracket it."""
    cases = [0, 8, 63, 112, 262, 295]
    births = [327, 30666, 123419, 149919, 104088, 34392]
    standard = [319933, 931318, 786511, 488235, 237863, 61313]
    result = dsr(cases, births, standard)
    assert result["value"][0] == pytest.approx(75.52901, abs=5e-6)
    assert result["numerator"][0] == 740
    assert result["lower_99_8"][0] < result["lower_95"][0] < 75.52901 < result["upper_95"][0]
    assert result["upper_95"][0] < result["upper_99_8"][0]


@pytest.fixture(scope="module")
def sight_loss() -> pl.DataFrame:
    """Fingertips 41203, England 2020, 2022, 2023 (the rows whose published figures all agree
    to half a unit in the 4th decimal; see test_fingertips_exports)."""
    rows = read_text(SERIES).filter(
        (pl.col("indicator_id") == "41203") & pl.col("period").is_in(["2020", "2022", "2023"])
    )
    assert rows.height == 3
    return rows


def _assert_published(result, rows):
    for j, row in enumerate(rows.iter_rows(named=True)):
        for name in ("value", "lower_95", "upper_95"):
            assert agrees(result[name][j], row[name]), (row["period"], name)


def test_dsr_reduces_to_the_published_crude_rate_when_populations_match_the_standard(sight_loss):
    """When each age band's population is the same share of the total as the standard's,
    the DSR is the crude rate and Dobson's limits are Byars' limits of the crude rate
    (Dobson et al. 1991, Stat Med 10:457: var(DSR) = Σx_i(w_i/n_i)²/(Σw)² = O/N² then).
    So spreading each published Fingertips count over the 19 ESP2013 bands, with
    populations in ESP proportions, must give the published figures."""
    weights = np.array(list(esp2013().values()))
    counts, populations, standards, groups = [], [], [], []
    for g, row in enumerate(sight_loss.iter_rows(named=True)):
        total, population = int(row["numerator"]), float(row["denominator"])
        split = np.bincount(np.arange(total) % 19, minlength=19) * 1.0  # any split will do
        counts += list(split)
        populations += list(population * weights / weights.sum())
        standards += list(weights)
        groups += [g] * 19
    result = dsr(counts, populations, standards, groups)
    _assert_published(result, sight_loss)


def test_isr_reduces_to_the_published_crude_rate_with_one_band(sight_loss):
    """With a single band the indirectly standardised rate O/E × reference rate is O/n, and
    its limits are the crude-rate limits of O (docs/methods.md §6): the published figures again."""
    x = sight_loss.get_column("numerator").cast(pl.Float64).to_numpy()
    n = sight_loss.get_column("denominator").cast(pl.Float64).to_numpy()
    result = isr_rate(x, n, [7.0] * 3, [2_000.0] * 3, groups=[0, 1, 2])
    _assert_published(result, sight_loss)
    ratio = isr_ratio(x, n, [7.0] * 3, [2_000.0] * 3, groups=[0, 1, 2])
    expected = n * 7.0 / 2_000.0
    assert ratio["value"] == pytest.approx(x / expected * 100)


@pytest.mark.parametrize(
    ("data", "chi2", "significant"),
    [
        (  # fingertips-open TrendMarkerCalculatorTest.GetTrendData_Set1: χ² 46.77, significant
            [
                (2014, 994, 40299, 24.67, 23.16, 26.25),
                (2015, 1023, 41527, 24.6, 23.15, 26.19),
                (2016, 1199, 42811, 28, 26.44, 29.64),
                (2017, 1332, 44064, 30.2, 28.63, 31.9),
                (2018, 1367, 44701, 30.6, 28.98, 32.25),
            ],
            46.77,
            True,
        ),
        (  # GetTrendData_Set2: not significant
            [
                (2014, 209, 1017, 20.5506, 18.1803, 23.1427),
                (2015, 213, 1087, 19.5952, 17.3444, 22.0602),
                (2016, 213, 1119, 19.0349, 16.8421, 21.4394),
                (2017, 239, 1117, 21.3966, 19.0918, 23.8975),
                (2018, 210, 1139, 18.4372, 16.2925, 20.7941),
            ],
            None,
            False,
        ),
    ],
)
def test_recent_trend_matches_fingertips_open_unit_tests(data, chi2, significant):
    """ukhsa-collaboration/fingertips-open, PholioVisualisationWS/AnalysisTest/
    TrendMarkerCalculatorTest.cs (PHE's Fingertips back end): TestIsSignificantReturnsTrue
    asserts χ² rounds to 46.77 and significance; TestIsSignificantReturnsFalse no
    significance."""
    period, count, denominator, value, lower, upper = (
        np.array(c, dtype=float) for c in zip(*data, strict=True)
    )
    result = recent_trend(period, value, lower, upper, count, denominator, "proportion", "none")
    if chi2 is not None:
        assert round(result["chi2"][0], 2) == chi2
    assert (result["trend"][0] in {"increasing", "decreasing"}) is significant


@pytest.mark.parametrize(
    ("q", "expected"),
    [(5, [1, 10.8, 20.6, 30.4, 40.2, 50]), (4, [1, 13.25, 25.5, 37.75, 50])],
)
def test_quantile_bounds_match_fingertips_open(q, expected):
    """fingertips-open AnalysisTest QuintilesCalculatorTest / QuartilesCalculatorTest:
    bounds of the values 1 … 50."""
    assert list(bounds(np.arange(1, 51), q)) == expected


def test_mean_uses_students_t_from_published_tables():
    """Student's t quantiles from standard tables (e.g. Lindley & Scott, New Cambridge
    Statistical Tables, Table 10): t(3 df) = 3.182 for two-sided 95% and 10.215 for 99.8%.
    For 1, 2, 3, 4: mean 2.5, SD 1.29099, SE 0.645497."""
    result = mean([1, 2, 3, 4])
    se = 0.645497
    assert result["value"][0] == 2.5
    assert result["stdev"][0] == pytest.approx(1.29099, abs=5e-6)
    assert result["lower_95"][0] == pytest.approx(2.5 - 3.182 * se, abs=5e-4 * se + 1e-6)
    assert result["upper_99_8"][0] == pytest.approx(2.5 + 10.215 * se, abs=5e-4 * se + 1e-6)
