"""Every method's input checks and output columns, as ``cdphub stats`` users meet them.

An error names the input column and the first offending position (0-based), in words that
say what is wrong (docs/methods.md lists each method's errors); a value just inside a limit
is accepted. Each method returns the columns its docstring names. Found missing by the
mutation test (``./dev mutate stats``).
"""

from __future__ import annotations

import numpy as np
import pytest

from cdphub.stats import (
    StatsInputError,
    bounds,
    categories,
    compare,
    crude_rate,
    dsr,
    isr_rate,
    isr_ratio,
    mask_values,
    mean,
    percentile_inc,
    proportion,
    recent_trend,
    unmet_need,
)

LIMITS = ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]

# Each method with two rows of good input, keyword by keyword.
GOOD = {
    "crude_rate": (crude_rate, {"numerator": [3, 12], "denominator": [100, 200]}),
    "proportion": (proportion, {"numerator": [3, 12], "denominator": [100, 200]}),
    "unmet_need": (unmet_need, {"numerator": [30, 60], "denominator": [100, 200],
                                "denominator_lower": [80, 150], "denominator_upper": [120, 260]}),
    "dsr": (dsr, {"numerator": [3, 12], "denominator": [100, 200],
                  "standard_population": [5000, 5500]}),
    "isr_ratio": (isr_ratio, {"numerator": [3, 12], "denominator": [100, 200],
                              "reference_numerator": [30, 90],
                              "reference_denominator": [1000, 2000]}),
    "isr_rate": (isr_rate, {"numerator": [3, 12], "denominator": [100, 200],
                            "reference_numerator": [30, 90],
                            "reference_denominator": [1000, 2000]}),
    "compare": (compare, {"value": [5, 9], "lower_95": [4, 8], "upper_95": [6, 10],
                          "benchmark": [7, 7], "lower_99_8": [3, 7.5],
                          "upper_99_8": [7, 11]}),
    "recent_trend": (recent_trend, {"period": [1, 2], "value": [5, 6], "lower_95": [4, 5],
                                    "upper_95": [6, 7], "count": [5, 6],
                                    "denominator": [100, 100]}),
}
# The column an input is reported as, where it differs from the keyword.
REPORTED_AS = {"values": "value"}


def error_of(call) -> StatsInputError:
    with pytest.raises(StatsInputError) as caught:
        call()
    return caught.value


def with_change(method: str, **changes):
    function, good = GOOD[method]
    return lambda: function(**{**good, **changes})


NUMERIC_INPUTS = [(method, name) for method, (_f, good) in GOOD.items() for name in good
                  if name != "period"] + [("mean", "values")]


@pytest.mark.parametrize(("method", "name"), NUMERIC_INPUTS)
def test_text_where_a_number_belongs_names_its_column(method, name):
    if method == "mean":
        error = error_of(lambda: mean(["2.5", "many"]))
    else:
        error = error_of(with_change(method, **{name: ["1", "many"]}))
    column = REPORTED_AS.get(name, name)
    assert (error.column, str(error)) == (column, f"{column} must be numeric")


@pytest.mark.parametrize(("method", "name"), [
    (method, name) for method, (_f, good) in GOOD.items() for name in good
    if method not in ("compare", "recent_trend")])
def test_inputs_of_different_lengths_are_named_with_their_lengths(method, name):
    function, good = GOOD[method]
    error = error_of(with_change(method, **{name: [*good[name], good[name][0]]}))
    assert str(error).startswith("inputs differ in length: ")
    for other in good:
        assert f"{other} has {3 if other == name else 2}" in str(error), other


