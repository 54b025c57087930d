"""Small-number disclosure control for published outputs.

Two rules, chosen per metric (``framework/data/outcomes_*.toml``, ``disclosure``):

**suppress-1-4** (``suppress``):

* Primary suppression: a cell is hidden when any of its counts is from 1 to 4. A cell may
  carry several counts that are all published (``counts`` as columns): a numerator, its
  denominator when that counts people, and the complement (denominator − numerator) of a
  proportion — "3 of 7 engaged" says that 4 did not. 0 is shown: it discloses nothing about
  a person.
* Secondary suppression: wherever cells add up to a published figure (a region and its
  authorities, an area's total and its breakdown by sex …) the hidden cells of that sum must
  not be worked out by subtraction, alone or together:

  - a sum with exactly one hidden member (its total included) would give that member away;
  - a sum whose total is shown, with two or more hidden parts whose counts add up to 1–4,
    would tell that every one of them is a small number (total − shown parts = their sum).

  Each such sum is mended by hiding one more of its members — the one that mends the most
  sums, breaks the fewest others, and is the smallest count that lifts the hidden sum to 5
  or more — and this repeats over all the sums until none gives anything away.
* Anything computed from a hidden cell (a rate, its limits, a comparison, a trend) must be
  hidden with it: ``mask_values`` blanks values.

**round-5** (``round_to_5``): every published count is rounded to the nearest 5 (1 and 2
become 0, 3 and 4 become 5), and rates are computed from the rounded count, so no raw count
can be recovered from a value and its denominator.

Sums are given either as ``totals`` (one label per cell naming a published total that is not
itself a cell: the margins of a table) or as ``relations`` (lists of cell positions, the
total's own cell first: a region's row and its authorities' rows). A copy of a cell (a
partnership shown its police force area's figure) is a sum of one: give it as the relation
``[copy, source]``, so that either is hidden with the other.

This is not part of the Fingertips methods (set per indicator there); the rules are the
project's (README, "Small numbers (disclosure control)"): counts under 5 hidden, with
secondary suppression so they cannot be recovered by subtraction, nor from a parent area's
total, a complement or a denominator.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from ._common import as_float_array
from .groups import factorise

logger = logging.getLogger(__name__)

LOWEST_HIDDEN, HIGHEST_HIDDEN = 1, 4
ROUNDING_BASE = 5


def primary(counts) -> np.ndarray:
    """Cells with a count from 1 to 4 (in any of its columns, for a 2-D ``counts``)."""
    x = np.asarray(counts, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        small = (x >= LOWEST_HIDDEN) & (x <= HIGHEST_HIDDEN)
    return small if small.ndim == 1 else small.any(axis=1)


def _small(sums: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (sums >= LOWEST_HIDDEN - 1e-9) & (sums <= HIGHEST_HIDDEN + 1e-9)


def suppress(counts, totals: Sequence = (), *, relations: Sequence[Sequence[int]] = (),
             complements: Sequence[tuple[int, int]] = (), exact: bool = True
             ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Which cells (and which ``totals``) to hide.

    ``counts``: one count per cell, or a 2-D array with one column per published count of a
    cell (a numerator, its denominator); NaN where a cell has no such count.
    ``complements``: pairs of columns ``(part, whole)`` (numerator, denominator of a
    proportion) whose difference is published too, in effect.
    ``totals``: groupings, each one label per cell naming the published total (not itself a
    cell) the cell belongs to, e.g. ``[area, category]`` for a table with row and column
    totals. ``relations``: sums among the cells themselves, each a list of positions with the
    total's own cell first.

    With ``exact`` (the default), the greedy result is then checked as an attacker would
    (``_Sums.disclosed``: the largest value each hidden count can take under all the sums at
    once, by linear programming) and mended until no hidden count can be shown to be below 5.

    Returns the cell mask and, per grouping in ``totals``, a mask over its totals (in order of
    first appearance of the labels) that must be hidden because they would disclose a cell.
    A sum whose members are not all known for a count (NaN) is not a sum of that count.
    """
    x = np.asarray(counts, dtype=object if counts is None else None)
    x = as_float_array(x, "count").reshape(len(x), -1) if x.ndim <= 1 else x.astype(np.float64)
    n = x.shape[0]
    complements = [(int(a), int(b)) for a, b in complements]
    published = np.column_stack([x, *[x[:, b] - x[:, a] for a, b in complements]])
    hidden = primary(published)
    # Every sum as a row of ``parts`` (its parts) and its total cell (−1: not a cell).
    rows, columns, total_of = [], [], []
    groupings = [factorise(labels)[0] for labels in totals]
    offset = 0
    for codes in groupings:
        rows.append(codes + offset)
        columns.append(np.arange(n))
        size = int(codes.max()) + 1 if n else 0
        total_of += [-1] * size
        offset += size
    for relation in relations:
        relation = np.asarray(relation, dtype=np.int64)
        if len(relation) < 2:
            continue
        parts = np.unique(relation[1:])
        rows.append(np.full(len(parts), offset))
        columns.append(parts)
        total_of.append(int(relation[0]))
        offset += 1
    if offset:
        sums = _Sums(published, np.concatenate(rows), np.concatenate(columns),
                     np.asarray(total_of, dtype=np.int64), x.shape[1], complements)
        hidden = sums.greedy(hidden)
        for _ in range(n if exact else 0):
            disclosed = sums.disclosed(hidden)
            if not len(disclosed):
                break
            hidden = sums.greedy(sums.mend(hidden, disclosed))
    hidden_totals = []
    for codes in groupings:
        size = np.bincount(codes, minlength=int(codes.max()) + 1 if n else 0)
        hidden_per_total = np.bincount(codes, weights=hidden, minlength=len(size))
        total = np.stack([np.bincount(codes, weights=np.nan_to_num(published[:, k]),
                                      minlength=len(size))
                          for k in range(published.shape[1])], axis=1)
        lone = (size == 1) & (hidden_per_total == 1)
        hidden_totals.append(lone | primary(total))
    return hidden, hidden_totals


