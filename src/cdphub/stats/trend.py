"""The Fingertips recent-trend test (docs/methods.md §12), vectorised over many series.

For each series (area × indicator …):

1. Eligible value types: proportion, crude rate and directly standardised rate.
2. A point is valid when its value, count and denominator (> 0) are present and it has
   both 95% limits (upper above lower). Invalid points are skipped (FingertipsNext); the 5
   most recent valid points are used, oldest first, t = 1 … 5. Fewer than 5, or a used point
   whose count equals its denominator: *cannot be calculated*.
3. Inverse-variance weighted regression of value on t, with SE = (UCI95 − LCI95)/3.92 and
   w = 1/SE²; slope b = (S1·S2 − S3·S4)/(S1·S5 − S3²), SE_b = √(S1/(S1·S5 − S3²)),
   χ² = (b/SE_b)².
4. Significant when χ² > 9.54953570608324 (the 99.8% point of χ² on 1 df) and the slope
   keeps its sign when refitted without each point in turn. Then *increasing* or
   *decreasing* by the sign of b; otherwise *no significant change* (also for b = 0).
5. Labels by polarity: high is good → "increasing and getting better" / "decreasing and
   getting worse"; low is good → the reverse; no judgement → "increasing" / "decreasing".
"""

from __future__ import annotations

import numpy as np

from ._common import StatsInputError, as_float_array
from .compare import polarity_codes
from .groups import resolve

CHI2_THRESHOLD = 9.54953570608324  # qchisq(0.998, 1), as published
POINTS = 5
SE_DIVISOR = 3.92  # (UCI95 − LCI95)/3.92, as published (2 × 1.96)

INCREASING = "increasing"
DECREASING = "decreasing"
NO_CHANGE = "no significant change"
CANNOT = "cannot be calculated"

ELIGIBLE_VALUE_TYPES = {"proportion", "crude-rate", "dsr"}
_VALUE_TYPE_ALIASES = {
    "crude rate": "crude-rate",
    "crude_rate": "crude-rate",
    "directly standardised rate": "dsr",
    "percentage": "proportion",
}


def _normalise_value_type(text: str) -> str:
    key = str(text).strip().lower()
    return _VALUE_TYPE_ALIASES.get(key, key)


def _slope(s1, s2, s3, s4, s5):
    with np.errstate(divide="ignore", invalid="ignore"):
        return (s1 * s2 - s3 * s4) / (s1 * s5 - s3 * s3)


def _latest_points(codes, period, valid, n_groups):
    """Rows of the 5 latest valid points of each series with at least 5, series by series in
    time order; the series used; the number of valid points per series."""
    length = len(codes)
    same = codes[1:] == codes[:-1]
    in_order = (
        bool(length) and np.all(codes[1:] >= codes[:-1]) and np.all(~same | (period[1:] >= period[:-1]))
    )
    if in_order:  # already by series and period, the usual file layout: no sorting
        duplicate = same & (period[1:] == period[:-1])
        order = None
    else:
        order = np.lexsort((period, codes))
        sorted_codes, sorted_period = codes[order], period[order]
        duplicate = (sorted_codes[1:] == sorted_codes[:-1]) & (sorted_period[1:] == sorted_period[:-1])
    if duplicate.any():
        first = int(np.argmax(duplicate)) + 1
        index = first if order is None else int(order[first])
        raise StatsInputError("period appears twice in one series", column="period", index=index)

    per_group = np.bincount(codes[valid], minlength=n_groups)
    if in_order and valid.all() and (per_group == POINTS).all():
        return slice(None), np.arange(n_groups), per_group  # every row, as it stands
    chosen = np.flatnonzero(valid) if order is None else order[valid[order]]
    chosen_codes = codes[chosen]
    from_end = np.cumsum(per_group)[chosen_codes] - 1 - np.arange(len(chosen))
    enough = per_group >= POINTS
    return chosen[(from_end < POINTS) & enough[chosen_codes]], np.flatnonzero(enough), per_group


