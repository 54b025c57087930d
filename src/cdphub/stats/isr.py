"""Indirectly standardised ratios and rates (docs/methods.md §6)::

    E     = Σ_i x_ref,i / n_ref,i · n_i      (a missing reference count or population counts as 0)
    O     = Σ_i x_i
    ratio = O/E · refvalue                   (refvalue 100 for an SMR)
    rate  = O/E · Σx_ref/Σn_ref · m

Limits apply the crude-rate rule to O (exact below 10 events, Byars from 10 up) and divide
by E. There is no suppression for small O, and a population of 0 is allowed. Where E is 0
there is no value.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._common import (
    DEFAULT_LEVELS,
    Result,
    as_float_array,
    check_same_length,
    has_missing,
    level_suffix,
    normalise_levels,
    reject_below,
)
from .groups import resolve
from .poisson import poisson_limits


def _zero_missing(values: np.ndarray) -> np.ndarray:
    """``values`` with NaN as 0 (the array itself when nothing is missing)."""
    return np.where(np.isnan(values), 0.0, values) if has_missing(values) else values


def _expected(x, n, ref_x, ref_n, groups):
    x = as_float_array(x, "numerator")
    n = as_float_array(n, "denominator")
    ref_x = as_float_array(ref_x, "reference_numerator")
    ref_n = as_float_array(ref_n, "reference_denominator")
    length = check_same_length(
        numerator=x, denominator=n, reference_numerator=ref_x, reference_denominator=ref_n
    )
    reject_below(x, 0, "numerator", "must not be negative")
    reject_below(n, 0, "denominator", "must not be negative")
    reject_below(ref_x, 0, "reference_numerator", "must not be negative")
    reject_below(ref_n, 0, "reference_denominator", "must be greater than 0", inclusive=True)
    grouping = resolve(groups, length)
    n = _zero_missing(n)
    expected = grouping.sum(_zero_missing(ref_x / ref_n) * n)
    observed = grouping.sum(x)  # a missing count leaves the group missing
    return grouping, observed, expected, n, ref_x, ref_n


def _ratio_result(labels, observed, denominator, expected, scale, levels) -> Result:
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(expected > 0, scale / expected, np.nan)
    result: Result = {
        "group": labels,
        "numerator": observed,
        "denominator": denominator,
        "expected": expected,
        "value": observed * factor,
    }
    for level in normalise_levels(levels):
        lower, upper = poisson_limits(observed, level)
        suffix = level_suffix(level)
        result[f"lower_{suffix}"] = lower * factor
        result[f"upper_{suffix}"] = upper * factor
    return result


def isr_ratio(
    numerator,
    denominator,
    reference_numerator,
    reference_denominator,
    groups=None,
    refvalue: float = 100,
    levels: float | Iterable[float] = DEFAULT_LEVELS,
) -> Result:
    """Indirectly standardised ratio O/E·refvalue per group (refvalue 100: an SMR)."""
    grouping, observed, expected, n, *_ = _expected(
        numerator, denominator, reference_numerator, reference_denominator, groups
    )
    denominator_total = grouping.sum(n)
    return _ratio_result(grouping.labels, observed, denominator_total, expected, refvalue, levels)


def isr_rate(
    numerator,
    denominator,
    reference_numerator,
    reference_denominator,
    groups=None,
    multiplier: float = 100_000,
    levels: float | Iterable[float] = DEFAULT_LEVELS,
) -> Result:
    """Indirectly standardised rate O/E × (reference rate per ``multiplier``) per group.

    The reference rate is Σx_ref/Σn_ref over each group's rows (the reference data are
    normally the same for every group).
    """
    grouping, observed, expected, n, ref_x, ref_n = _expected(
        numerator, denominator, reference_numerator, reference_denominator, groups
    )
    ref_rate = grouping.sum(_zero_missing(ref_x)) / grouping.sum(ref_n)
    denominator_total = grouping.sum(n)
    return _ratio_result(
        grouping.labels, observed, denominator_total, expected, ref_rate * multiplier, levels
    )
