"""Progress against a local target: is the latest figure on track for the trajectory?

A pure function of plain values (no Django, no database), so that the rule can be checked
with figures worked out by hand (``tests/planning/test_framework_progress.py``) and read in
one place (docs/methods.md, "Progress against local targets"):

* **The trajectory** runs from the baseline (the end of its period, its value) through each
  target point (a date, a value) in date order, in straight lines: the value expected on a
  date between two points is the straight-line interpolation between them, by days. Before
  the first target it runs from the baseline; after the last target point it stays at the
  last point's value.
* **The actual** judged is the latest figure whose period ends after the baseline's period
  end. None, or a latest figure that is hidden (small numbers): **no data**.
* **Better** is the metric's polarity: "high" (higher is better) or "low" (lower is better).
  A metric with no polarity ("none") takes its direction from the trajectory: from the
  baseline to the last target point (up: higher is better; down: lower is better). A
  trajectory that ends where it started (and no polarity) aims to hold the value: only the
  expected value itself is on track.
* **On track** when the actual is at or better than the value expected at the end of its
  period; **off track** otherwise. "At" allows for floating-point noise in the interpolation
  (a difference of less than one part in a billion of the expected value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ON_TRACK, OFF_TRACK, NO_DATA = "on_track", "off_track", "no_data"
#: Why there is no judgement (``Progress.why`` when the status is no data).
NO_BASELINE, NO_TARGET, NO_ACTUAL, HIDDEN = "no_baseline", "no_target", "no_actual", "hidden"
HIGHER, LOWER, HOLD = "higher", "lower", "hold"
TOLERANCE = 1e-9

Point = tuple[dt.date, float]


@dataclass(frozen=True)
class Progress:
    status: str  # ON_TRACK, OFF_TRACK or NO_DATA
    why: str = ""  # for NO_DATA: NO_BASELINE, NO_TARGET, NO_ACTUAL or HIDDEN
    better: str = ""  # HIGHER, LOWER or HOLD (empty without a trajectory)
    actual_on: dt.date | None = None  # the end of the judged actual's period
    actual: float | None = None
    expected: float | None = None  # on the trajectory at ``actual_on``


def trajectory(baseline: Point, targets: Iterable[Point]) -> list[Point]:
    """The baseline then the target points in date order."""
    return [baseline, *sorted(targets)]


def expected_at(baseline: Point, targets: Iterable[Point], on: dt.date) -> float:
    """The value the trajectory expects on ``on`` (see the module notes)."""
    points = trajectory(baseline, targets)
    if on <= points[0][0]:
        return points[0][1]
    for (start, low), (end, high) in zip(points, points[1:], strict=False):
        if on <= end:
            return low + (high - low) * (on - start).days / (end - start).days
    return points[-1][1]


def direction(baseline: Point, targets: Sequence[Point], polarity: str) -> str:
    """Which way is better: the polarity's, else the trajectory's (baseline to last target)."""
    if polarity == "high":
        return HIGHER
    if polarity == "low":
        return LOWER
    last = max(targets)[1]
    if last > baseline[1]:
        return HIGHER
    if last < baseline[1]:
        return LOWER
    return HOLD


def judge(baseline: Point | None, targets: Sequence[Point], polarity: str,
          actuals: Iterable[tuple[dt.date, float | None]]) -> Progress:
    """The status of the latest actual after the baseline against the trajectory.

    ``baseline``: (the end of the baseline period, its value), or None when none is set;
    ``targets``: (by date, value) points; ``polarity``: "high", "low" or "none";
    ``actuals``: (end of period, value) figures, a hidden figure's value None."""
    if baseline is None:
        return Progress(NO_DATA, NO_BASELINE)
    if not targets:
        return Progress(NO_DATA, NO_TARGET)
    better = direction(baseline, targets, polarity)
    after = [a for a in actuals if a[0] > baseline[0]]
    if not after:
        return Progress(NO_DATA, NO_ACTUAL, better)
    on, actual = max(after, key=lambda a: a[0])
    if actual is None:
        return Progress(NO_DATA, HIDDEN, better, on)
    expected = expected_at(baseline, targets, on)
    slack = TOLERANCE * max(1.0, abs(expected))
    if better == HIGHER:
        ok = actual >= expected - slack
    elif better == LOWER:
        ok = actual <= expected + slack
    else:
        ok = abs(actual - expected) <= slack
    return Progress(ON_TRACK if ok else OFF_TRACK, "", better, on, actual, expected)