def recent_trend(
    period,
    value,
    lower_95,
    upper_95,
    count,
    denominator,
    value_type="proportion",
    polarity="none",
    groups=None,
) -> dict[str, np.ndarray]:
    """Recent trend per series. ``period`` must sort in time order (numbers, or codes).

    ``value_type`` and ``polarity`` are one word for all series or one per row (the first
    row of each series counts). Returns per series (in order of first appearance):
    ``group``, ``chi2``, ``slope``, ``points``, ``trend`` and ``trend_label``.
    """
    period = np.asarray(period)
    v = as_float_array(value, "value")
    lo = as_float_array(lower_95, "lower_95")
    up = as_float_array(upper_95, "upper_95")
    x = as_float_array(count, "count")
    n = as_float_array(denominator, "denominator")
    length = len(v)
    grouping = resolve(groups, length)
    codes, n_groups, labels = grouping.codes, grouping.count, grouping.labels

    first_row = np.empty(n_groups, dtype=np.intp)
    first_row[codes[::-1]] = np.arange(length - 1, -1, -1)  # the last write (first row) wins
    if isinstance(value_type, str):
        eligible = np.full(n_groups, _normalise_value_type(value_type) in ELIGIBLE_VALUE_TYPES)
    else:
        distinct, which = np.unique(np.asarray(value_type).astype(str)[first_row], return_inverse=True)
        allowed = np.array([_normalise_value_type(t) in ELIGIBLE_VALUE_TYPES for t in distinct], dtype=bool)
        eligible = allowed[which.reshape(-1)]
    try:
        polarity_of_group = polarity_codes(
            polarity if isinstance(polarity, str) else np.asarray(polarity)[first_row], n_groups
        )
    except StatsInputError as exc:  # point at the row, not the series
        exc.index = None if exc.index is None else int(first_row[exc.index])
        raise

    with np.errstate(invalid="ignore"):
        valid = ~(np.isnan(v) | np.isnan(x)) & (n > 0) & (up > lo)
    used, series, per_group = _latest_points(codes, period, valid, n_groups)

    shape = (len(series), POINTS)
    vv, xx, nn = v[used].reshape(shape), x[used].reshape(shape), n[used].reshape(shape)
    se = (up[used] - lo[used]).reshape(shape) / SE_DIVISOR
    w = 1 / (se * se)
    t = np.arange(1, POINTS + 1, dtype=np.float64)
    # Each point's share of the five sums S1 … S5, then the sums over all points.
    terms = (w, w * vv * t, w * t, w * vv, w * t * t)
    totals = [term.sum(axis=1) for term in terms]
    slope = _slope(*totals)
    s1, _, s3, _, s5 = totals
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = slope * slope * (s1 * s5 - s3 * s3) / s1  # (b / SE_b)², SE_b² = S1/(S1·S5 − S3²)

    # Leave each point out in turn (the sums less that point's share): same sign throughout.
    partial = _slope(*(total[:, None] - term for total, term in zip(totals, terms, strict=True)))
    steady = (np.sign(partial) == np.sign(slope)[:, None]).all(axis=1)

    calculable = eligible[series] & ~(xx == nn).any(axis=1)
    significant = calculable & (chi2 > CHI2_THRESHOLD) & steady & (slope != 0)

    out_chi2 = np.full(n_groups, np.nan)
    out_slope = np.full(n_groups, np.nan)
    out_chi2[series[calculable]] = chi2[calculable]
    out_slope[series[calculable]] = slope[calculable]
    trend = np.full(n_groups, CANNOT, dtype=object)
    trend[series[calculable]] = NO_CHANGE
    trend[series[significant & (slope > 0)]] = INCREASING
    trend[series[significant & (slope < 0)]] = DECREASING

    return {
        "group": labels,
        "chi2": out_chi2,
        "slope": out_slope,
        "points": np.minimum(per_group, POINTS),
        "trend": trend,
        "trend_label": trend_labels(trend, polarity_of_group),
    }


def trend_labels(trend: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    """ "increasing and getting worse" etc. (polarity codes as in ``compare.polarity_codes``)."""
    labels = trend.astype(object).copy()
    up, down = trend == INCREASING, trend == DECREASING
    high, low = polarity == 0, polarity == 1
    labels[up & high] = "increasing and getting better"
    labels[down & high] = "decreasing and getting worse"
    labels[up & low] = "increasing and getting worse"
    labels[down & low] = "decreasing and getting better"
    return labels
