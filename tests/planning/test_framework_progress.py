"""Progress against a local target (``planning.progress``), against values worked out by hand
here: never by calling the function being tested.

Day counts used below (worked out on a calendar): 31 March 2024 to 31 March 2025 is 365 days
(29 February 2024 falls before it), 31 March 2025 to 31 March 2026 is 365 days, and
31 March 2026 to 31 March 2027 is 365 days.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cdphub.planning.progress import (
    HIDDEN,
    HIGHER,
    HOLD,
    LOWER,
    NO_ACTUAL,
    NO_BASELINE,
    NO_DATA,
    NO_TARGET,
    OFF_TRACK,
    ON_TRACK,
    expected_at,
    judge,
)

M24, M25, M26, M27, M28 = (dt.date(y, 3, 31) for y in (2024, 2025, 2026, 2027, 2028))
BASELINE = (M24, 2200.0)


def test_midway_between_the_baseline_and_a_single_target():
    """2,200 on 31 March 2024 to 2,640 by 31 March 2026 (730 days): 365 days in, half the
    rise of 440 is expected, 2,200 + 220 = 2,420."""
    assert expected_at(BASELINE, [(M26, 2640.0)], M25) == 2420.0
    result = judge(BASELINE, [(M26, 2640.0)], "high", [(M25, 2430.0)])
    assert (result.status, result.expected, result.actual, result.actual_on) == (
        ON_TRACK, 2420.0, 2430.0, M25)
    assert judge(BASELINE, [(M26, 2640.0)], "high", [(M25, 2410.0)]).status == OFF_TRACK


def test_midway_along_the_second_leg_of_a_trajectory():
    """Targets 2,400 by March 2025 then 2,640 by March 2027: on 31 March 2026 (365 of the
    730 days from 2,400 to 2,640) 2,400 + 240 / 2 = 2,520 is expected; a quarter of the way
    along the first leg is not what counts."""
    targets = [(M27, 2640.0), (M25, 2400.0)]  # any order
    assert expected_at(BASELINE, targets, M26) == 2520.0
    # 30 June 2024: 91 of 365 days along the first leg (30 + 31 + 30), 2,200 + 200 × 91 / 365.
    assert expected_at(BASELINE, targets, dt.date(2024, 6, 30)) == pytest.approx(
        2200 + 200 * 91 / 365, abs=1e-9)
    assert judge(BASELINE, targets, "high", [(M26, 2519.0)]).status == OFF_TRACK
    assert judge(BASELINE, targets, "high", [(M26, 2521.0)]).status == ON_TRACK


def test_after_the_last_point_the_last_value_is_expected():
    targets = [(M25, 2400.0), (M26, 2640.0)]
    assert expected_at(BASELINE, targets, M28) == 2640.0
    result = judge(BASELINE, targets, "high", [(M28, 2639.0)])
    assert (result.status, result.expected) == (OFF_TRACK, 2640.0)


def test_the_latest_actual_after_the_baseline_is_judged():
    """An earlier actual that was ahead does not count once a later one is behind; figures
    for the baseline's period or before are not actuals."""
    targets = [(M26, 2640.0)]
    result = judge(BASELINE, targets, "high",
                   [(M25, 2500.0), (M26, 2600.0), (M24, 9999.0)])
    assert (result.status, result.actual, result.expected) == (OFF_TRACK, 2600.0, 2640.0)


def test_polarity_low_lower_is_better():
    """Deaths 12.0 per 100,000 to 10.0 by March 2026: 11.0 expected in March 2025."""
    baseline, targets = (M24, 12.0), [(M26, 10.0)]
    assert expected_at(baseline, targets, M25) == 11.0
    on = judge(baseline, targets, "low", [(M25, 10.9)])
    off = judge(baseline, targets, "low", [(M25, 11.2)])
    assert (on.status, on.better, off.status) == (ON_TRACK, LOWER, OFF_TRACK)


