"""The edge cases written out in docs/methods.md, one by one."""

from __future__ import annotations

import numpy as np
import pytest

from cdphub.stats import (
    StatsInputError,
    byars_lower,
    categories,
    compare,
    crude_rate,
    dsr,
    isr_ratio,
    mask_values,
    mean,
    proportion,
    recent_trend,
    spine_quartiles,
    suppress,
    unmet_need,
)

# --------------------------------------------------------------------------- crude rates


def test_zero_events_give_a_zero_rate_and_the_exact_upper_limit():
    """§2: x = 0 gives lower 0 and upper qchisq(0.975, 2)/2 = 3.6889 (95%)."""
    result = crude_rate([0], [10_000])
    assert result["value"][0] == 0
    assert result["lower_95"][0] == 0
    assert result["upper_95"][0] == pytest.approx(3.6889 / 10_000 * 1e5, abs=1e-3)
    assert result["lower_99_8"][0] == 0


def test_numerator_above_denominator_is_allowed_for_a_rate():
    """§2: no x ≤ n check (fixture row Area12: 250/220)."""
    result = crude_rate([250], [220], multiplier=1)
    assert result["value"][0] == pytest.approx(250 / 220)
    assert result["lower_95"][0] < result["value"][0] < result["upper_95"][0]


@pytest.mark.parametrize("method", [crude_rate, proportion])
def test_missing_values_pass_through_as_missing(method):
    result = method([np.nan, 0, 20], [100, np.nan, 1000])
    for name in ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        assert np.isnan(result[name][:2]).all(), name
        assert not np.isnan(result[name][2]), name


@pytest.mark.parametrize(
    ("x", "n", "column"), [([-1], [10], "numerator"), ([1], [0], "denominator"), ([1], [-5], "denominator")]
)
def test_negative_counts_and_non_positive_denominators_are_errors(x, n, column):
    with pytest.raises(StatsInputError) as error:
        crude_rate(x, n)
    assert error.value.column == column and error.value.index == 0


def test_the_error_names_the_first_bad_position():
    with pytest.raises(StatsInputError) as error:
        crude_rate([1, 2, -3, -4], [10, 10, 10, 10])
    assert error.value.index == 2


def test_the_method_switches_from_exact_to_byars_at_ten_events():
    """§2: x < 10 exact, x ≥ 10 Byars. At 9 the limits are the exact ones (Gehrels 1986:
    4.115, 17.085); at 10 they are Byars', which differ from the exact 4.795/18.390."""
    result = crude_rate([9, 10], [1, 1], multiplier=1)
    assert result["lower_95"][0] == pytest.approx(4.115, abs=6e-4)
    assert result["upper_95"][0] == pytest.approx(17.085, abs=6e-4)
    assert result["lower_95"][1] == byars_lower(np.array([10.0]), 0.95)[0]
    assert result["lower_95"][1] != pytest.approx(4.7954, abs=1e-4)


def test_byars_lower_limit_for_one_event_at_99_8_is_missing():
    """§1: Byars with x = 1 at 99.8% is negative, which becomes NA."""
    assert np.isnan(byars_lower(np.array([1.0]), 0.998)[0])
    assert byars_lower(np.array([1.0]), 0.95)[0] > 0


# --------------------------------------------------------------------------- proportions


def test_wilson_at_zero_and_at_all():
    """§3: x = 0 gives lower 0; x = n gives upper 1·m; no small-count switch."""
    result = proportion([0, 7], [7, 7], multiplier=100)
    assert result["lower_95"][0] == 0 and result["upper_95"][0] > 0
    assert result["upper_95"][1] == 100 and result["lower_95"][1] < 100


def test_unmet_need_lower_limit_stops_at_zero_and_missing_stays_missing():
    """More people in treatment (90) than the lower prevalence estimate (80): the lower
    limit would be negative and is shown as 0. A missing limit gives a missing limit."""
    result = unmet_need([10, 10], [100, 100], [80, np.nan], [120, 120], multiplier=100)
    assert result["value"][0] == 10 and result["lower_95"][0] == 0
    assert np.isnan(result["lower_95"][1]) and result["upper_95"][1] == pytest.approx(25)


@pytest.mark.parametrize(
    ("x", "n", "column"), [([8], [7], "numerator"), ([-1], [7], "numerator"), ([0], [0], "denominator")]
)
def test_proportion_errors(x, n, column):
    with pytest.raises(StatsInputError) as error:
        proportion(x, n)
    assert error.value.column == column


