"""Exact properties and hand-worked values of the methods (docs/methods.md), for the cases the
published examples do not reach: missing values, zero expected counts, groups given in every
form, the ends of the trend test's rules. Expected numbers are worked out by hand in the
comments (or come from a published table named there), never from the code under test.
Found missing by the mutation test (``./dev mutate stats``).

Edge inputs must compute without NumPy's RuntimeWarnings (a user of ``cdphub stats`` would
see them): the warnings are errors here.
"""

from __future__ import annotations

import numpy as np
import pytest

from cdphub.stats import (
    bounds,
    byars_lower,
    byars_upper,
    categories,
    compare,
    crude_rate,
    dsr,
    exact_limits,
    isr_rate,
    isr_ratio,
    mean,
    percentile_inc,
    poisson_limits,
    recent_trend,
    round_to_5,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
LIMITS = ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]

# ---------------------------------------------------------------------------------- ISR
# Two age bands. Reference rates 20/1000 = 0.02 and 90/3000 = 0.03; the area's populations
# 500 and 1000, so E = 0.02·500 + 0.03·1000 = 10 + 30 = 40; O = 30 + 30 = 60.
X, N, REF_X, REF_N = [30, 30], [500, 1000], [20, 90], [1000, 3000]


def test_isr_ratio_by_hand():
    """SMR = O/E·100 = 60/40·100 = 150; its limits are O's Poisson limits over E (§6), which
    is the crude rate of 60 events in a "population" of 40, per 100."""
    result = isr_ratio(X, N, REF_X, REF_N, groups=["E1", "E1"])
    assert list(result["group"]) == ["E1"]
    assert (result["numerator"][0], result["denominator"][0]) == (60, 1500)
    assert result["expected"][0] == pytest.approx(40)
    assert result["value"][0] == pytest.approx(150)
    same = crude_rate([60], [40], multiplier=100)
    for name in LIMITS:
        assert result[name][0] == pytest.approx(same[name][0]), name


def test_isr_rate_by_hand():
    """Rate = O/E · Σx_ref/Σn_ref · m = 1.5 · 110/4000 · 100 000 = 1.5 · 2750 = 4125."""
    result = isr_rate(X, N, REF_X, REF_N)
    assert result["value"][0] == pytest.approx(4125)
    assert result["denominator"][0] == 1500
    same = crude_rate([60], [40], multiplier=2750)
    for name in LIMITS:
        assert result[name][0] == pytest.approx(same[name][0]), name


def test_isr_counts_a_missing_reference_count_or_population_as_zero():
    """§6: NA x_ref and NA n are treated as 0. Without band 2's reference count, E = 10:
    SMR 600 and rate 60/10 · 20/4000 · 10⁵ = 3000; without band 2's population, E = 10 and
    the population is 500."""
    no_ref = isr_ratio(X, N, [20, np.nan], REF_N)
    assert no_ref["expected"][0] == pytest.approx(10)
    assert no_ref["value"][0] == pytest.approx(600)
    assert isr_rate(X, N, [20, np.nan], REF_N)["value"][0] == pytest.approx(3000)
    no_pop = isr_ratio(X, [500, np.nan], REF_X, REF_N)
    assert (no_pop["expected"][0], no_pop["denominator"][0]) == (pytest.approx(10), 500)
    assert no_pop["value"][0] == pytest.approx(600)


def test_isr_a_missing_count_leaves_its_group_missing():
    result = isr_ratio([30, np.nan, 5, 5], [500, 1000, 500, 1000], REF_X * 2, REF_N * 2,
                       groups=["A", "A", "B", "B"])
    assert list(result["group"]) == ["A", "B"]
    assert np.isnan(result["value"][0]) and np.isnan(result["lower_95"][0])
    assert result["value"][1] == pytest.approx(10 / 40 * 100)


def test_isr_with_nothing_expected_has_no_value_and_small_expected_counts_do():
    """E = 0 (no population): no value, whatever was observed (never an infinite ratio). E of
    0.2 (10 people at a reference rate of 0.02) with 1 death: SMR 1/0.2·100 = 500."""
    nothing = isr_ratio([3], [0], [20], [1000])
    assert np.isnan(nothing["value"][0]) and np.isnan(nothing["upper_95"][0])
    small = isr_ratio([1], [10], [20], [1000])
    assert small["value"][0] == pytest.approx(500)
    # No reference events at all: a reference rate of 0 and E = 0, so no rate.
    assert np.isnan(isr_rate([3], [100], [0], [1000])["value"][0])


# ------------------------------------------------------------------------- Poisson limits


