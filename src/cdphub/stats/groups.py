"""Grouping for the methods that summarise several rows (DSR, ISR, means, trend).

A grouping is given as one label per row (any hashable NumPy-comparable values, e.g. area
codes) or as integer codes. ``factorise`` turns labels into dense codes 0 … G−1 in order of
first appearance, so that per-group sums are ``np.bincount(codes, weights)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def factorise(labels) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes (0 … G−1, by first appearance) and the distinct labels in that order."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        labels = labels.reshape(-1)
    uniques, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.reshape(-1)], uniques[order]


@dataclass(frozen=True)
class Grouping:
    """Rows assigned to groups 0 … count−1, with the group labels in that order.

    When the rows come group by group (codes 0, 0, 1, 1, 1, 2 …), ``starts`` holds where
    each group begins and sums are one ``np.add.reduceat``; otherwise ``np.bincount``.
    """

    codes: np.ndarray
    count: int
    labels: np.ndarray
    starts: np.ndarray | None = None

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Per-group sums; a NaN anywhere in a group makes that group's sum NaN."""
        if self.starts is not None:
            return np.add.reduceat(values, self.starts) if len(values) else np.zeros(0)
        return np.bincount(self.codes, weights=values, minlength=self.count)

    def sizes(self) -> np.ndarray:
        if self.starts is not None:
            return np.diff(self.starts, append=len(self.codes))
        return np.bincount(self.codes, minlength=self.count)

    def expand(self, per_group: np.ndarray) -> np.ndarray:
        """Each row's group value."""
        if self.starts is not None:
            return np.repeat(per_group, self.sizes())
        return per_group[self.codes]


def resolve(groups, length: int) -> Grouping:
    """The grouping for ``groups`` (``None``: all rows in one group).

    Integer codes that already cover 0 … G−1 (as ``factorise`` makes them) are used as they
    are, groups in code order, without sorting; anything else is factorised.
    """
    if groups is None:
        count = 1 if length else 0
        starts = np.zeros(count, dtype=np.intp)
        return Grouping(np.zeros(length, dtype=np.intp), count, np.arange(count), starts)
    array = np.asarray(groups)
    if array.ndim != 1:
        array = array.reshape(-1)
    if len(array) != length:
        raise ValueError(f"groups has {len(array)} entries for {length} rows")
    if array.dtype.kind in "iu" and length:
        starts = np.flatnonzero(array[1:] != array[:-1]) + 1
        if array[0] == 0 and np.all(array[starts] - array[starts - 1] == 1):  # 0, 0, 1, 1, 1, 2 …
            starts = np.concatenate(([0], starts))
            return Grouping(array.astype(np.intp, copy=False), len(starts), np.arange(len(starts)), starts)
        low, high = array.min(), array.max()
        if low == 0 and high < length and np.bincount(array, minlength=high + 1).all():
            return Grouping(array.astype(np.intp, copy=False), int(high) + 1, np.arange(high + 1))
    codes, labels = factorise(array)
    return Grouping(codes, len(labels), labels)
