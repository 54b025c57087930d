"""Directly standardised rates with Dobson limits (docs/methods.md §5; Dobson et al. 1991).

Within each group, over age bands i with standard population w_i::

    DSR   = Σ w_i·x_i/n_i / Σ w_i · m            (a missing x_i counts as 0)
    var   = Σ x_i·(w_i/n_i)² / (Σ w_i)²
    O     = Σ x_i
    limit = DSR + √(var/O)·(B(O) − O)·m        with B the Byars limit of O (lower or upper)

No value and no limits when O < 10 (the published rule; no exact method is used for DSRs).
Errors: a missing or non-positive population, a negative count, a missing or negative
standard population, a non-positive multiplier.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import cache
from importlib import resources

import numpy as np

from ._common import (
    DEFAULT_LEVELS,
    Result,
    StatsInputError,
    as_float_array,
    check_same_length,
    has_missing,
    level_suffix,
    normalise_levels,
    reject,
    reject_below,
)
from .groups import resolve
from .poisson import byars_lower, byars_upper

MIN_TOTAL_COUNT = 10


@cache
def esp2013() -> dict[str, float]:
    """The 2013 European Standard Population: age band label → weight (19 bands, 100 000).

    Shipped as ``stats/data/esp2013.csv`` (see ``stats/data/PROVENANCE.md``).
    """
    text = resources.files("cdphub.stats").joinpath("data/esp2013.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return {row["age_band"]: float(row["esp2013_population"]) for row in rows}


def dsr(
    numerator,
    denominator,
    standard_population,
    groups=None,
    multiplier: float = 100_000,
    levels: float | Iterable[float] = DEFAULT_LEVELS,
) -> Result:
    """DSRs per group. Rows are age bands; ``groups`` labels which rate each row belongs to.

    Returns per group (in order of first appearance): ``group``, ``numerator`` (total count
    O), ``denominator`` (total population), ``value`` and the limits at each level.
    """
    x = as_float_array(numerator, "numerator")
    n = as_float_array(denominator, "denominator")
    w = as_float_array(standard_population, "standard_population")
    length = check_same_length(numerator=x, denominator=n, standard_population=w)
    if not multiplier > 0:
        raise StatsInputError("multiplier must be greater than 0")
    if has_missing(n):
        reject(np.isnan(n), "denominator", "is missing (a DSR needs every population)")
    reject_below(n, 0, "denominator", "must be greater than 0", inclusive=True)
    reject_below(x, 0, "numerator", "must not be negative")
    if has_missing(w):
        reject(np.isnan(w), "standard_population", "is missing")
    reject_below(w, 0, "standard_population", "must not be negative")
    levels = normalise_levels(levels)

    grouping = resolve(groups, length)
    if has_missing(x):
        x = np.where(np.isnan(x), 0.0, x)
    ratio = w / n
    total_w = grouping.sum(w)
    observed = grouping.sum(x)
    rate = grouping.sum(x * ratio) / total_w
    variance = grouping.sum(x * ratio * ratio) / (total_w * total_w)

    enough = observed >= MIN_TOTAL_COUNT
    result: Result = {
        "group": grouping.labels,
        "numerator": observed,
        "denominator": grouping.sum(n),
        "value": np.where(enough, rate * multiplier, np.nan),
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(variance / observed)
    for level in levels:
        suffix = level_suffix(level)
        lower = rate + spread * (byars_lower(observed, level) - observed)
        upper = rate + spread * (byars_upper(observed, level) - observed)
        result[f"lower_{suffix}"] = np.where(enough, lower * multiplier, np.nan)
        result[f"upper_{suffix}"] = np.where(enough, upper * multiplier, np.nan)
    return result