def test_missing_counts_given_as_none_give_missing_limits():
    """Missing is NaN in, NaN out, however it is given (None in a list)."""
    for limits in (byars_lower([None, 10.0], 0.95), byars_upper([None, 10.0], 0.95),
                   *exact_limits([None, 3.0], 0.95), *poisson_limits([None, 3.0], 0.95)):
        assert np.isnan(limits[0]) and np.isfinite(limits[1])
    assert np.isnan(exact_limits(np.array([np.nan]), 0.95)[0][0])


def test_zero_events_compute_without_warnings():
    """x = 0: Byars' 1/(9x) is infinite, so the exact limits are used (§2): 0 and 3.689."""
    result = crude_rate([0], [1], multiplier=1)
    assert (result["lower_95"][0], result["upper_95"][0]) == (0, pytest.approx(3.689, abs=5e-4))
    assert np.isnan(byars_lower(np.array([0.0]), 0.95)[0])


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_a_fractional_count_has_limits_between_those_of_the_whole_counts_around_it(level):
    """The exact limits rise with the count (for an averaged count, 0.5 events, they lie
    strictly between those of 0 and 1; the lower limit of a positive count is above 0)."""
    lower, upper = exact_limits(np.array([0.0, 0.5, 1.0, 2.5, 3.0]), level)
    assert lower[0] == 0 < lower[1] < lower[2] < lower[3] < lower[4]
    assert upper[0] < upper[1] < upper[2] < upper[3] < upper[4]


def test_exact_limits_of_fractional_counts_are_the_chi_squared_quantiles():
    """Garwood (§2): lower = χ²(α/2, 2x)/2, upper = χ²(1 − α/2, 2x + 2)/2, here for x = 2.5
    from SciPy's chi-squared distribution (an independent statement of the same formula)."""
    from scipy.stats import chi2

    for level in (0.95, 0.998):
        tail = (1 - level) / 2
        lower, upper = exact_limits(np.array([2.5]), level)
        assert lower[0] == pytest.approx(chi2.ppf(tail, 5) / 2, rel=1e-9)
        assert upper[0] == pytest.approx(chi2.ppf(1 - tail, 7) / 2, rel=1e-9)


# --------------------------------------------------------------------------------- means


def test_a_mean_of_two_values_uses_t_with_one_degree_of_freedom():
    """Values 1 and 3: mean 2, sd √2, SE 1. Student's t with 1 df (published tables): 12.706
    at 95% (two-sided), 318.309 at 99.8%."""
    result = mean([1, 3])
    assert (result["value_sum"][0], result["value_count"][0]) == (4, 2)
    assert result["stdev"][0] == pytest.approx(2 ** 0.5)
    assert result["lower_95"][0] == pytest.approx(2 - 12.706, abs=5e-4)
    assert result["upper_95"][0] == pytest.approx(2 + 12.706, abs=5e-4)
    assert result["upper_99_8"][0] == pytest.approx(2 + 318.309, abs=5e-3)


def test_a_group_of_one_value_has_no_interval():
    result = mean([7.0])
    assert result["value"][0] == 7
    assert np.isnan(result["stdev"][0]) and np.isnan(result["lower_95"][0])


# ------------------------------------------------------------------------------ grouping
# The same four values in two groups, however the groups are given. Group of 1 and 3:
# sum 4, mean 2, sd √2; group of 2 and 6: sum 8, mean 4, sd √8.


@pytest.mark.parametrize(("values", "groups", "expected"), [
    ([1, 3, 2, 6], ["b", "b", "a", "a"], {"b": (4, 2 ** 0.5), "a": (8, 8 ** 0.5)}),
    ([1, 3, 2, 6], [0, 0, 1, 1], {0: (4, 2 ** 0.5), 1: (8, 8 ** 0.5)}),
    ([1, 2, 3, 6], [0, 1, 0, 1], {0: (4, 2 ** 0.5), 1: (8, 8 ** 0.5)}),
    ([2, 1, 6, 3], [1, 0, 1, 0], {0: (4, 2 ** 0.5), 1: (8, 8 ** 0.5)}),
    ([2, 6, 1, 3], [1, 1, 0, 0], {0: (4, 2 ** 0.5), 1: (8, 8 ** 0.5)}),
    ([1, 3, 2, 6], [5, 5, 7, 7], {5: (4, 2 ** 0.5), 7: (8, 8 ** 0.5)}),
    ([1, 3, 2, 6], [0, 0, 2, 2], {0: (4, 2 ** 0.5), 2: (8, 8 ** 0.5)}),
    ([1, 3, 2, 6], [1, 1, 2, 2], {1: (4, 2 ** 0.5), 2: (8, 8 ** 0.5)}),
    ([1, 2, 3, 6], np.array([[0], [1], [0], [1]]), {0: (4, 2 ** 0.5), 1: (8, 8 ** 0.5)}),
])
def test_groups_given_as_labels_or_codes_in_any_order(values, groups, expected):
    """Groups come in order of first appearance, except integer codes that already count
    0, 1, 2 …, which come in code order (groups.resolve)."""
    result = mean(values, groups=groups)
    got = {label: (total, sd) for label, total, sd in
           zip(result["group"].tolist(), result["value_sum"], result["stdev"], strict=True)}
    assert list(got) == list(expected)
    for label, (total, sd) in expected.items():
        assert got[label] == (total, pytest.approx(sd)), label


