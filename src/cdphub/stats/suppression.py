"""Small-number disclosure control for published outputs.

* Primary suppression: counts from 1 to 4 are hidden (0 is shown: it discloses nothing
  about a person).
* Secondary suppression: wherever cells add up to a published total (the rows of a table,
  its columns, the areas that make up a region …), a total with exactly one hidden cell would
  give that cell away by subtraction. So another cell of that total is hidden too, and this
  repeats across all the totals until none has exactly one hidden cell. A total made of a
  single cell is itself hidden when that cell is.
* Anything computed from a hidden count (a rate, its limits) must be hidden with it:
  ``mask_values`` does that.

This is not part of the Fingertips methods (set per indicator there); the rule here is the
project's: DESIGN.md "counts under 5 hidden, with secondary suppression".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._common import as_float_array
from .groups import factorise

LOWEST_HIDDEN, HIGHEST_HIDDEN = 1, 4


def primary(counts) -> np.ndarray:
    x = as_float_array(counts, "count")
    return (x >= LOWEST_HIDDEN) & (x <= HIGHEST_HIDDEN)


def suppress(counts, totals: Sequence = ()) -> tuple[np.ndarray, list[np.ndarray]]:
    """Which cells (and which totals) to hide.

    ``totals`` is a list of groupings, each one label per cell naming the published total the
    cell belongs to (e.g. ``[area, category]`` for a table with row and column totals).
    Returns the cell mask and, per grouping, a mask over its totals (in order of first
    appearance of the labels) that are hidden because they would disclose a cell.

    Exposed totals are mended one at a time, each by the cell that exposes the fewest new
    totals (and mends the most other exposed ones), then the smallest non-zero count: the
    usual greedy heuristic, which keeps secondary suppression close to the minimum. Each step
    is one vectorised pass, so this suits published tables (thousands of cells); split a
    larger output into the tables that are published separately.
    """
    x = as_float_array(counts, "count")
    hidden = primary(x)
    groupings = [factorise(labels)[0] for labels in totals]
    sizes = [np.bincount(codes) for codes in groupings]
    position = np.arange(len(x))
    for _ in range(len(x) + 1):
        per_total = [
            np.bincount(codes, weights=hidden, minlength=len(size))
            for codes, size in zip(groupings, sizes, strict=True)
        ]
        exposed = [(h == 1) & (size > 1) for h, size in zip(per_total, sizes, strict=True)]
        which = next((g for g, e in enumerate(exposed) if e.any()), None)
        if which is None:
            break
        total = int(np.argmax(exposed[which]))
        members = position[(groupings[which] == total) & ~hidden]
        score = np.zeros(len(members))
        for g, codes in enumerate(groupings):
            if g != which:
                others = per_total[g][codes[members]]
                score += (others == 0) & (sizes[g][codes[members]] > 1)  # would expose
                score -= others == 1  # would mend
        best = np.lexsort((members, x[members], x[members] == 0, score))[0]
        hidden[members[best]] = True
    hidden_totals = []
    for codes, size in zip(groupings, sizes, strict=True):
        hidden_per_total = np.bincount(codes, weights=hidden, minlength=len(size))
        total = np.bincount(codes, weights=x, minlength=len(size))
        lone = (size == 1) & (hidden_per_total == 1)
        hidden_totals.append(lone | primary(total))
    return hidden, hidden_totals


def mask_values(values, hidden: np.ndarray) -> np.ndarray:
    """``values`` with the hidden positions set to NaN (for rates and limits from counts)."""
    out = as_float_array(values, "value").copy()
    out[hidden] = np.nan
    return out