# (method, the bad input, column, message)
BAD_VALUES = [
    ("crude_rate", {"numerator": [3, -1]}, "numerator", "must not be negative"),
    ("crude_rate", {"denominator": [100, 0]}, "denominator", "must be greater than 0"),
    ("proportion", {"numerator": [3, -1]}, "numerator", "must not be negative"),
    ("proportion", {"denominator": [100, 0]}, "denominator", "must be greater than 0"),
    ("proportion", {"numerator": [3, 201]}, "numerator",
     "must not be greater than the denominator for a proportion"),
    ("unmet_need", {"numerator": [30, 201]}, "numerator",
     "must not be greater than the denominator for a proportion"),
    ("unmet_need", {"denominator_lower": [80, 0]}, "denominator_lower", "must be greater than 0"),
    ("unmet_need", {"denominator_lower": [80, 201]}, "denominator_lower",
     "must not be greater than the denominator"),
    ("unmet_need", {"denominator_upper": [120, 199]}, "denominator_upper",
     "must not be less than the denominator"),
    ("dsr", {"denominator": [100, np.nan]}, "denominator",
     "is missing (a DSR needs every population)"),
    ("dsr", {"denominator": [100, 0]}, "denominator", "must be greater than 0"),
    ("dsr", {"numerator": [3, -1]}, "numerator", "must not be negative"),
    ("dsr", {"standard_population": [5000, np.nan]}, "standard_population", "is missing"),
    ("dsr", {"standard_population": [5000, -1]}, "standard_population", "must not be negative"),
    ("isr_ratio", {"numerator": [3, -1]}, "numerator", "must not be negative"),
    ("isr_ratio", {"denominator": [100, -1]}, "denominator", "must not be negative"),
    ("isr_ratio", {"reference_numerator": [30, -1]}, "reference_numerator",
     "must not be negative"),
    ("isr_ratio", {"reference_denominator": [1000, 0]}, "reference_denominator",
     "must be greater than 0"),
    ("isr_rate", {"reference_denominator": [1000, 0]}, "reference_denominator",
     "must be greater than 0"),
    ("compare", {"polarity": ["high", "sideways"]}, "polarity",
     "polarity 'sideways' is not one of high, low, none"),
    ("recent_trend", {"period": [1, 1]}, "period", "period appears twice in one series"),
]


@pytest.mark.parametrize(("method", "change", "column", "message"), BAD_VALUES,
                         ids=[f"{m}-{c}-{msg[:20]}" for m, _x, c, msg in BAD_VALUES])
def test_a_bad_value_is_refused_naming_its_column_and_row(method, change, column, message):
    error = error_of(with_change(method, **change))
    assert error.column == column
    assert error.index == 1
    assert str(error) == (message if column == "polarity" or column == "period"
                          else f"{column} {message}")


def test_a_repeated_period_is_found_in_a_series_out_of_order():
    """Rows not in time order are sorted first; the error still names the repeated row."""
    error = error_of(lambda: recent_trend([3, 1, 2, 1], [5] * 4, [4] * 4, [6] * 4, [5] * 4,
                                          [100] * 4))
    assert (error.column, error.index, str(error)) == (
        "period", 3, "period appears twice in one series")


def test_a_dsr_multiplier_of_zero_is_refused_and_one_is_allowed():
    error = error_of(with_change("dsr", multiplier=0))
    assert str(error) == "multiplier must be greater than 0"
    result = dsr([6, 6], [100, 200], [1, 1], multiplier=1)
    assert result["value"][0] == pytest.approx((6 / 100 + 6 / 200) / 2)


@pytest.mark.parametrize(("method", "change"), [
    # docs/methods.md §3/§2: a proportion may be all of its denominator; the modelled
    # population's limits may equal the estimate itself.
    ("unmet_need", {"numerator": [30, 200]}),
    ("unmet_need", {"denominator_lower": [80, 200]}),
    ("unmet_need", {"denominator_upper": [120, 200]}),
    ("unmet_need", {"denominator_lower": [80, 0.5]}),
    # §6: a zero population and a band without reference events are allowed for the ISR.
    ("isr_ratio", {"denominator": [100, 0]}),
    ("isr_ratio", {"reference_numerator": [30, 0]}),
    ("isr_ratio", {"reference_denominator": [1000, 0.5]}),
    # §5: a band with no weight in the standard, or a population under one (an average).
    ("dsr", {"standard_population": [5000, 0]}),
    ("dsr", {"denominator": [100, 0.5]}),
    ("crude_rate", {"denominator": [100, 0.5]}),
])
def test_values_on_the_limit_are_allowed(method, change):
    result = with_change(method, **change)()
    assert "value" in result


