"""Means with Student's t intervals (docs/methods.md §4)::

    mean ± t(1 − α/2, N − 1) · sd/√N       (sd with denominator N − 1)

A missing value anywhere in a group makes that group's result missing (as published).
A group of one value has no interval.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._common import DEFAULT_LEVELS, Result, as_float_array, level_suffix, normalise_levels
from .groups import resolve


def mean(values, groups=None, levels: float | Iterable[float] = DEFAULT_LEVELS) -> Result:
    """Per group: ``group``, ``value_sum``, ``value_count``, ``stdev``, ``value`` and limits."""
    from scipy.special import stdtrit  # Student's t quantile; only this method needs it

    x = as_float_array(values, "value")
    grouping = resolve(groups, len(x))
    count = grouping.sizes().astype(np.float64)
    total = grouping.sum(x)
    average = total / count
    deviation = x - grouping.expand(average)
    with np.errstate(divide="ignore", invalid="ignore"):
        stdev = np.sqrt(grouping.sum(deviation * deviation) / (count - 1))
        standard_error = stdev / np.sqrt(count)
    result: Result = {
        "group": grouping.labels,
        "value_sum": total,
        "value_count": count,
        "stdev": stdev,
        "value": average,
    }
    degrees = np.where(count > 1, count - 1, np.nan)
    # Groups usually share a few sizes: one t quantile per distinct size, not per group.
    distinct, which = np.unique(degrees, return_inverse=True)
    for level in normalise_levels(levels):
        t = stdtrit(distinct, 1 - (1 - level) / 2)[which.reshape(-1)]
        suffix = level_suffix(level)
        result[f"lower_{suffix}"] = average - t * standard_error
        result[f"upper_{suffix}"] = average + t * standard_error
    return result