def test_levels_can_be_given_as_percentages():
    """§0: levels of 90 or more are divided by 100."""
    assert proportion([5], [10], levels=[95]).keys() == {"value", "lower_95", "upper_95"}
    with pytest.raises(ValueError):
        proportion([5], [10], levels=[0.5])


# --------------------------------------------------------------------------- DSR


def _bands(count_per_band, population=1000.0, bands=19):
    return [count_per_band] * bands, [population] * bands, list(range(5000, 5000 + bands))


def test_dsr_is_not_given_below_ten_events():
    """§5: total count < 10 → value and all limits NA; 10 → a value."""
    x9, n, w = _bands(0)
    x9[0], x9[1] = 5, 4
    x10 = list(x9)
    x10[2] = 1
    result = dsr(x9 + x10, n + n, w + w, groups=[0] * 19 + [1] * 19)
    assert list(result["numerator"]) == [9, 10]
    assert all(
        np.isnan(result[name][0]) for name in ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8")
    )
    assert all(not np.isnan(result[name][1]) for name in ("value", "lower_95", "upper_95"))


def test_dsr_treats_a_missing_count_as_zero():
    x, n, w = _bands(2)
    with_missing = list(x)
    with_missing[3] = np.nan
    zero = list(x)
    zero[3] = 0
    assert dsr(with_missing, n, w)["value"][0] == dsr(zero, n, w)["value"][0]


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"n": np.nan}, "denominator"),
        ({"n": 0}, "denominator"),
        ({"x": -1}, "numerator"),
        ({"w": -1}, "standard_population"),
        ({"w": np.nan}, "standard_population"),
    ],
)
def test_dsr_errors(change, column):
    """§5: NA in n or stdpop, n ≤ 0 (a zero population is an error for a DSR), x < 0,
    stdpop < 0."""
    x, n, w = _bands(2)
    x[4] = change.get("x", x[4])
    n[4] = change.get("n", n[4])
    w[4] = change.get("w", w[4])
    with pytest.raises(StatsInputError) as error:
        dsr(x, n, w)
    assert error.value.column == column and error.value.index == 4


def test_dsr_rejects_a_non_positive_multiplier():
    x, n, w = _bands(2)
    with pytest.raises(StatsInputError):
        dsr(x, n, w, multiplier=0)


# --------------------------------------------------------------------------- ISR


def test_isr_allows_a_zero_population_and_small_counts():
    """§6: no suppression for small O, and a zero n is allowed; O < 10 uses exact limits
    (upper for O = 2 at 95%: 7.225, Gehrels 1986)."""
    result = isr_ratio([1, 1, 0], [100, 200, 0], [10, 20, 30], [1000, 1000, 1000])
    expected = 100 * 10 / 1000 + 200 * 20 / 1000
    assert result["expected"][0] == pytest.approx(expected)
    assert result["value"][0] == pytest.approx(2 / expected * 100)
    assert result["upper_95"][0] == pytest.approx(7.225 / expected * 100, abs=6e-4 / expected * 100)


def test_isr_has_no_value_when_nothing_is_expected():
    result = isr_ratio([0], [0], [5], [100])
    assert np.isnan(result["value"][0])


# --------------------------------------------------------------------------- means


def test_a_missing_value_makes_the_group_mean_missing():
    """§4: NAs are not removed."""
    result = mean([1, 2, np.nan, 4, 5, 6], groups=["a", "a", "a", "b", "b", "b"])
    assert np.isnan(result["value"][0]) and result["value"][1] == 5


# --------------------------------------------------------------------------- comparison


def test_benchmark_on_the_limit_is_similar():
    """§11: inclusive overlap (LCI ≤ comparator ≤ UCI is Same)."""
    labels = compare([10, 10, 10], [8, 8, 8], [12, 12, 12], [12, 8, 12.0001], "high")
    assert list(labels) == ["similar", "similar", "worse"]


def test_polarity_decides_the_word():
    value, lower, upper = [20, 5], [15, 1], [25, 9]
    assert list(compare(value, lower, upper, 10, "high")) == ["better", "worse"]
    assert list(compare(value, lower, upper, 10, "low")) == ["worse", "better"]
    assert list(compare(value, lower, upper, 10, "none")) == ["higher", "lower"]
    assert list(compare(value, lower, upper, 10, ["RAG - High is good", "not applicable"])) == [
        "better",
        "not compared",
    ]


