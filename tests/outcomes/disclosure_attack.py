"""An attacker on published figures: given what a reader can see (values as the API gives
them, the public geography, the register's footprints), work out every hidden count as
tightly as linear programming allows, and report each one that comes out as a small number.

Written from the published rules of geography and the register, not from
``outcomes.compute``: the sums it uses are the ones a reader would use.

* an area's total is the sum of its breakdown by each dimension (sex, substance …);
* England is the sum of the regions and of the publishing geography's areas; a region is
  the sum of its authorities (or police force areas);
* a partnership is the sum of the authorities its footprint covered on the period's last
  day (or those it first covered, for periods before its footprint); for a metric published
  for police force areas, a partnership inside one force shows that force's figure, and a
  partnership over several forces their sum.

Each hidden row's numerator, and its denominator, are unknowns (≥ 0; for a proportion the
numerator is at most the denominator). The attacker maximises each unknown (and each
proportion's complement, denominator − numerator) under all the sums at once; a hidden count
whose largest possible value is above 0 but below 5 is *disclosed*: the reader knows it is a
small number. Sums that a fully visible row contradicts are dropped (and counted), so a
mistaken rule can only make the attacker weaker, never invent a disclosure; an inconsistent
set of sums fails loudly.

The LP relaxation is used (counts are not forced to whole numbers): its bounds are at least
as wide as the integer ones, so an integer attacker could in rare cases learn a little more.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

SMALL = 5  # counts below this (and above 0) are what suppression protects
EPS = 1e-6


@dataclass(frozen=True)
class Place:
    code: str
    type: str
    region: str | None
    pfa: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass
class Geography:
    places: dict[str, Place]
    #: partnership slug → [(authority code, valid_from, valid_to)]
    coverages: dict[str, list[tuple[str, dt.date, dt.date | None]]]

    def footprint(self, slug: str, end: dt.date) -> list[str]:
        spans = sorted(self.coverages.get(slug, []), key=lambda s: s[1])
        now = [c for c, start, stop in spans if start <= end and (stop is None or end <= stop)]
        if now:
            return now
        if spans and end < spans[0][1]:
            first = spans[0][1]
            return [c for c, start, _stop in spans if start == first]
        return []

    def region_of(self, code: str) -> str | None:
        place = self.places[code]
        if place.type == "pfa":
            regions = {p.region for p in self.places.values() if p.pfa == code and p.region}
            return next(iter(regions)) if len(regions) == 1 else None
        return place.region


@dataclass
class Finding:
    metric: str
    period: str
    row: tuple
    count: str  # numerator, denominator or complement
    most: float

    def __str__(self) -> str:
        kind, where, breakdown = self.row
        return (f"{self.metric} {self.period} {where} [{breakdown or 'total'}]: hidden "
                f"{self.count} is at most {self.most:.2f}")


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    hidden: int = 0
    relations: int = 0
    dropped: int = 0
    tables: int = 0


def _relations(rows: dict, geography: Geography, geography_type: str, end: dt.date
               ) -> list[list[tuple]]:
    """Sums among the rows of one table (metric and period): [total key, part keys …]."""
    keys = set(rows)
    breakdowns = {b for _k, _w, b in keys}
    areas = {w for k, w, _b in keys if k == "area"}
    base = sorted(w for w in areas if geography.places[w].type == geography_type)
    relations = []

    def add(total: tuple, parts: list[tuple]) -> None:
        for breakdown in breakdowns:
            t = (*total, breakdown)
            ps = [(*p, breakdown) for p in parts]
            if t in keys and ps:
                relations.append([t, *ps])

    england = next((w for w in areas if geography.places[w].type == "country"), None)
    regions = sorted(w for w in areas if geography.places[w].type == "region")
    if england and geography_type != "country":
        add(("area", england), [("area", r) for r in regions])
        add(("area", england), [("area", a) for a in base])
    by_region = defaultdict(list)
    for a in base:
        region = geography.region_of(a)
        if region:
            by_region[region].append(("area", a))
    for region, parts in by_region.items():
        add(("area", region), parts)
    for slug in {w for k, w, _b in keys if k == "partnership"}:
        footprint = geography.footprint(slug, end)
        if geography_type == "utla":
            add(("partnership", slug), [("area", a) for a in footprint])
        elif geography_type == "pfa":
            forces = sorted({geography.places[a].pfa for a in footprint} - {None})
            add(("partnership", slug), [("area", f) for f in forces])
    # Breakdowns: the total without one dimension is the sum over that dimension's values.
    children = defaultdict(list)
    for kind, where, breakdown in keys:
        pairs = [p for p in breakdown.split(";") if p]
        for pair in pairs:
            parent = ";".join(q for q in pairs if q != pair)
            children[(kind, where, parent, pair.split("=", 1)[0])].append((kind, where, breakdown))
    for (kind, where, parent, _dimension), parts in children.items():
        if (kind, where, parent) in keys:
            relations.append([(kind, where, parent), *parts])
    return relations


def attack_table(metric: str, method: str, period: str, end: dt.date, rows: dict,
                 geography: Geography, geography_type: str, report: Report,
                 rounded_denominators: bool = False) -> None:
    """``rows``: (kind, code or slug, breakdown) → {numerator, denominator, suppressed}.
    ``rounded_denominators``: denominators are published rounded to 5, so they do not add
    up and are not used."""
    report.tables += 1
    counts = ["numerator"] if method == "count" or rounded_denominators else [
        "numerator", "denominator"]
    unknown: dict[tuple, int] = {}  # (row key, count) → variable
    for key, row in rows.items():
        for count in counts:
            if row["suppressed"] or row[count] is None:
                unknown[(key, count)] = len(unknown)
    hidden_keys = [k for k, r in rows.items() if r["suppressed"]]
    report.hidden += len(hidden_keys)
    if not hidden_keys:
        return
    a_rows, a_cols, a_vals, b = [], [], [], []
    for relation in _relations(rows, geography, geography_type, end):
        for count in counts:
            coefficients = defaultdict(float)
            constant = 0.0
            for sign, key in [(1.0, relation[0])] + [(-1.0, k) for k in relation[1:]]:
                if key not in rows and (key, count) not in unknown:  # not published at all
                    unknown[(key, count)] = len(unknown)
                if (key, count) in unknown:
                    coefficients[unknown[(key, count)]] += sign
                else:
                    constant -= sign * rows[key][count]
            coefficients = {v: c for v, c in coefficients.items() if c}
            if not coefficients:
                if abs(constant) > 1e-6 * max(1.0, abs(constant)):
                    report.dropped += 1  # the published figures do not add up this way
                continue
            row_number = len(b)
            for variable, coefficient in coefficients.items():
                a_rows.append(row_number)
                a_cols.append(variable)
                a_vals.append(coefficient)
            b.append(constant)
            report.relations += 1
    n = len(unknown)
    a_eq = sparse.csr_matrix((a_vals, (a_rows, a_cols)), shape=(len(b), n)) if b else None
    # A proportion's numerator is at most its denominator.
    ub_rows, ub_cols, ub_vals = [], [], []
    upper_bounds = []
    if method == "proportion" and "denominator" in counts:
        for key, row in rows.items():
            num, den = (key, "numerator"), (key, "denominator")
            if num not in unknown and den not in unknown:
                continue
            line = len(upper_bounds)
            constant = 0.0
            if num in unknown:
                ub_rows.append(line), ub_cols.append(unknown[num]), ub_vals.append(1.0)
            else:
                constant -= row["numerator"]
            if den in unknown:
                ub_rows.append(line), ub_cols.append(unknown[den]), ub_vals.append(-1.0)
            else:
                constant += row["denominator"]
            upper_bounds.append(constant)
    a_ub = (sparse.csr_matrix((ub_vals, (ub_rows, ub_cols)), shape=(len(upper_bounds), n))
            if upper_bounds else None)
    # Targets: each hidden row's counts (and complement), as linear expressions.
    targets = []
    for key in hidden_keys:
        for count in counts:
            targets.append((key, count, {unknown[(key, count)]: 1.0}))
        if method == "proportion" and "denominator" in counts:
            targets.append((key, "complement", {unknown[(key, "denominator")]: 1.0,
                                                unknown[(key, "numerator")]: -1.0}))
    for key, count, most in _small_maxima(n, a_eq, b, a_ub, upper_bounds, targets, metric,
                                          period):
        report.findings.append(Finding(metric, period, key, count, most))


def _small_maxima(n, a_eq, b, a_ub, b_ub, targets, metric, period):
    """The targets whose largest feasible value is in (0, 5).

    Rather than one LP per target, each round maximises Σ min(target, 5) over the targets
    not yet shown to reach 5: every target at 5 in the optimum is cleared at once. Targets
    left when a round clears none are maximised one by one.
    """
    left = list(range(len(targets)))
    while left:
        m = len(left)
        # Variables: the n unknowns, then y_1 … y_m with y_j ≤ target_j and 0 ≤ y_j ≤ 5.
        t_rows, t_cols, t_vals = [], [], []
        for j, index in enumerate(left):
            for variable, coefficient in targets[index][2].items():
                t_rows.append(j), t_cols.append(variable), t_vals.append(-coefficient)
            t_rows.append(j), t_cols.append(n + j), t_vals.append(1.0)
        link = sparse.csr_matrix((t_vals, (t_rows, t_cols)), shape=(m, n + m))
        ub = [link]
        b_upper = [np.zeros(m)]
        if a_ub is not None:
            ub.insert(0, sparse.hstack([a_ub, sparse.csr_matrix((a_ub.shape[0], m))]))
            b_upper.insert(0, np.asarray(b_ub))
        eq = sparse.hstack([a_eq, sparse.csr_matrix((a_eq.shape[0], m))]) if a_eq is not None \
            else None
        result = linprog(
            np.concatenate([np.zeros(n), -np.ones(m)]),
            A_ub=sparse.vstack(ub).tocsr(), b_ub=np.concatenate(b_upper),
            A_eq=eq, b_eq=np.asarray(b) if eq is not None else None,
            bounds=[(0, None)] * n + [(0, SMALL)] * m, method="highs")
        assert result.status == 0, f"{metric} {period}: the published sums are inconsistent " \
                                   f"({result.message})"
        y = result.x[n:]
        cleared = y >= SMALL - EPS
        if cleared.any():
            left = [index for index, done in zip(left, cleared, strict=True) if not done]
            continue
        break
    for index in left:  # one by one
        key, count, expression = targets[index]
        c = np.zeros(n)
        for variable, coefficient in expression.items():
            c[variable] = -coefficient
        result = linprog(c, A_ub=a_ub, b_ub=np.asarray(b_ub) if a_ub is not None else None,
                         A_eq=a_eq, b_eq=np.asarray(b) if a_eq is not None else None,
                         bounds=[(0, None)] * n, method="highs")
        if result.status == 3:  # unbounded: no limit at all
            continue
        assert result.status == 0, f"{metric} {period}: {result.message}"
        most = -result.fun
        if EPS < most < SMALL - EPS:
            yield key, count, most