def test_groups_are_reported_in_order_of_first_appearance():
    assert list(mean([1, 2, 3], groups=["z", "a", "z"])["group"]) == ["z", "a"]
    assert list(mean([1, 2, 3])["group"]) == [0]


def test_groups_must_label_every_row():
    with pytest.raises(ValueError, match="groups has 3 entries for 4 rows"):
        mean([1, 2, 3, 4], groups=[0, 0, 1])


def test_no_rows_give_no_groups():
    result = dsr([], [], [])
    assert all(len(column) == 0 for column in result.values())
    assert len(mean([])["group"]) == 0


def test_dsr_totals_per_group_and_no_warnings_without_events():
    """Per group: total count and population. A group with no events (0/0 in the variance
    over O) has no value, quietly."""
    result = dsr([4, 8, 0, 0], [100, 200, 50, 50], [1, 1, 1, 1], groups=["A", "A", "B", "B"])
    assert list(result["numerator"]) == [12, 0]
    assert list(result["denominator"]) == [300, 100]
    assert np.isnan(result["value"][1]) and np.isnan(result["lower_95"][1])


# ---------------------------------------------------------------------------- comparison


def test_compare_without_a_polarity_says_higher_or_lower():
    assert list(compare([9, 1, 5], [8, 0, 4], [10, 2, 6], benchmark=5)) == [
        "higher", "lower", "similar"]


def test_compare_takes_one_polarity_per_area():
    labels = compare([9, 9, 9], [8, 8, 8], [10, 10, 10], benchmark=5,
                     polarity=["high", "low", "none"])
    assert list(labels) == ["better", "worse", "higher"]


def test_a_single_polarity_word_that_is_not_known_is_an_error():
    from cdphub.stats import StatsInputError

    with pytest.raises(StatsInputError) as error:
        compare([9], [8], [10], benchmark=5, polarity="sideways")
    assert (error.value.column, error.value.index) == ("polarity", None)
    with pytest.raises(StatsInputError) as error:
        recent_trend(*TREND_ROWS, polarity="sideways")
    assert (error.value.column, error.value.index) == ("polarity", None)


def test_a_benchmark_on_the_99_8_limit_is_inside_that_interval():
    """§11 (comparator 17): limits included. Benchmark 5 on the 99.8% lower limit of an
    area above its 95% interval: better, not best; on the upper limit below: worse."""
    assert list(compare([9, 1], [7, 0], [10, 3], benchmark=5, polarity="high",
                        lower_99_8=[5, -1], upper_99_8=[11, 5])) == ["better", "worse"]


# ------------------------------------------------------------------------- quantile bounds