def test_polarity_high_holds_even_when_the_target_falls():
    """A "higher is better" metric with a falling target (a planned dip) is judged by the
    polarity: at or above the expected value."""
    baseline, targets = (M24, 50.0), [(M26, 40.0)]
    result = judge(baseline, targets, "high", [(M25, 44.0)])
    assert (result.status, result.better, result.expected) == (OFF_TRACK, HIGHER, 45.0)


def test_no_polarity_with_a_falling_target_lower_is_better():
    """No polarity: the trajectory falls from 50 to 40, so lower is better. 45 is expected
    half way."""
    baseline, targets = (M24, 50.0), [(M26, 40.0)]
    on = judge(baseline, targets, "none", [(M25, 44.0)])
    off = judge(baseline, targets, "none", [(M25, 46.0)])
    assert (on.status, on.better, on.expected) == (ON_TRACK, LOWER, 45.0)
    assert off.status == OFF_TRACK


def test_no_polarity_with_a_rising_target_higher_is_better():
    baseline, targets = (M24, 50.0), [(M25, 45.0), (M26, 60.0)]  # the last point decides
    result = judge(baseline, targets, "none", [(M26, 61.0)])
    assert (result.status, result.better) == (ON_TRACK, HIGHER)


def test_no_polarity_and_a_flat_target_only_the_value_itself_is_on_track():
    baseline, targets = (M24, 50.0), [(M26, 50.0)]
    assert judge(baseline, targets, "none", [(M25, 50.0)]).status == ON_TRACK
    assert judge(baseline, targets, "none", [(M25, 50.5)]).status == OFF_TRACK
    assert judge(baseline, targets, "none", [(M25, 49.5)]).better == HOLD


@pytest.mark.parametrize("polarity", ["high", "low"])
def test_exactly_the_expected_value_is_on_track(polarity):
    """At the boundary: equal counts as on track, whichever way is better."""
    result = judge(BASELINE, [(M26, 2640.0)], polarity, [(M25, 2420.0)])
    assert (result.status, result.expected) == (ON_TRACK, 2420.0)


def test_equality_survives_floating_point_noise():
    """0.2 to 0.4 half way is 0.3 by hand; in floating point the interpolation gives
    0.30000000000000004. An actual of 0.3 is "at" the expected value: on track where higher
    is better."""
    baseline, targets = (M24, 0.2), [(M26, 0.4)]
    assert judge(baseline, targets, "high", [(M25, 0.3)]).status == ON_TRACK
    assert judge(baseline, targets, "high", [(M25, 0.2999)]).status == OFF_TRACK


def test_no_actual_after_the_baseline_is_no_data():
    result = judge(BASELINE, [(M26, 2640.0)], "high", [(M24, 2200.0), (dt.date(2023, 3, 31),
                                                                         2100.0)])
    assert (result.status, result.why, result.expected) == (NO_DATA, NO_ACTUAL, None)
    assert judge(BASELINE, [(M26, 2640.0)], "high", []).why == NO_ACTUAL


def test_a_hidden_latest_actual_is_no_data_even_with_an_earlier_figure():
    result = judge(BASELINE, [(M26, 2640.0)], "high", [(M25, 2500.0), (M26, None)])
    assert (result.status, result.why, result.actual_on) == (NO_DATA, HIDDEN, M26)


def test_no_baseline_or_no_target_is_no_data():
    assert judge(None, [(M26, 2640.0)], "high", [(M25, 1.0)]).why == NO_BASELINE
    assert judge(BASELINE, [], "high", [(M25, 1.0)]).why == NO_TARGET


def test_the_example_in_the_methods_page():
    """docs/methods.md §15: 2,200 at 31 March 2023 to 2,640 by 31 March 2027 (1,461 days)
    expects 2,200 + 440 × 366 / 1,461 at 31 March 2024 (a leap year's 366 days)."""
    expected = expected_at((dt.date(2023, 3, 31), 2200.0), [(M27, 2640.0)], M24)
    assert expected == pytest.approx(2200 + 440 * 366 / 1461, abs=1e-9)
    assert round(expected, 1) == 2310.2
