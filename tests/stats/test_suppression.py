"""Secondary suppression (``stats.suppress``) against an attacker written here, separately:
for every hidden count, the largest value it can take given everything shown and every sum
(by linear programming, and by enumerating whole numbers on the smallest tables). A hidden
count that can be shown to be below 5 (and not 0) is a disclosure."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from cdphub.stats import round_to_5, suppress


def largest(counts: np.ndarray, hidden: np.ndarray, relations: list[list[int]]) -> dict:
    """Each hidden cell's largest feasible count, per column of ``counts`` and, for two
    columns (numerator, denominator), the complement; the numerator is at most the
    denominator. None: no limit."""
    counts = counts.reshape(len(counts), -1)
    k = counts.shape[1]
    cells = list(np.flatnonzero(hidden))
    h = len(cells)
    index = {c: i for i, c in enumerate(cells)}
    a, b = [], []
    for column in range(k):
        for total, *parts in relations:
            row = np.zeros(h * k)
            constant = 0.0
            for sign, cell in [(1, total)] + [(-1, p) for p in parts]:
                if cell in index:
                    row[column * h + index[cell]] += sign
                else:
                    constant -= sign * counts[cell, column]
            if row.any():
                a.append(row)
                b.append(constant)
    a_ub = []
    if k == 2:  # numerator ≤ denominator
        for i in range(h):
            row = np.zeros(2 * h)
            row[i], row[h + i] = 1, -1
            a_ub.append(row)
    targets = {}
    for i, cell in enumerate(cells):
        for column in range(k):
            c = np.zeros(h * k)
            c[column * h + i] = -1
            targets[(cell, column)] = c
        if k == 2:
            c = np.zeros(2 * h)
            c[i], c[h + i] = 1, -1  # maximise denominator − numerator
            targets[(cell, "complement")] = c
    out = {}
    for key, c in targets.items():
        result = linprog(c, A_eq=np.array(a) if a else None, b_eq=np.array(b) if b else None,
                         A_ub=np.array(a_ub) if a_ub else None,
                         b_ub=np.zeros(len(a_ub)) if a_ub else None,
                         bounds=[(0, None)] * (h * k), method="highs")
        assert result.status in (0, 3), result.message
        out[key] = None if result.status == 3 else -result.fun
    return out


def disclosed(counts, hidden, relations) -> list:
    return [key for key, most in largest(np.asarray(counts, float), hidden, relations).items()
            if most is not None and 1e-6 < most < 5 - 1e-6]


def hierarchy(counts_by_area: np.ndarray):
    """England ⊃ regions ⊃ areas, each by sex (total, female, male): cells and relations.

    ``counts_by_area``: regions × areas × 2 (female, male)."""
    regions, areas, _ = counts_by_area.shape
    cells: list[float] = []
    position = {}

    def cell(key, value):
        position[key] = len(cells)
        cells.append(float(value))

    for r in range(regions):
        for a in range(areas):
            f, m = counts_by_area[r, a]
            cell(("area", r, a, "F"), f)
            cell(("area", r, a, "M"), m)
            cell(("area", r, a, "T"), f + m)
        for s, pick in (("F", 0), ("M", 1)):
            cell(("region", r, s), counts_by_area[r, :, pick].sum())
        cell(("region", r, "T"), counts_by_area[r].sum())
    for s, pick in (("F", 0), ("M", 1)):
        cell(("england", s), counts_by_area[:, :, pick].sum())
    cell(("england", "T"), counts_by_area.sum())
    relations = []
    for r in range(regions):
        for a in range(areas):
            relations.append([position[("area", r, a, s)] for s in "TFM"])
        relations.append([position[("region", r, s)] for s in "TFM"])
        for s in "TFM":
            relations.append([position[("region", r, s)]]
                             + [position[("area", r, a, s)] for a in range(areas)])
    relations.append([position[("england", s)] for s in "TFM"])
    for s in "TFM":
        relations.append([position[("england", s)]]
                         + [position[("region", r, s)] for r in range(regions)])
    return np.array(cells), relations, position


def test_hidden_parts_whose_sum_is_small_take_another_with_them():
    """Total 10 of parts 1, 1, 8, 0 (finding 5): hiding only the two 1s tells that they add
    up to 2."""
    counts = np.array([10, 1, 1, 8, 0], dtype=float)
    relations = [[0, 1, 2, 3, 4]]
    hidden, _ = suppress(counts, relations=relations)
    assert hidden[1] and hidden[2]
    assert hidden[3] or hidden[0]
    # Every whole-number table consistent with what is shown leaves each hidden count free
    # to be 5 or more.
    shown = {i: counts[i] for i in range(5) if not hidden[i]}
    free = [i for i in range(5) if hidden[i]]
    possible = {i: set() for i in free}
    for guess in itertools.product(range(11), repeat=len(free)):
        table = dict(shown) | dict(zip(free, guess, strict=True))
        if table[0] == sum(table[i] for i in range(1, 5)):
            for i, g in zip(free, guess, strict=True):
                possible[i].add(g)
    assert all(max(values) >= 5 for values in possible.values())


def test_small_denominators_and_complements_hide_the_cell():
    counts = np.array([[0, 1], [3, 7], [20, 23], [30, 60]], dtype=float)  # numerator, denominator
    hidden, _ = suppress(counts, complements=[(0, 1)])
    # 0 of 1: a denominator of 1; 3 of 7: a numerator of 3 (and complement 4); 20 of 23: a
    # complement of 3; 30 of 60 shows nothing small.
    assert list(hidden) == [True, True, True, False]


@pytest.mark.parametrize("seed", range(12))
def test_no_hidden_count_can_be_worked_out_in_a_three_level_table(seed):
    """Random England ⊃ 3 regions ⊃ 4 areas tables by sex, with many small counts: after
    suppression, the attacker above bounds no hidden count below 5."""
    rng = np.random.default_rng(seed)
    counts_by_area = rng.poisson(rng.choice([1.5, 4, 12], size=(3, 4, 2)))
    counts, relations, _ = hierarchy(counts_by_area)
    hidden, _ = suppress(counts, relations=relations)
    assert hidden[(counts >= 1) & (counts <= 4)].all()
    assert disclosed(counts, hidden, relations) == []


def test_proportions_chained_through_numerators_and_denominators_are_checked():
    """Proportions (numerator of denominator) in the same hierarchy: the attacker combines
    numerators, denominators and complements across all sums, and still bounds no hidden
    count below 5."""
    for seed in range(30):
        rng = np.random.default_rng(2000 + seed)
        denominators = rng.poisson(rng.choice([3, 8, 20], size=(3, 3, 2)))
        numerators = rng.binomial(denominators, 0.4)
        num, relations, _ = hierarchy(numerators)
        den, _, _ = hierarchy(denominators)
        counts = np.column_stack([num, den])
        checked, _ = suppress(counts, relations=relations, complements=[(0, 1)])
        assert checked[primary_small(counts)].all()
        assert disclosed(counts, checked, relations) == [], seed


def primary_small(counts: np.ndarray) -> np.ndarray:
    complement = counts[:, 1] - counts[:, 0]
    return ((counts >= 1) & (counts <= 4)).any(axis=1) | ((complement >= 1) & (complement <= 4))


def test_round_to_5():
    assert list(round_to_5([0, 1, 2, 3, 4, 5, 7, 8, 12.5, np.nan])[:9]) == [
        0, 0, 0, 5, 5, 5, 5, 10, 15]
    assert np.isnan(round_to_5([np.nan])[0])


def test_a_total_that_differs_from_its_parts_is_still_checked(caplog):
    """A published total 4 above its parts (a loaded England figure): the check credits the
    attacker with knowing the difference instead of giving up on sums that do not hold."""
    counts = np.array([50, 3, 1, 20, 22], dtype=float)
    with caplog.at_level("WARNING"):
        hidden, _ = suppress(counts, relations=[[0, 1, 2, 3, 4]])
    assert "skipped" not in caplog.text
    assert hidden[1] and hidden[2]
    assert hidden[0] or counts[1:][hidden[1:]].sum() >= 5
