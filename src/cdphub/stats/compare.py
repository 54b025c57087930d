"""Comparison with a benchmark by confidence-interval overlap (docs/methods.md §11).

* One level (Fingertips comparator 1): the benchmark inside the area's 95% interval,
  limits included, is *similar*; otherwise the area is higher or lower.
* Two levels (comparator 17): inside the 95% interval *similar*; outside it but inside the
  99.8% interval *better*/*worse*; outside the 99.8% interval too *best*/*worst*.
* Polarity: ``high`` (high is good), ``low`` (low is good), ``none`` (no judgement: the
  labels are *higher*/*lower*, at either level).
* *not compared* where the value, a limit or the benchmark is missing, or the polarity is
  "not applicable".
"""

from __future__ import annotations

import numpy as np

from ._common import StatsInputError, as_float_array

SIMILAR = "similar"
NOT_COMPARED = "not compared"

_POLARITY_ALIASES = {
    "high": "high",
    "high is good": "high",
    "rag - high is good": "high",
    "low": "low",
    "low is good": "low",
    "rag - low is good": "low",
    "none": "none",
    "no judgement": "none",
    "bob - blue orange blue": "none",
    "not applicable": "na",
    "n/a": "na",
}

_CODES = {"high": 0, "low": 1, "none": 2, "na": 3}


def polarity_codes(polarity, length: int) -> np.ndarray:
    """0 high is good, 1 low is good, 2 no judgement, 3 not applicable."""
    if isinstance(polarity, str):
        return np.full(length, _code_for(polarity), dtype=np.int8)
    labels = np.asarray(polarity).astype(str)
    distinct, inverse = np.unique(labels, return_inverse=True)
    mapped = np.empty(len(distinct), dtype=np.int8)
    for i, text in enumerate(distinct):
        try:
            mapped[i] = _code_for(text)
        except StatsInputError as exc:
            exc.index = int(np.argmax(labels == text))
            raise
    return mapped[inverse.reshape(-1)]


def _code_for(text: str) -> int:
    key = str(text).strip().lower()
    if key not in _POLARITY_ALIASES:
        raise StatsInputError(f"polarity {str(text)!r} is not one of high, low, none", column="polarity")
    return _CODES[_POLARITY_ALIASES[key]]


def compare(
    value,
    lower_95,
    upper_95,
    benchmark,
    polarity="none",
    lower_99_8=None,
    upper_99_8=None,
) -> np.ndarray:
    """Comparison labels, one per area (an array of str).

    ``benchmark`` may be one number or one per area; ``polarity`` a word or one per area.
    Give ``lower_99_8``/``upper_99_8`` for the two-level comparison (best/worst).
    """
    value = as_float_array(value, "value")
    lower = as_float_array(lower_95, "lower_95")
    upper = as_float_array(upper_95, "upper_95")
    length = len(value)
    bench = np.broadcast_to(as_float_array(benchmark, "benchmark"), (length,))
    codes = polarity_codes(polarity, length)

    comparable = ~(np.isnan(value) | np.isnan(lower) | np.isnan(upper) | np.isnan(bench))
    comparable &= codes != _CODES["na"]
    higher = lower > bench
    lower_than = upper < bench
    if lower_99_8 is not None and upper_99_8 is not None:
        lower_wide = as_float_array(lower_99_8, "lower_99_8")
        upper_wide = as_float_array(upper_99_8, "upper_99_8")
        strongly_higher = lower_wide > bench
        strongly_lower = upper_wide < bench
    else:
        strongly_higher = strongly_lower = np.zeros(length, dtype=bool)

    is_high, is_low = codes == _CODES["high"], codes == _CODES["low"]
    good = higher & is_high | lower_than & is_low  # the area is on the good side
    bad = higher & is_low | lower_than & is_high
    strong = strongly_higher & higher | strongly_lower & lower_than
    # Index into _LABELS: similar 0, higher 1, lower 2, better 3, worse 4, best 5, worst 6.
    outcome = higher * np.int8(1) + lower_than * np.int8(2)
    outcome[good] = 3
    outcome[bad] = 4
    outcome[good & strong] = 5
    outcome[bad & strong] = 6
    outcome[~comparable] = 7
    return _LABELS[outcome]


_LABELS = np.array(
    [SIMILAR, "higher", "lower", "better", "worse", "best", "worst", NOT_COMPARED], dtype=object
)
