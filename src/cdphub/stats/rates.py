"""Crude rates (docs/methods.md §2): ``x/n·m`` with exact limits below 10 events, Byars from 10 up.

Edge cases as published:

* x = 0 gives a rate of 0, a lower limit of 0 and an exact upper limit (3.689/n·m at 95%);
* x > n is allowed (a rate is not a proportion);
* a missing numerator or denominator gives a missing value and limits;
* a negative count, or a denominator of 0 or less, is an error.
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
    reject_below,
)
from .poisson import poisson_limits


def check_counts(x: np.ndarray, n: np.ndarray, *, x_name="numerator", n_name="denominator") -> None:
    reject_below(x, 0, x_name, "must not be negative")
    reject_below(n, 0, n_name, "must be greater than 0", inclusive=True)


def crude_rate(
    numerator,
    denominator,
    multiplier: float = 100_000,
    levels: float | Iterable[float] = DEFAULT_LEVELS,
) -> Result:
    """Crude rate per ``multiplier`` with limits at each level.

    Returns ``{"value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"}`` (arrays).
    """
    x = as_float_array(numerator, "numerator")
    n = as_float_array(denominator, "denominator")
    check_same_length(numerator=x, denominator=n)
    check_counts(x, n)
    levels = normalise_levels(levels)
    scale = multiplier / n
    # Multiplied before dividing: one rounding, so 53 per 500 per 100 is 10.6 exactly, not
    # 10.600000000000001 (the limits are not such round numbers and keep ``scale``).
    result: Result = {"value": x * multiplier / n}
    for level in levels:
        lower, upper = poisson_limits(x, level)
        suffix = level_suffix(level)
        lower *= scale
        upper *= scale
        result[f"lower_{suffix}"] = lower
        result[f"upper_{suffix}"] = upper
    return result