def test_two_levels_give_best_and_worst():
    """§11, comparator 17: outside 95% but inside 99.8% → better/worse; outside 99.8% → best/worst."""
    labels = compare(
        value=[30, 13, 10, 7, 1],
        lower_95=[25, 11, 8, 5, 0],
        upper_95=[35, 15, 12, 9, 2],
        benchmark=10,
        polarity="high",
        lower_99_8=[20, 9, 6, 3, -1],
        upper_99_8=[40, 17, 14, 11, 4],
    )
    assert list(labels) == ["best", "better", "similar", "worse", "worst"]


def test_missing_value_limits_or_benchmark_are_not_compared():
    labels = compare([np.nan, 10, 10], [1, np.nan, 8], [2, 12, 12], [5, 5, np.nan], "low")
    assert list(labels) == ["not compared"] * 3


def test_an_unknown_polarity_is_an_error():
    with pytest.raises(StatsInputError) as error:
        compare([1, 1], [0, 0], [2, 2], 1, ["high", "sideways"])
    assert error.value.index == 1


# --------------------------------------------------------------------------- trend

STEADY_RISE = dict(
    value=[10.0, 11, 12, 13, 14],
    lower_95=[9.5, 10.5, 11.5, 12.5, 13.5],
    upper_95=[10.5, 11.5, 12.5, 13.5, 14.5],
    count=[100.0] * 5,
    denominator=[1000.0] * 5,
)


def _trend(period=(1, 2, 3, 4, 5), value_type="proportion", polarity="high", **changes):
    data = {name: list(values) for name, values in STEADY_RISE.items()} | changes
    return recent_trend(
        list(period),
        data["value"],
        data["lower_95"],
        data["upper_95"],
        data["count"],
        data["denominator"],
        value_type,
        polarity,
    )


def test_a_steady_rise_is_increasing_and_getting_better_when_high_is_good():
    result = _trend()
    assert result["trend"][0] == "increasing"
    assert result["trend_label"][0] == "increasing and getting better"
    assert _trend(polarity="low")["trend_label"][0] == "increasing and getting worse"
    assert _trend(polarity="none")["trend_label"][0] == "increasing"


def test_periods_are_put_in_order_first():
    result = _trend(period=(5, 4, 3, 2, 1))
    assert result["trend"][0] == "decreasing"


def test_fewer_than_five_valid_points_cannot_be_calculated():
    """§12: a point without its count (or value, or a denominator > 0, or limits) is not
    valid; four valid points are too few."""
    assert _trend(count=[100, 100, np.nan, 100, 100])["trend"][0] == "cannot be calculated"
    assert _trend(denominator=[1000, 0, 1000, 1000, 1000])["trend"][0] == "cannot be calculated"
    assert _trend(upper_95=[10.5, 11.5, np.nan, 13.5, 14.5])["trend"][0] == "cannot be calculated"


def test_count_equal_to_denominator_cannot_be_calculated():
    assert _trend(count=[100, 100, 1000, 100, 100])["trend"][0] == "cannot be calculated"


def test_only_eligible_value_types_are_tested():
    """§12: proportions, crude rates and (FingertipsNext) DSRs only."""
    assert _trend(value_type="dsr")["trend"][0] == "increasing"
    assert _trend(value_type="crude-rate")["trend"][0] == "increasing"
    assert _trend(value_type="isr")["trend"][0] == "cannot be calculated"


def test_the_last_five_valid_points_are_used_and_invalid_ones_skipped():
    """An older falling stretch is ignored; an invalid point among the latest is skipped."""
    result = recent_trend(
        period=[1, 2, 3, 4, 5, 6, 7, 8],
        value=[50, 40, 10, 99, 11, 12, 13, 14],
        lower_95=[49.5, 39.5, 9.5, 98.5, 10.5, 11.5, 12.5, 13.5],
        upper_95=[50.5, 40.5, 10.5, 99.5, 11.5, 12.5, 13.5, 14.5],
        count=[100, 100, 100, np.nan, 100, 100, 100, 100],
        denominator=[1000] * 8,
    )
    assert result["trend"][0] == "increasing"
    assert result["points"][0] == 5


def test_a_slope_that_flips_when_one_point_is_left_out_is_not_significant():
    """§12: the slope must keep its sign in all six fits. Here one very precise last point
    carries the rise; without it the others fall."""
    result = _trend(
        value=[14.0, 13, 12, 11, 30],
        lower_95=[13.5, 12.5, 11.5, 10.5, 29.99],
        upper_95=[14.5, 13.5, 12.5, 11.5, 30.01],
    )
    assert result["chi2"][0] > 9.5495
    assert result["trend"][0] == "no significant change"