class _Sums:
    """The published sums among cells: a parts matrix (sums × cells) and each sum's total
    cell (−1 for a published total that is not a cell), over the cells' published counts
    (the given columns, then each complement)."""

    def __init__(self, x, rows, columns, total_of, base_columns, complements):
        from scipy import sparse  # only here: ``cdphub stats`` starts without SciPy

        self.x = x
        self.filled = np.nan_to_num(x)
        self.base_columns = base_columns
        self.complements = complements
        n_sums, n = len(total_of), x.shape[0]
        self.parts = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(n_sums, n))
        self.parts.data[:] = 1
        self.total_of = total_of
        self.has_total = total_of >= 0
        self.total_index = np.where(self.has_total, total_of, 0)
        totals = sparse.csr_matrix(
            (np.ones(int(self.has_total.sum())),
             (np.flatnonzero(self.has_total), total_of[self.has_total])), shape=(n_sums, n))
        self.members = (self.parts + totals).tocsr()
        self.members.data[:] = 1
        self.by_cell = self.members.T.tocsr()
        size = np.asarray(self.members.sum(axis=1)).ravel()
        # A sum holds for a count only where every member has that count.
        known = np.isfinite(x)
        missing = np.stack([np.asarray(self.members @ (~known[:, k]).astype(np.float64)).ravel()
                            for k in range(x.shape[1])], axis=1)
        self.valid = missing == 0  # sums × counts
        self.live = self.valid.any(axis=1) & ((size > 1) | ~self.has_total)
        # A published total over a single cell shows that cell: it is mended by hiding the
        # total (``hidden_totals``), not another cell.
        self.single_published = (size == 1) & ~self.has_total
        # How many sums each cell is the total of: hiding a part rather than a total keeps
        # the sums the attacker can chain together few.
        self.total_count = np.bincount(total_of[self.has_total], minlength=n)

    def greedy(self, hidden: np.ndarray) -> np.ndarray:
        """Hide cells one at a time until no sum has exactly one hidden member, and no shown
        total leaves its hidden parts adding up to 1–4.

        A hidden part that is itself a total (an authority's total, hidden with its count of
        women) is only as unknown as its own hidden parts: the reader can put the shown parts
        in its place. So what is checked is each hidden cell's *unknown remainder*: its
        count, or less when it is the total of a sum whose hidden parts add up to less.
        """
        parts, members, filled, valid = self.parts, self.members, self.filled, self.valid
        hidden = hidden.copy()
        for _ in range(len(hidden) + 1):
            h = hidden.astype(np.float64)
            hidden_parts = parts @ h
            total_hidden = self.has_total & hidden[self.total_index]
            count = hidden_parts + total_hidden
            unknown = self._remainders(hidden)
            sums = np.column_stack([parts @ unknown[:, k] for k in range(filled.shape[1])])
            small = (_small(sums) & valid).any(axis=1)
            alone = self.live & ~self.single_published & (count == 1)
            exposed = alone | (self.live & ~total_hidden & (hidden_parts >= 2) & small)
            if not exposed.any():
                break
            # A lone hidden member first: a total just hidden in place of a part has its own
            # parts to hide before it hides anything.
            which = int(np.argmax(alone)) if alone.any() else int(np.argmax(exposed))
            row = members.indices[members.indptr[which]:members.indptr[which + 1]]
            candidates = row[~hidden[row]]
            # Does hiding the candidate mend this sum? Hiding its total does (or any part,
            # when the total is the one hidden); a part must lift the unknown remainder of
            # the hidden parts out of 1–4. (A part that is itself a total with its parts all
            # shown adds nothing until one of those is hidden too, which the sum it is the
            # total of will then ask for: it is counted at its full count here.)
            is_total = self.has_total[which] & (candidates == self.total_of[which])
            lifted = sums[which][None, :] + filled[candidates]
            mends_this = (is_total | total_hidden[which]
                          | ~(_small(lifted) & valid[which]).any(axis=1))
            # Over all the candidate's sums: how many exposed ones it mends (roughly: it
            # joins them), and how many untouched ones it would expose (a first hidden one).
            cell_sums = self.by_cell[candidates]
            mends = np.asarray(cell_sums @ exposed.astype(np.float64)).ravel()
            breaks = np.asarray(cell_sums @ (self.live & (count == 0)).astype(np.float64)).ravel()
            counts_here = filled[candidates, 0]
            order = np.lexsort((candidates, counts_here, counts_here == 0, breaks - mends,
                                self.total_count[candidates], ~mends_this))
            hidden[candidates[order[0]]] = True
        return hidden

    def _remainders(self, hidden: np.ndarray) -> np.ndarray:
        """Each hidden cell's unknown remainder per count (0 for a shown cell): its count, or
        the least sum of hidden remainders among the sums it is the total of."""
        filled, valid, parts = self.filled, self.valid, self.parts
        with_total = np.flatnonzero(self.has_total)
        totals = self.total_of[with_total]
        unknown = np.where(hidden[:, None], filled, 0.0)
        cap = np.full_like(filled, np.inf)
        for _ in range(8):  # the depth of the hierarchy of sums, at most
            sums = np.column_stack([parts @ unknown[:, k] for k in range(filled.shape[1])])
            sums = np.where(valid, sums, np.inf)
            cap = np.full_like(filled, np.inf)
            for k in range(filled.shape[1]):
                np.minimum.at(cap[:, k], totals, sums[with_total, k])
            new = np.where(hidden[:, None], np.minimum(filled, cap), 0.0)
            if np.array_equal(new, unknown):
                break
            unknown = new
        return unknown

    def disclosed(self, hidden: np.ndarray) -> list[tuple[int, int]]:
        """Hidden counts (cell, published column) that the sums bound below 5 (and above 0),
        by LP: the attacker's best bounds, all sums used at once.

        Only counts that are below 5 can be bounded below 5 (the true figures are one
        answer the attacker must allow), so only those are maximised; the LP has the
        columns they need (a proportion's numerator and denominator together, since the
        numerator is at most the denominator)."""
        from scipy import sparse

        cells = np.flatnonzero(hidden)
        k_base = self.base_columns
        below = np.isfinite(self.x[cells]) & (self.x[cells] < SMALL_ENOUGH)
        wanted = [(j, k) for k in range(self.x.shape[1]) for j in np.flatnonzero(below[:, k])]
        if not wanted:
            return []
        columns = {k for _j, k in wanted if k < k_base}
        pairs = []
        for number, (a, b) in enumerate(self.complements):
            if {a, b} & columns or any(k == k_base + number for _j, k in wanted):
                columns |= {a, b}
                pairs.append((number, a, b))
        columns = sorted(columns)
        h = len(cells)
        block_of = {k: i for i, k in enumerate(columns)}
        n_vars = h * len(columns)
        signed = (self.members - 2 * self.parts).tocsr()  # +1 total, −1 part
        blocks, constants = [], []
        for k in columns:
            use = self.valid[:, k] & self.live
            block = signed[use]
            on_hidden = block[:, cells]
            keep = np.asarray(abs(on_hidden).sum(axis=1)).ravel() > 0
            if not keep.any():
                continue
            # Σ sign × hidden = what the shown figures leave for the hidden ones (sign +1
            # for the total, −1 for a part). Taken from the true counts, this is exact where
            # the sum holds, and where a published total differs from its parts (a loaded
            # England figure) it credits the attacker with knowing the difference: the LP
            # stays feasible and errs on the side of hiding.
            constant = np.asarray(on_hidden @ self.filled[cells, k]).ravel()
            at = block_of[k]
            blocks.append(sparse.hstack([
                sparse.csr_matrix((on_hidden.shape[0], h * at)), on_hidden,
                sparse.csr_matrix((on_hidden.shape[0], h * (len(columns) - 1 - at)))])[keep])
            constants.append(constant[keep])
        a_eq = sparse.vstack(blocks).tocsr() if blocks else None
        b_eq = np.concatenate(constants) if blocks else None
        # A part is at most its whole; a complement is the whole less the part.
        ub_rows = [{block_of[a] * h + j: 1.0, block_of[b] * h + j: -1.0}
                   for _n, a, b in pairs for j in range(h)
                   if np.isfinite(self.x[cells[j], a]) and np.isfinite(self.x[cells[j], b])]
        complement = {k_base + number: (a, b) for number, a, b in pairs}
        targets = []
        for j, k in wanted:
            if k < k_base:
                targets.append({block_of[k] * h + j: 1.0})
            else:
                a, b = complement[k]
                targets.append({block_of[b] * h + j: 1.0, block_of[a] * h + j: -1.0})
        a_ub = _matrix(ub_rows, n_vars) if ub_rows else None
        b_ub = np.zeros(len(ub_rows)) if ub_rows else None
        small = _small_maxima(n_vars, a_eq, b_eq, a_ub, b_ub, targets)
        return sorted({(int(cells[wanted[t][0]]), wanted[t][1]) for t in small})

    def mend(self, hidden: np.ndarray, disclosed: list[tuple[int, int]]) -> np.ndarray:
        """Hide, for each disclosed count (a cell and a published column), one shown cell of
        a sum it is in: a part rather than a total, one whose same count is 5 or more, the
        smallest such."""
        hidden = hidden.copy()
        for cell, column in disclosed:
            sums = self.by_cell.indices[self.by_cell.indptr[cell]:self.by_cell.indptr[cell + 1]]
            row = np.unique(np.concatenate(
                [self.members.indices[self.members.indptr[s]:self.members.indptr[s + 1]]
                 for s in sums if self.live[s]] or [np.zeros(0, dtype=np.int64)]))
            candidates = row[~hidden[row]]
            if not len(candidates):
                continue
            counts_here = self.filled[candidates, column]
            order = np.lexsort((candidates, counts_here, counts_here < SMALL_ENOUGH,
                                self.total_count[candidates]))
            hidden[candidates[order[0]]] = True
        return hidden