def test_output_columns():
    labels = ["E1", "E1"]
    assert list(crude_rate([3], [100])) == ["value", *LIMITS]
    assert list(proportion([3], [100])) == ["value", *LIMITS]
    assert list(unmet_need([30], [100], [80], [120])) == ["value", "lower_95", "upper_95"]
    assert list(dsr([3, 9], [100, 200], [5000, 5500], groups=labels)) == [
        "group", "numerator", "denominator", "value", *LIMITS]
    for method in (isr_ratio, isr_rate):
        assert list(method([3, 12], [100, 200], [30, 90], [1000, 2000], groups=labels)) == [
            "group", "numerator", "denominator", "expected", "value", *LIMITS]
    assert list(mean([1, 2], groups=labels)) == [
        "group", "value_sum", "value_count", "stdev", "value", *LIMITS]
    assert list(recent_trend(*GOOD["recent_trend"][1].values())) == [
        "group", "chi2", "slope", "points", "trend", "trend_label"]


def test_one_level_gives_one_pair_of_limits():
    """§0: one confidence level, one pair of limit columns (given as 99.8 or as 0.998)."""
    assert list(crude_rate([3], [100], levels=99.8)) == ["value", "lower_99_8", "upper_99_8"]
    assert list(proportion([3], [100], levels=0.95)) == ["value", "lower_95", "upper_95"]


@pytest.mark.parametrize("level", [89.9, 100, 0.899, 1, 1.5, 0])
def test_confidence_levels_outside_90_to_100_percent_are_refused(level):
    """§0: a level in [0.9, 1) or [90, 100); anything else is an error."""
    with pytest.raises(ValueError, match=r"must be in \[0\.9, 1\) or \[90, 100\)"):
        crude_rate([3], [100], levels=level)


@pytest.mark.parametrize("level", [90, 0.9, 99.99])
def test_confidence_levels_at_the_ends_of_the_range_are_allowed(level):
    result = crude_rate([3], [100], levels=level)
    assert len(result) == 3


def test_no_confidence_level_is_an_error():
    with pytest.raises(ValueError, match="^at least one confidence level is needed$"):
        crude_rate([3], [100], levels=[])


def test_mask_categories_and_bounds_read_text_as_an_error_in_value():
    for call in (lambda: mask_values(["x"], [True]), lambda: categories(["x"] * 5),
                 lambda: bounds(["x"] * 5), lambda: percentile_inc(["x"], [0.5])):
        error = error_of(call)
        assert (error.column, str(error)) == ("value", "value must be numeric")


def test_compare_uses_the_99_8_limits_only_when_both_are_given():
    """Only a lower 99.8% limit (no upper) is not a two-level comparison: no best/worst."""
    labels = compare([9], [8], [10], benchmark=2, polarity="high", lower_99_8=[7])
    assert list(labels) == ["better"]


def test_the_length_message_in_full():
    error = error_of(lambda: crude_rate([1, 2, 3], [10, 20]))
    assert str(error) == "inputs differ in length: numerator has 3, denominator has 2"


def test_the_first_row_below_the_limit_is_named_not_one_on_it():
    """A count of 0 is allowed (only below 0 is refused): the error names row 1, not row 0."""
    assert error_of(lambda: crude_rate([0, -1], [10, 10])).index == 1
    assert error_of(lambda: crude_rate([1, 1, 1], [0.5, 1, 0])).index == 2


def test_inputs_given_as_a_column_give_one_value_per_row():
    result = crude_rate(np.array([[3], [12]]), np.array([[100], [200]]), multiplier=1)
    assert result["value"].tolist() == [0.03, 0.06]


def test_unmet_need_is_a_proportion_unless_a_multiplier_is_given():
    """Default m = 1 (§3): 30 of an estimated 100 not in treatment is 0.3."""
    assert unmet_need([30], [100], [80], [120])["value"][0] == pytest.approx(0.3)


def test_isr_rate_names_its_groups():
    result = isr_rate([3, 12], [100, 200], [30, 90], [1000, 2000], groups=["E1", "E1"])
    assert list(result["group"]) == ["E1"]