def test_a_flat_series_is_no_significant_change():
    result = _trend(value=[12.0] * 5)
    assert result["chi2"][0] == 0
    assert result["trend"][0] == "no significant change"


def test_a_period_twice_in_one_series_is_an_error():
    with pytest.raises(StatsInputError) as error:
        _trend(period=(1, 2, 2, 4, 5))
    assert error.value.column == "period"


# --------------------------------------------------------------------------- quantiles


def test_categories_need_enough_values_and_follow_polarity():
    """§13: fewer than 5 values → not categorised (0); high is good reverses so that 1 is
    the best fifth."""
    assert list(categories([1, 2, 3, 4])) == [0, 0, 0, 0]
    values = np.arange(1, 11, dtype=float)
    assert list(categories(values, 5, "low")) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert list(categories(values, 5, "high")) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    with_missing = np.append(values, np.nan)
    assert categories(with_missing)[-1] == 0


def test_spine_quartiles_are_excel_percentile_inc():
    """Excel PERCENTILE.INC of 1, 2, 3, 4, 10: 25th = 2, median 3, 75th = 4."""
    assert spine_quartiles([10, 1, 3, 2, 4, np.nan]) == {
        "lowest": 1,
        "q25": 2,
        "median": 3,
        "q75": 4,
        "highest": 10,
    }


# --------------------------------------------------------------------------- suppression


def test_counts_one_to_four_are_hidden_but_zero_and_five_are_not():
    hidden, _ = suppress([0, 1, 2, 3, 4, 5, 6])
    assert list(hidden) == [False, True, True, True, True, False, False]


def test_a_lone_hidden_cell_takes_the_smallest_other_cell_with_it():
    """Row total 3 + 10 + 20 + 7 = 40: with only the 3 hidden, 40 − 37 would give it away,
    so the 7 (the smallest other non-zero cell) is hidden too."""
    hidden, _ = suppress([3, 10, 20, 7], totals=[["r"] * 4])
    assert list(hidden) == [True, False, False, True]


def test_no_total_is_left_with_exactly_one_hidden_cell():
    """A 3×3 table with row and column totals: secondary suppression must leave every row
    and every column with no hidden cell or at least two, so nothing can be recovered."""
    table = np.array([[2, 15, 30], [12, 40, 9], [25, 8, 60]])
    rows = np.repeat(np.arange(3), 3)
    columns = np.tile(np.arange(3), 3)
    hidden, _ = suppress(table.ravel(), totals=[rows, columns])
    for labels in (rows, columns):
        per_total = np.bincount(labels, weights=hidden)
        assert set(per_total) <= {0, 2, 3}
    assert hidden[0]  # the 2
    assert hidden.sum() == 4  # a rectangle: no fewer cells can protect a lone cell both ways


def test_a_total_of_one_hidden_cell_is_hidden_itself():
    hidden, hidden_totals = suppress([3, 50], totals=[["a", "b"]])
    assert list(hidden) == [True, False]
    assert list(hidden_totals[0]) == [True, False]


def test_rates_from_hidden_counts_are_hidden():
    hidden, _ = suppress([2, 50])
    assert np.isnan(mask_values([4.0, 100.0], hidden)[0])
    assert mask_values([4.0, 100.0], hidden)[1] == 100.0


def test_groups_may_come_in_any_order():
    """Rows group by group (summed with reduceat) or interleaved (bincount), labels or codes:
    the same rates, per group in order of first appearance."""
    x, n, w = _bands(3)
    x2 = [c * 2 for c in x]
    together = dsr(x + x2, n + n, w + w, groups=[0] * 19 + [1] * 19)
    interleaved = dsr(
        [v for pair in zip(x, x2, strict=True) for v in pair],
        [v for pair in zip(n, n, strict=True) for v in pair],
        [v for pair in zip(w, w, strict=True) for v in pair],
        groups=["b", "a"] * 19,
    )
    assert list(interleaved["group"]) == ["b", "a"]
    for name in ("numerator", "value", "lower_95", "upper_99_8"):
        assert interleaved[name] == pytest.approx(together[name], rel=1e-12), name


def test_an_unknown_polarity_in_a_trend_names_its_row():
    with pytest.raises(StatsInputError) as error:
        recent_trend(
            [1, 2, 1],
            [1, 2, 3],
            [0, 1, 2],
            [2, 3, 4],
            [1, 1, 1],
            [9, 9, 9],
            polarity=["low", "low", "sideways"],
            groups=["a", "a", "b"],
        )
    assert error.value.index == 2