def test_percentile_inc_interpolates_between_the_last_two_values():
    """Excel PERCENTILE.INC({1,2,3,4}, 0.9): position 0.9·3 = 2.7, so 3 + 0.7·(4 − 3) = 3.7."""
    assert percentile_inc([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert percentile_inc([4, 3, 2, 1], [0, 1]).tolist() == [1, 4]


def test_percentile_of_nothing_is_missing_at_each_fraction():
    result = percentile_inc([np.nan, np.nan], [0.25, 0.5])
    assert result.shape == (2,) and np.isnan(result).all()


def test_bounds_are_quintiles_from_four_values_rounded_to_ten_places():
    """§13: more than 3 values for bounds; [min, P20, P40, P60, P80, max], 10 dp."""
    edges = bounds([0.12345678901234, 1, 2, 3])
    assert len(edges) == 6
    assert edges[0] == 0.123456789
    assert list(bounds([1, 2, 3])) == []


def test_categories_need_as_many_values_as_categories_and_are_whole_numbers():
    """Five values, five quintiles: 1 … 5 (lowest first, no judgement); quartiles with q=4."""
    fifths = categories([10, 20, 30, 40, 50])
    assert fifths.tolist() == [1, 2, 3, 4, 5] and fifths.dtype.kind == "i"
    assert categories([10, 20, 30, 40], q=4).tolist() == [1, 2, 3, 4]


def test_rounding_to_5_keeps_a_missing_count_missing():
    assert np.isnan(round_to_5([None, 7])[0])


# ---------------------------------------------------------------------------------- trend
# Five yearly points rising by exactly 1 with 95% limits ±1.96, so SE = 3.92/3.92 = 1 and
# every weight is 1: S1 = 5, S2 = Σv·t = 190, S3 = 15, S4 = 60, S5 = 55; slope
# (5·190 − 15·60)/(5·55 − 15²) = 50/50 = 1; χ² = 1·50/5 = 10 > 9.5495: increasing.
VALUES = [10, 11, 12, 13, 14]
TREND_ROWS = ([1, 2, 3, 4, 5], VALUES, [v - 1.96 for v in VALUES], [v + 1.96 for v in VALUES],
              [10] * 5, [100] * 5)


def trend_of(rows, **options):
    return recent_trend(*rows, value_type="proportion", **options)


def test_a_rise_of_exactly_one_per_year_by_hand():
    result = trend_of(TREND_ROWS)
    assert result["slope"][0] == pytest.approx(1)
    assert result["chi2"][0] == pytest.approx(10)
    assert result["trend"][0] == "increasing"


def test_a_point_whose_limits_coincide_is_skipped():
    """§12: a point is valid with both 95% limits, upper above lower. A sixth, latest point
    with no width to its interval is skipped: the five before it decide."""
    period, value, lower, upper, count, denominator = (list(column) for column in TREND_ROWS)
    rows = (period + [6], value + [99], lower + [99], upper + [99], count + [10],
            denominator + [100])
    result = trend_of(rows)
    assert (result["points"][0], result["trend"][0]) == (5, "increasing")
    assert result["slope"][0] == pytest.approx(1)


def test_a_denominator_of_one_is_a_valid_point():
    """Valid: a denominator above 0 (§12), so 1 will do."""
    rows = TREND_ROWS[:4] + ([0] * 5, [1] * 5)
    assert trend_of(rows)["trend"][0] == "increasing"


def two_series(second_values, second_count=None):
    period, value, lower, upper, count, denominator = TREND_ROWS
    second = list(second_values)
    return ((period * 2), value + second, lower + [v - 1.96 for v in second],
            upper + [v + 1.96 for v in second], count + (second_count or [10] * 5),
            denominator * 2), ["A"] * 5 + ["B"] * 5


def test_each_series_is_judged_on_its_own():
    """Series B has a point that flips the slope when left out (so no significant change),
    or a count equal to its denominator (cannot be calculated); A still rises."""
    rows, groups = two_series([10, 30, 10, 10, 10])
    assert list(trend_of(rows, groups=groups)["trend"]) == ["increasing", "no significant change"]
    rows, groups = two_series(VALUES, second_count=[10, 10, 100, 10, 10])
    result = trend_of(rows, groups=groups)
    assert list(result["trend"]) == ["increasing", "cannot be calculated"]
    assert np.isnan(result["chi2"][1]) and np.isnan(result["slope"][1])


def test_interleaved_series_are_sorted_into_series_first():
    """Rows of two series taken turn about give what the series give one after the other."""
    rows, groups = two_series([14, 13, 12, 11, 10])
    order = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]
    shuffled = tuple([list(column)[i] for i in order] for column in rows)
    result = trend_of(shuffled, groups=[groups[i] for i in order])
    assert list(result["trend"]) == ["increasing", "decreasing"]


def test_a_repeated_period_in_a_later_series_is_an_error():
    from cdphub.stats import StatsInputError

    rows, groups = two_series(VALUES)
    rows = (rows[0][:9] + [4],) + rows[1:]
    with pytest.raises(StatsInputError) as error:
        trend_of(rows, groups=groups)
    assert (error.value.column, error.value.index) == ("period", 9)


def test_a_last_series_with_no_valid_points_cannot_be_calculated():
    rows, groups = two_series(VALUES)
    rows = rows[:5] + (rows[5][:5] + [0] * 5,)
    result = trend_of(rows, groups=groups)
    assert list(result["trend"]) == ["increasing", "cannot be calculated"]
    assert list(result["points"]) == [5, 0]


def test_value_types_by_name_and_per_series():
    """Eligible (§12, FingertipsNext): proportions, crude rates, DSRs, by any of their names;
    given per row, the first row of each series counts."""
    for name in ("crude rate", "Directly standardised rate", "percentage", "DSR"):
        assert recent_trend(*TREND_ROWS, value_type=name)["trend"][0] == "increasing", name
    rows, groups = two_series(VALUES)
    per_row = ["crude rate"] + ["mean"] * 4 + ["mean"] + ["proportion"] * 4
    assert list(recent_trend(*rows, value_type=per_row, groups=groups)["trend"]) == [
        "increasing", "cannot be calculated"]
