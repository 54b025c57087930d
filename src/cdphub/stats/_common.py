"""Shared pieces: confidence levels, output column names, input errors and checks.

Everything here works on NumPy arrays. NaN stands for a missing value throughout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from statistics import NormalDist

import numpy as np

#: The two levels Fingertips publishes: 95% (about 2 SD) and 99.8% (about 3 SD).
DEFAULT_LEVELS: tuple[float, ...] = (0.95, 0.998)

Result = dict[str, np.ndarray]


class StatsInputError(ValueError):
    """Input that the published method rejects (negative count, zero denominator …).

    ``column`` names the offending input and ``index`` the first offending position
    (0-based, in the order the values were given), so that callers reading a file can
    point at the line.
    """

    def __init__(self, message: str, *, column: str | None = None, index: int | None = None):
        super().__init__(message)
        self.column = column
        self.index = index


def normalise_level(level: float) -> float:
    """A confidence level as a fraction: 95 → 0.95, 99.8 → 0.998 (PHE convention)."""
    level = float(level)
    if level >= 90:
        level /= 100
    if not 0.9 <= level < 1:
        raise ValueError(f"confidence level {level!r} must be in [0.9, 1) or [90, 100)")
    return level


def normalise_levels(levels: float | Iterable[float]) -> tuple[float, ...]:
    if isinstance(levels, int | float):
        levels = (levels,)
    out = tuple(normalise_level(level) for level in levels)
    if not out:
        raise ValueError("at least one confidence level is needed")
    return out


def z_value(level: float) -> float:
    """Two-sided normal quantile: 1.959964 for 0.95, 3.090232 for 0.998."""
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def level_suffix(level: float) -> str:
    """Column suffix for a level: 0.95 → ``95``, 0.998 → ``99_8``."""
    text = f"{level * 100:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", "_")


def limit_columns(levels: Sequence[float]) -> list[str]:
    names = []
    for level in levels:
        suffix = level_suffix(level)
        names += [f"lower_{suffix}", f"upper_{suffix}"]
    return names


def as_float_array(values, name: str) -> np.ndarray:
    """A float64 array (a view when possible); ``None`` becomes NaN."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name} must be numeric", column=name) from exc
    if array.ndim != 1:
        array = array.reshape(-1)
    return array


def check_same_length(**arrays: np.ndarray) -> int:
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name} has {length}" for name, length in lengths.items())
        raise StatsInputError(f"inputs differ in length: {detail}")
    return next(iter(lengths.values()), 0)


def reject_below(values: np.ndarray, bound: float, column: str, problem: str, *, inclusive=False):
    """Raise for the first value below ``bound`` (or at it, when ``inclusive``); NaN passes.

    One NaN-ignoring minimum in the usual case; the position is looked for only on failure.
    """
    if not len(values):
        return
    lowest = np.fmin.reduce(values)
    if lowest < bound or (inclusive and lowest == bound):
        reject(values <= bound if inclusive else values < bound, column, problem)


def has_missing(values: np.ndarray) -> bool:
    """Whether any value is NaN (one sum in the usual case)."""
    return bool(np.isnan(values.sum())) and bool(np.isnan(values).any())


def reject(mask: np.ndarray, column: str, problem: str) -> None:
    """Raise for the first True in ``mask`` (NaN compares False, so missing values pass)."""
    if mask.any():
        index = int(np.argmax(mask))
        raise StatsInputError(f"{column} {problem}", column=column, index=index)