SMALL_ENOUGH = HIGHEST_HIDDEN + 1
_EPSILON = 1e-6


def _matrix(rows: list[dict[int, float]], width: int):
    from scipy import sparse

    r = [i for i, row in enumerate(rows) for _ in row]
    c = [j for row in rows for j in row]
    v = [value for row in rows for value in row.values()]
    return sparse.csr_matrix((v, (r, c)), shape=(len(rows), width))


def _small_maxima(n, a_eq, b_eq, a_ub, b_ub, targets) -> list[int]:
    """The targets (linear expressions of the n unknowns, all ≥ 0) whose largest feasible
    value is above 0 and below 5.

    Rather than one LP per target, each round maximises Σ min(target, 5) over the targets not
    yet shown to reach 5, clearing every target that does at once; targets left when a round
    clears none are maximised one by one.
    """
    from scipy import sparse
    from scipy.optimize import linprog

    left = list(range(len(targets)))
    while left:
        m = len(left)
        link = _matrix([{**{v: -c for v, c in targets[t].items()}, n + j: 1.0}
                        for j, t in enumerate(left)], n + m)
        ub = [link]
        b_upper = [np.zeros(m)]
        if a_ub is not None:
            ub.insert(0, sparse.hstack([a_ub, sparse.csr_matrix((a_ub.shape[0], m))]))
            b_upper.insert(0, b_ub)
        eq = sparse.hstack([a_eq, sparse.csr_matrix((a_eq.shape[0], m))]) if a_eq is not None \
            else None
        result = linprog(np.concatenate([np.zeros(n), -np.ones(m)]),
                         A_ub=sparse.vstack(ub).tocsr(), b_ub=np.concatenate(b_upper),
                         A_eq=eq, b_eq=b_eq, bounds=[(0, None)] * n + [(0, SMALL_ENOUGH)] * m,
                         method="highs")
        if result.status != 0:  # the counts do not add up as given: nothing to learn
            logger.warning("Suppression check skipped: the sums given do not hold (%s)",
                           result.message)
            return []
        cleared = result.x[n:] >= SMALL_ENOUGH - _EPSILON
        if not cleared.any():
            if -result.fun < _EPSILON:  # none can be above 0: every one is known to be 0
                return []
            break
        left = [t for t, done in zip(left, cleared, strict=True) if not done]
    small = []
    for t in left:
        c = np.zeros(n)
        for v, coefficient in targets[t].items():
            c[v] = -coefficient
        result = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                         bounds=[(0, None)] * n, method="highs")
        if result.status == 0 and _EPSILON < -result.fun < SMALL_ENOUGH - _EPSILON:
            small.append(t)
    return small


def mask_values(values, hidden: np.ndarray) -> np.ndarray:
    """``values`` with the hidden positions set to NaN (for rates and limits from counts)."""
    out = as_float_array(values, "value").copy()
    out[hidden] = np.nan
    return out


def round_to_5(counts) -> np.ndarray:
    """Counts rounded to the nearest 5, halves up (1 and 2 → 0, 3 to 7 → 5); NaN stays NaN."""
    x = np.asarray(counts, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.floor(x / ROUNDING_BASE + 0.5) * ROUNDING_BASE
