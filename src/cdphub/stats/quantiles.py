"""Quartiles and quintiles across areas (docs/methods.md §13), for spine charts and benchmarking.

Bounds follow fingertips-open: the sorted valid values give [min, P(1/q), …, max], where
percentile p is Excel's PERCENTILE.INC (R ``quantile(type = 7)``: linear interpolation at
position (N−1)·p), rounded to 10 decimal places. An area's category is the first i in 1 … q
with value ≤ bound_i; for "high is good" the category is reversed (q + 1 − i) so that 1 is
always the best fifth (or quarter) under a judgement, and the lowest otherwise.
More than 3 values are needed for bounds and at least q to categorise; otherwise 0.
"""

from __future__ import annotations

import numpy as np

from ._common import as_float_array
from .compare import polarity_codes

MIN_FOR_BOUNDS = 4


def percentile_inc(values, p) -> np.ndarray:
    """Excel PERCENTILE.INC / R type 7 of the non-missing ``values`` at fractions ``p``."""
    x = np.sort(as_float_array(values, "value"))
    x = x[~np.isnan(x)]
    if not len(x):
        return np.full(np.shape(p), np.nan)
    position = (len(x) - 1) * np.asarray(p, dtype=np.float64)
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, len(x) - 1)
    return x[below] + (position - below) * (x[above] - x[below])


def bounds(values, q: int = 5) -> np.ndarray:
    """[min, P(1/q), …, P((q−1)/q), max]; empty when there are 3 values or fewer."""
    x = as_float_array(values, "value")
    if np.count_nonzero(~np.isnan(x)) < MIN_FOR_BOUNDS:
        return np.array([])
    return np.round(percentile_inc(x, np.arange(q + 1) / q), 10)


def categories(values, q: int = 5, polarity="none") -> np.ndarray:
    """Category 1 … q for each value (0: not categorised: missing value or too few values)."""
    x = as_float_array(values, "value")
    out = np.zeros(len(x), dtype=np.int8)
    valid = ~np.isnan(x)
    if np.count_nonzero(valid) < max(q, MIN_FOR_BOUNDS):
        return out
    edges = bounds(x, q)
    out[valid] = np.searchsorted(edges[1:], x[valid], side="left") + 1
    reverse = polarity_codes(polarity, len(x)) == 0  # high is good
    out[valid & reverse] = q + 1 - out[valid & reverse]
    return out


def spine_quartiles(values) -> dict[str, float]:
    """Lowest, 25th percentile, median, 75th percentile and highest (type 7)."""
    lowest, q25, median, q75, highest = percentile_inc(values, [0, 0.25, 0.5, 0.75, 1])
    return {"lowest": lowest, "q25": q25, "median": median, "q75": q75, "highest": highest}
