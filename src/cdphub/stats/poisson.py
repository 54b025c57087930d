"""Confidence limits for a Poisson count: Byars' approximation and the exact method.

* Byars (Breslow & Day 1987, vol. II, p. 69)::

      L(x) = x (1 − 1/(9x) − z/(3√x))³            (missing where negative)
      U(x) = (x+1) (1 − 1/(9(x+1)) + z/(3√(x+1)))³

* Exact (Garwood 1936): the lower limit is the λ with P(X ≥ x | λ) = α/2 and the upper limit
  the λ with P(X ≤ x | λ) = α/2; equivalently ``χ²(α/2, 2x)/2`` and ``χ²(1−α/2, 2x+2)/2``.
  For x = 0 the lower limit is 0.

* Fingertips rule (``poisson_limits``): exact below 10 events, Byars from 10 up.

Whole counts below 10 at a given level are looked up in a table solved once per level with
the Poisson sum (no SciPy needed); fractional counts below 10 (averaged counts) use SciPy's
inverse incomplete gamma function, imported only then.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from ._common import z_value

EXACT_BELOW = 10  # Fingertips: the exact method for fewer than 10 events


def byars_lower(x: np.ndarray, level: float) -> np.ndarray:
    """Byars' lower limit for counts ``x``; NaN where it would be negative (or x ≤ 0)."""
    x = np.asarray(x, dtype=np.float64)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = 1 - 1 / (9 * x) - z / (3 * np.sqrt(x))
        lower = x * t * t * t
    return np.where((x > 0) & (lower >= 0), lower, np.nan)


def byars_upper(x: np.ndarray, level: float) -> np.ndarray:
    x1 = np.asarray(x, dtype=np.float64) + 1
    z = z_value(level)
    with np.errstate(invalid="ignore"):
        t = 1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))
        return x1 * t * t * t


def _poisson_cdf(k: int, lam: float) -> float:
    """P(X ≤ k) for X ~ Poisson(λ), summed directly (accurate for the small k used here)."""
    term = math.exp(-lam)
    total = term
    for j in range(1, k + 1):
        term *= lam / j
        total += term
    return total


def _solve_decreasing(target: float, k: int) -> float:
    """λ with P(X ≤ k | λ) = target, by bisection (the CDF falls as λ grows)."""
    low, high = 0.0, 1.0
    while _poisson_cdf(k, high) > target:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if _poisson_cdf(k, mid) > target:
            low = mid
        else:
            high = mid
        if high - low <= 1e-15 * high:
            break
    return (low + high) / 2


@cache
def _exact_table(level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits for the whole counts 0 … EXACT_BELOW at ``level``."""
    tail = (1 - level) / 2
    lower = np.zeros(EXACT_BELOW + 1)
    upper = np.zeros(EXACT_BELOW + 1)
    for k in range(EXACT_BELOW + 1):
        # lower: P(X ≥ k) = tail  ⇔  P(X ≤ k−1) = 1 − tail
        lower[k] = 0.0 if k == 0 else _solve_decreasing(1 - tail, k - 1)
        upper[k] = _solve_decreasing(tail, k)
    lower.setflags(write=False)
    upper.setflags(write=False)
    return lower, upper


def exact_limits(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for counts ``x`` (any non-negative values; NaN passes through)."""
    x = np.asarray(x, dtype=np.float64)
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    whole = (x == np.floor(x)) & (x >= 0) & (x <= EXACT_BELOW)
    if whole.any():
        table_lower, table_upper = _exact_table(level)
        index = x[whole].astype(np.intp)
        lower[whole] = table_lower[index]
        upper[whole] = table_upper[index]
    other = ~whole & (x >= 0)  # NaN compares False
    if other.any():
        from scipy.special import gammaincinv  # only for fractional or large counts

        tail = (1 - level) / 2
        xs = x[other]
        with np.errstate(invalid="ignore"):
            lower[other] = np.where(xs > 0, gammaincinv(np.where(xs > 0, xs, 1), tail), 0.0)
        upper[other] = gammaincinv(xs + 1, 1 - tail)
    return lower, upper


def poisson_limits(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits for counts as Fingertips gives them: exact below 10 events, Byars from 10 up.

    NaN counts give NaN limits. The caller checks that counts are not negative.
    """
    x = np.asarray(x, dtype=np.float64)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(x)
        t = 1 - 1 / (9 * x) - z / (3 * root)
        lower = x * t * t * t
        x1 = x + 1
        t = 1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))
        upper = x1 * t * t * t
    small = x < EXACT_BELOW
    if small.any():
        small_lower, small_upper = exact_limits(x[small], level)
        lower[small] = small_lower
        upper[small] = small_upper
    return lower, upper
