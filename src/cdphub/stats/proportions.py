"""Proportions with Wilson score intervals (docs/methods.md §3; Wilson 1927, Newcombe 1998)::

    p     = x/n · m
    limit = (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)) · m

No small-count switch: x = 0 gives a lower limit of 0 and x = n an upper limit of 1·m.
Errors: x < 0, n ≤ 0, x > n. Missing values pass through as missing.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._common import (
    DEFAULT_LEVELS,
    Result,
    as_float_array,
    check_same_length,
    level_suffix,
    normalise_levels,
    reject,
    z_value,
)
from .rates import check_counts


def wilson_limits(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for the proportion x/n (on the 0–1 scale)."""
    z = z_value(level)
    z2 = z * z
    centre = 2 * x + z2
    with np.errstate(invalid="ignore"):
        spread = z * np.sqrt(z2 + 4 * x * (1 - x / n))
    denominator = 2 * (n + z2)
    lower = (centre - spread) / denominator
    upper = (centre + spread) / denominator
    # The algebra gives exactly 0 at x = 0 and 1 at x = n; rounding can leave ±1e-17.
    lower[(x == 0) & (n > 0)] = 0.0
    upper[(x == n) & (n > 0)] = 1.0
    return lower, upper


def proportion(
    numerator,
    denominator,
    multiplier: float = 1,
    levels: float | Iterable[float] = DEFAULT_LEVELS,
) -> Result:
    """Proportion ``x/n·m`` (``multiplier=100`` for a percentage) with Wilson limits."""
    x = as_float_array(numerator, "numerator")
    n = as_float_array(denominator, "denominator")
    check_same_length(numerator=x, denominator=n)
    check_counts(x, n)
    reject(x > n, "numerator", "must not be greater than the denominator for a proportion")
    levels = normalise_levels(levels)
    result: Result = {"value": x * multiplier / n}  # one rounding: 11 of 40 is 27.5%
    for level in levels:
        lower, upper = wilson_limits(x, n, level)
        suffix = level_suffix(level)
        result[f"lower_{suffix}"] = lower * multiplier
        result[f"upper_{suffix}"] = upper * multiplier
    return result


def unmet_need(
    numerator,
    denominator,
    denominator_lower,
    denominator_upper,
    multiplier: float = 1,
) -> Result:
    """The proportion of a *modelled* population not in treatment, with the interval the
    prevalence estimate carries (Fingertips 93517 OCU and 93532 dependent drinkers not in
    treatment)::

        T     = n − x                       (people in treatment: a count, known exactly)
        p     = x/n · m                     (not in treatment, of the estimated n)
        lower = (1 − T/n_lower) · m,   upper = (1 − T/n_upper) · m

    ``n_lower``/``n_upper`` are the 95% limits of the prevalence estimate. The uncertainty is
    the estimate's, not binomial sampling, so only 95% limits exist (Fingertips publishes no
    99.8% limits for these indicators). A limit below 0 (more people in treatment than the
    lower prevalence estimate) is shown as 0. Errors: x < 0, n ≤ 0, x > n, and limits that do
    not bracket n.
    """
    x = as_float_array(numerator, "numerator")
    n = as_float_array(denominator, "denominator")
    low = as_float_array(denominator_lower, "denominator_lower")
    high = as_float_array(denominator_upper, "denominator_upper")
    check_same_length(numerator=x, denominator=n, denominator_lower=low, denominator_upper=high)
    check_counts(x, n)
    reject(x > n, "numerator", "must not be greater than the denominator for a proportion")
    reject(low <= 0, "denominator_lower", "must be greater than 0")
    reject(low > n, "denominator_lower", "must not be greater than the denominator")
    reject(high < n, "denominator_upper", "must not be less than the denominator")
    treated = n - x
    return {
        "value": x * multiplier / n,
        "lower_95": np.maximum(1 - treated / low, 0.0) * multiplier,
        "upper_95": (1 - treated / high) * multiplier,
    }
