"""The outcomes engine: every computed value of a metric, from its observations.

Pure computation: Polars, NumPy and ``cdphub.stats``, no Django and no database, so it is
tested with plain data (``tests/outcomes/test_engine.py``). ``compute.py`` reads the
observations, the places and the footprints, runs the engine and hands the rows to the
store. What it computes:

``recompute_metrics(metric_ids)`` replaces each metric's ``ComputedValue`` rows (one
transaction per metric) with:

* **each area in the observations** (authority, police force area, region, England as
  loaded). A loaded value and limits are the published figure and are kept; otherwise the
  value is computed from the numerator and denominator (and, for standardised rates, the
  age-band rows) with ``cdphub.stats``.
* **each region and England**, where not loaded, by *summing* the numerators and
  denominators of the publishing geography (for a DSR the age-band counts and populations,
  then ``stats.dsr``); never by averaging rates. Where England (or a region) is loaded as
  well, the loaded figure is kept and a difference from the sum is noted on the row.
* **each partnership**, by summing the authorities its footprint covered on the period's
  last day (``Coverage`` valid on ``period_end``). A figure under a code that had already
  been replaced (Cumbria, E10000006, after March 2023) belongs to the partnership that
  covered that code on its last day; a period before an authority was first covered belongs
  to the partnership that first covered it (so partnerships formed in 2022 have a history),
  and the row says so. An authority replaced before partnerships began (Buckinghamshire
  county, 2020) belongs to the partnership that covers its successor, if there is one.
  Where a metric is published only for police force areas (or regions) the partnership gets
  its force area's figure (the sum of the forces, if it spans more than one), with a
  ``geography_note`` naming them.

* **a partnership's own local metric** may be loaded for the partnership as a whole (an
  observation whose area is minus the partnership's id, ``loading.partnership_place``): that
  figure is the partnership's (``geography_source`` "whole"), kept even where its authorities
  have figures too, as a loaded region's is. A local metric gives no other partnership a row.

An aggregate is computed only when every authority it needs has a figure; otherwise the row
has no value and its note names what is missing. When both an authority and its successor
(or predecessor) have figures for the same period, the one in use on the period's last day
counts, so nothing is counted twice.

Then, for each breakdown and period, the comparison with England and with the region
(``stats.compare`` at 95% and 99.8% with the metric's polarity; counts are not compared),
the recent trend over the last five periods (``stats.recent_trend``) on each series' latest
row, small-number suppression for metrics whose disclosure rule is ``suppress-1-4``
(``stats.suppress``, see ``_suppression``; a partnership's figure loaded as a whole beside
only some of its authorities also protects the authorities not loaded, ``_unloaded``), and
``is_synthetic`` wherever any contributing load is synthetic.

Queries do not depend on the number of areas: five to read the metrics, areas, boundary
changes, footprints and partnerships; then per metric one to read its observations, one to
delete and one ``executemany`` to insert (``store.replace_values``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl

from cdphub import stats
from cdphub.framework.outcomes import outcomes_framework
from cdphub.geography.codes import ENGLAND_CODE
from cdphub.stats.compare import NOT_COMPARED

logger = logging.getLogger(__name__)

VALUE_COLUMNS = ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8")
AREA, PARTNERSHIP = 0, 1  # the two kinds of row: an area's, or a partnership's
ROW_KEY = ["kind", "id", "p", "breakdown"]
#: The area type whose figures are summed, for each publishing geography.
BASE_TYPE = {"utla": "utla", "pfa": "pfa", "region": "region", "england": "country"}
#: A loaded England or region figure that differs from the sum by more than this is noted.
DIFFERENCE_NOTED = 1e-6

WHOLE = "Loaded for the partnership as a whole"
BEFORE_FOOTPRINT = ("Before the footprint was registered: figures for the authorities the "
                    "partnership first covered")

OBSERVATION_SCHEMA = {
    "area": pl.Int64, "period_start": pl.Date, "period_end": pl.Date, "period_label": pl.String,
    "breakdown": pl.String, "age_band": pl.String, "numerator": pl.Float64,
    "denominator": pl.Float64, "value": pl.Float64, "lower_95": pl.Float64,
    "upper_95": pl.Float64, "lower_99_8": pl.Float64, "upper_99_8": pl.Float64,
    "synthetic": pl.Boolean,
}


# ----------------------------------------------------------------------------- geography


@dataclass(frozen=True)
class Place:
    id: int
    code: str
    name: str
    type: str
    region_id: int | None
    pfa_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    def valid_on(self, date: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= date) and (
            self.valid_to is None or date <= self.valid_to)


class Places:
    """Areas, boundary changes and footprints, read once per recomputation (five queries)."""

    def __init__(self, places, links, coverages, partnership_regions):
        self.by_id: dict[int, Place] = {p.id: p for p in places}
        self.england_id = next((p.id for p in places if p.code == ENGLAND_CODE), None)
        self.successors: dict[int, set[int]] = defaultdict(set)
        self.predecessors: dict[int, set[int]] = defaultdict(set)
        for old, new in links:
            self.successors[old].add(new)
            self.predecessors[new].add(old)
        self.coverages: dict[int, list[tuple[dt.date, dt.date | None, int]]] = defaultdict(list)
        for partnership_id, area_id, valid_from, valid_to in coverages:
            self.coverages[area_id].append((valid_from, valid_to, partnership_id))
        for spans in self.coverages.values():
            spans.sort()
        self.partnership_region = dict(partnership_regions)
        self.utlas = [p for p in places if p.type == "utla"]
        # A police force area lies within one region: the region of its authorities.
        regions_of_force: dict[int, set[int]] = defaultdict(set)
        for utla in self.utlas:
            if utla.pfa_id and utla.region_id:
                regions_of_force[utla.pfa_id].add(utla.region_id)
        self.pfa_region = {pfa: next(iter(r)) for pfa, r in regions_of_force.items() if len(r) == 1}
        self._assigned: dict[tuple[int, dt.date], tuple[int, bool] | None] = {}
        self._footprints: dict[dt.date, dict[int, list[int]]] = {}

    def region_of(self, area_id: int) -> int | None:
        place = self.by_id[area_id]
        if place.type == "pfa":
            return self.pfa_region.get(area_id)
        return place.region_id

    def partnership_of(self, area_id: int, date: dt.date) -> tuple[int, bool] | None:
        """The partnership an authority's figure for a period ending on ``date`` belongs to,
        and whether that is only because the period came before the authority was covered."""
        key = (area_id, date)
        if key not in self._assigned:
            self._assigned[key] = self._partnership_of(area_id, date)
        return self._assigned[key]

    def _partnership_of(self, area_id: int, date: dt.date) -> tuple[int, bool] | None:
        place = self.by_id[area_id]
        on = date if place.valid_to is None or date <= place.valid_to else place.valid_to
        spans = self.coverages.get(area_id, ())
        for start, end, partnership_id in spans:
            if start <= on and (end is None or on <= end):
                return partnership_id, False
        if spans and on < spans[0][0]:
            return spans[0][2], True
        if not spans:
            # Never covered itself (replaced before partnerships began, as Buckinghamshire
            # county was in 2020): the partnership that covers what it became, if they all
            # went to one partnership (Northamptonshire's two halves did not).
            heirs = {self.partnership_of(s, date) for s in self.successors.get(area_id, ())}
            if len(heirs) == 1 and None not in heirs:
                return next(iter(heirs))[0], True
        return None

    def footprints(self, date: dt.date) -> dict[int, list[int]]:
        """Every authority (in use or not) whose figures for a period ending on ``date``
        belong to each partnership."""
        if date not in self._footprints:
            result: dict[int, list[int]] = defaultdict(list)
            for utla in self.utlas:
                assigned = self.partnership_of(utla.id, date)
                if assigned:
                    result[assigned[0]].append(utla.id)
            self._footprints[date] = dict(result)
        return self._footprints[date]

    def deduplicate(self, present: set[int], date: dt.date) -> set[int]:
        """Drop an area not in use on ``date`` whose successor or predecessor (in use on that
        date) also has figures: the same people would otherwise be counted twice."""
        kept = set(present)
        for area_id in present:
            if self.by_id[area_id].valid_on(date):
                continue
            linked = self.successors.get(area_id, set()) | self.predecessors.get(area_id, set())
            if any(o in present and self.by_id[o].valid_on(date) for o in linked):
                kept.discard(area_id)
        return kept

    def accounted(self, area_id: int, present: set[int]) -> bool:
        """Whether an area's people are in ``present``: itself, all its successors, or a
        predecessor that covered it."""
        if area_id in present:
            return True
        if any(p in present for p in self.predecessors.get(area_id, ())):
            return True
        successors = self.successors.get(area_id)
        return bool(successors) and all(self.accounted(s, present) for s in successors)

    def names(self, area_ids: Iterable[int], limit: int = 3) -> str:
        names = sorted(self.by_id[a].name for a in set(area_ids))
        if len(names) > limit:
            return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
        return _join_names(names)


def _join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ----------------------------------------------------------------------------- statistics


def _empty(length: int) -> dict[str, np.ndarray]:
    return {name: np.full(length, np.nan) for name in VALUE_COLUMNS}


def _from_totals(method: str, multiplier: float, numerator: np.ndarray,
                 denominator: np.ndarray) -> dict[str, np.ndarray]:
    """Value and limits from numerators and denominators (not DSR/ISR)."""
    out = _empty(len(numerator))
    if method == "count":
        out["value"] = numerator.copy()
        return out
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(numerator) & np.isfinite(denominator) & (denominator > 0) & (
            numerator >= 0)
    if method == "mean":  # sum of values / number of values: no limits without the values
        out["value"][usable] = numerator[usable] / denominator[usable]
        return out
    if method == "proportion":
        usable &= numerator <= denominator
        function = stats.proportion
    elif method == "crude-rate":
        function = stats.crude_rate
    else:
        raise ValueError(f"unknown method {method!r}")
    if usable.any():
        result = function(numerator[usable], denominator[usable], multiplier)
        for name in VALUE_COLUMNS:
            out[name][usable] = result[name]
    return out


def _from_parts(method: str, multiplier: float, rows: int, parts: pl.DataFrame,
                reference: pl.DataFrame | None) -> dict[str, np.ndarray]:
    """Value and limits of standardised rates from age-band rows.

    ``parts`` has ``row`` (the output row each band belongs to), ``age_band``, ``x`` and ``n``.
    A row with a missing or non-positive population, or an age band outside the standard,
    gets no value.
    """
    out = _empty(rows)
    if parts.is_empty():
        return out
    if method == "dsr":
        weights = stats.esp2013()
        parts = parts.with_columns(w=pl.col("age_band").replace_strict(
            weights, default=None, return_dtype=pl.Float64))
        bad = parts.filter(pl.col("n").is_null() | (pl.col("n") <= 0) | pl.col("w").is_null())
        parts = parts.join(bad.select("row").unique(), on="row", how="anti").sort("row")
        if parts.is_empty():
            return out
        result = stats.dsr(parts["x"].to_numpy(), parts["n"].to_numpy(), parts["w"].to_numpy(),
                           groups=parts["row"].to_numpy(), multiplier=multiplier)
    else:  # isr: expected deaths from the reference (England) age-specific rates
        parts = parts.join(reference, on=["p", "breakdown", "age_band"], how="left")
        bad = parts.filter(pl.col("n").is_null() | (pl.col("n") < 0) | pl.col("ref_n").is_null()
                           | (pl.col("ref_n") <= 0))
        parts = parts.join(bad.select("row").unique(), on="row", how="anti").sort("row")
        if parts.is_empty():
            return out
        result = stats.isr_ratio(parts["x"].to_numpy(), parts["n"].to_numpy(),
                                 parts["ref_x"].to_numpy(), parts["ref_n"].to_numpy(),
                                 groups=parts["row"].to_numpy(), refvalue=multiplier)
    index = np.asarray(result["group"], dtype=np.int64)
    for name in VALUE_COLUMNS:
        out[name][index] = result[name]
    return out


# ----------------------------------------------------------------------------- one metric


class MetricComputation:
    """All computed values of one metric, from its current observations (one query)."""

    def __init__(self, metric, places: Places, observations: pl.DataFrame):
        self.metric = metric
        self.places = places
        # An area's figures, and a partnership's figures as a whole (its local metrics: the
        # area is minus the partnership's id, ``loading.partnership_place``).
        self._observations = observations.filter(
            pl.col("area").is_in(list(places.by_id))
            | (pl.col("area") < 0) & (-pl.col("area")).is_in(list(places.partnership_region)))
        # A local metric is its partnership's own: no other partnership gets a row.
        self.owner = getattr(metric, "partnership_id", None)
        self.base_type = BASE_TYPE[metric.geography]
        self.standardised = metric.method in ("dsr", "isr")
        # Whether a sum cdphub makes itself gets an interval (the framework's
        # ``aggregate_interval``; a local metric always does).
        try:
            self.aggregate_interval = outcomes_framework().metric(metric.key).aggregate_interval
        except KeyError:  # a local metric, or one no longer in the framework
            self.aggregate_interval = "computed"

    def frame(self) -> pl.DataFrame | None:
        """Every computed value of the metric: one row per (kind, id, p, breakdown), with
        ``self.periods[p]`` its period; ``None`` when there are no observations."""
        observations = self._observations
        if observations.is_empty():
            return None
        periods = (observations.select("period_start", "period_end", "period_label")
                   .unique(subset=["period_start", "period_end"], keep="first")
                   .sort("period_start", "period_end"))
        self.periods = [(row[0], row[1], row[2]) for row in periods.iter_rows()]
        observations = observations.join(
            periods.with_row_index("p").select(pl.col("p").cast(pl.Int64), "period_start",
                                               "period_end"),
            on=["period_start", "period_end"])
        units, parts = self.units, self.parts = self._units(observations)
        own = self._own_rows(units, parts)
        aggregates = self._aggregate_rows(units, parts)
        rows = self._merge(own, aggregates)
        rows = self._disclosure(rows)
        rows = self._compare(rows)
        return self._trend(rows)

    def _units(self, observations: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """One row per area, period and breakdown (``units``) with its numerator, denominator
        and loaded value; and the age-band rows (``parts``: area, p, breakdown, age_band, x, n)."""
        keys = ["area", "p", "breakdown"]
        totals = observations.filter(pl.col("age_band") == "").select(
            *keys, "numerator", "denominator", *VALUE_COLUMNS, "synthetic")
        parts = observations.filter(pl.col("age_band") != "").select(
            *keys, "age_band", x=pl.col("numerator"), n=pl.col("denominator"),
            synthetic=pl.col("synthetic"))
        summed = parts.group_by(keys).agg(
            part_x=pl.col("x").fill_null(0).sum(), part_n=pl.col("n").sum(),
            part_n_missing=pl.col("n").is_null().any() | (pl.col("n") <= 0).any(),
            part_synthetic=pl.col("synthetic").any())
        units = totals.join(summed, on=keys, how="full", coalesce=True)
        numerator = pl.coalesce("numerator", "part_x")
        if self.metric.method == "count":
            numerator = pl.coalesce("numerator", "value", "part_x")
        denominator = pl.coalesce(
            "denominator", pl.when(~pl.col("part_n_missing")).then(pl.col("part_n")))
        units = units.with_columns(
            numerator=numerator, denominator=denominator,
            synthetic=pl.col("synthetic").fill_null(False) | pl.col("part_synthetic").fill_null(False),
            has_parts=pl.col("part_x").is_not_null(),
        )
        # Usable for summing: what the method needs is present.
        if self.standardised:
            usable = pl.col("has_parts") & ~pl.col("part_n_missing").fill_null(True)
        elif self.metric.method == "count":
            usable = pl.col("numerator").is_not_null()
        else:
            usable = pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null()
        units = units.with_columns(usable=usable).drop(
            "part_x", "part_n", "part_n_missing", "part_synthetic")
        return units, parts.drop("synthetic")

    # --- the statistics for a set of rows

    def _statistics(self, rows: pl.DataFrame, parts: pl.DataFrame | None) -> pl.DataFrame:
        """``rows`` (kind, id, p, breakdown, numerator, denominator …) with value and limits
        computed; ``parts`` (kind, id, p, breakdown, age_band, x, n) for standardised rates."""
        metric = self.metric
        if self.standardised:
            indexed = rows.select(ROW_KEY).with_row_index("row")
            joined = parts.join(indexed, on=ROW_KEY).select(
                pl.col("row").cast(pl.Int64), "p", "breakdown", "age_band", "x", "n")
            values = _from_parts(metric.method, metric.multiplier, len(rows), joined,
                                 self._reference if metric.method == "isr" else None)
        else:
            values = _from_totals(metric.method, metric.multiplier,
                                  rows["numerator"].to_numpy().astype(np.float64),
                                  rows["denominator"].to_numpy().astype(np.float64))
        return rows.with_columns(
            pl.Series(name, values[name], dtype=pl.Float64, nan_to_null=True)
            for name in VALUE_COLUMNS)

    @cached_property
    def _reference(self) -> pl.DataFrame:
        """For ISRs: England's age-specific counts and populations per period and breakdown
        (the sum of the publishing geography's age-band rows)."""
        kept = self._deduplicated_base(self.units)
        parts = self.parts.join(kept, on=["area", "p"], how="semi")
        return parts.group_by("p", "breakdown", "age_band").agg(
            ref_x=pl.col("x").fill_null(0).sum(), ref_n=pl.col("n").sum())

    # --- each area's own row

    def _own_rows(self, units: pl.DataFrame, parts: pl.DataFrame) -> pl.DataFrame:
        """Each loaded place's own row: an area's, or a partnership's figure as a whole
        (a negative area: ``kind`` PARTNERSHIP, ``id`` the partnership's)."""
        whole = pl.col("area") < 0
        kind = pl.when(whole).then(pl.lit(PARTNERSHIP)).otherwise(pl.lit(AREA)).cast(pl.Int64)
        loaded = units.select(ROW_KEY[2:], area="area", **{
            f"loaded_{name}": pl.col(name) for name in VALUE_COLUMNS})
        rows = units.select(
            kind=kind, id=pl.col("area").abs(), area="area", p="p", breakdown="breakdown",
            numerator="numerator", denominator="denominator", synthetic="synthetic")
        own_parts = parts.with_columns(kind=kind, id=pl.col("area").abs())
        rows = self._statistics(rows.drop("area"), own_parts.drop("area"))
        rows = rows.join(loaded.with_columns(kind=kind, id=pl.col("area").abs()).drop("area"),
                         on=["kind", "id", "p", "breakdown"])
        # The published (loaded) value and limits are the official figure.
        published = pl.col("loaded_value").is_not_null()
        loaded_whole = pl.col("kind") == PARTNERSHIP
        return rows.with_columns(
            [pl.when(published).then(pl.coalesce(f"loaded_{n}", n)).otherwise(pl.col(n)).alias(n)
             for n in VALUE_COLUMNS]
        ).with_columns(
            note=pl.when(loaded_whole).then(pl.lit(WHOLE)).otherwise(pl.lit("")),
            source=pl.when(loaded_whole).then(pl.lit("whole")).otherwise(pl.lit("")),
        ).drop([f"loaded_{n}" for n in VALUE_COLUMNS])

    def _deduplicated_base(self, units: pl.DataFrame) -> pl.DataFrame:
        """(area, p) of the publishing geography's usable figures, without double counting."""
        base = units.filter(pl.col("area").is_in(self._base_ids) & pl.col("usable"))
        kept = []
        for (p,), group in base.group_by("p"):
            end = self.periods[p][1]
            kept += [(a, p) for a in self.places.deduplicate(set(group["area"].to_list()), end)]
        return pl.DataFrame(kept, schema={"area": pl.Int64, "p": pl.Int64}, orient="row")

    @property
    def _parts_name(self) -> str:
        return {"utla": "authorities", "pfa": "police force areas",
                "region": "regions"}.get(self.metric.geography, "parts")

    @cached_property
    def _base_ids(self) -> list[int]:
        return [p.id for p in self.places.by_id.values() if p.type == self.base_type]

    # --- regions, England and partnerships

    def _members(self, units: pl.DataFrame) -> tuple[pl.DataFrame, dict, dict, dict]:
        """Which base areas make up each region, England and partnership per period.

        Returns the membership frame (kind, id, p, member), the areas each target needs
        (for the missing-figures check), and the notes and ``geography_source`` (a key of
        ``GEOGRAPHY_SOURCES``) of partnership rows whose figure is not their footprint's.
        """
        places = self.places
        base = units.filter(pl.col("area").is_in(self._base_ids))
        present_by_period: dict[int, set[int]] = defaultdict(set)
        for area, p in base.select("area", "p").unique().iter_rows():
            present_by_period[p].add(area)
        members: list[tuple[int, int, int, int]] = []
        expected: dict[tuple[int, int, int], list[int]] = {}
        notes: dict[tuple[int, int, int], str] = {}
        sources: dict[tuple[int, int, int], str] = {}
        geography = self.metric.geography
        for p, (_start, end, _label) in enumerate(self.periods):
            present = places.deduplicate(present_by_period.get(p, set()), end)
            valid_base = [a for a in self._base_ids if places.by_id[a].valid_on(end)]
            if geography == "england":
                continue
            # England, and the regions (for authorities and force areas).
            if places.england_id is not None:
                for area in present:
                    members.append((AREA, places.england_id, p, area))
                expected[(AREA, places.england_id, p)] = valid_base
            if geography in ("utla", "pfa"):
                by_region: dict[int, list[int]] = defaultdict(list)
                for area in valid_base:
                    region = places.region_of(area)
                    if region is not None:
                        by_region[region].append(area)
                for area in present:
                    region = places.region_of(area)
                    if region is not None:
                        members.append((AREA, region, p, area))
                for region, areas in by_region.items():
                    expected[(AREA, region, p)] = areas
            # Partnerships (for a local metric, only its own partnership).
            footprints = places.footprints(end)
            if self.owner is not None:
                footprints = {k: v for k, v in footprints.items() if k == self.owner}
            if geography == "utla":
                before: dict[int, bool] = defaultdict(bool)
                for area in present:
                    assigned = places.partnership_of(area, end)
                    if assigned and assigned[0] in footprints:
                        members.append((PARTNERSHIP, assigned[0], p, area))
                        before[assigned[0]] |= assigned[1]
                for partnership_id, areas in footprints.items():
                    expected[(PARTNERSHIP, partnership_id, p)] = [
                        a for a in areas if places.by_id[a].valid_on(end)]
                    if before[partnership_id]:
                        notes[(PARTNERSHIP, partnership_id, p)] = BEFORE_FOOTPRINT
                        sources[(PARTNERSHIP, partnership_id, p)] = "before_footprint"
            else:  # the force areas (or regions) the footprint lies in
                for partnership_id, areas in footprints.items():
                    containing = sorted({
                        (places.by_id[a].pfa_id if geography == "pfa" else places.by_id[a].region_id)
                        for a in areas} - {None})
                    if not containing:
                        continue
                    for area in containing:
                        members.append((PARTNERSHIP, partnership_id, p, area))
                    expected[(PARTNERSHIP, partnership_id, p)] = containing
                    kind = "police force area" if geography == "pfa" else "region"
                    names = _join_names(sorted(places.by_id[a].name for a in containing))
                    plural = "s" if len(containing) > 1 else ""
                    notes[(PARTNERSHIP, partnership_id, p)] = f"Figure for the {kind}{plural}: {names}"
                    sources[(PARTNERSHIP, partnership_id, p)] = geography
        frame = pl.DataFrame(members, schema={"kind": pl.Int64, "id": pl.Int64, "p": pl.Int64,
                                              "member": pl.Int64}, orient="row")
        return frame, expected, notes, sources

    def _aggregate_rows(self, units: pl.DataFrame, parts: pl.DataFrame) -> pl.DataFrame:
        members, expected, notes, sources = self._members(units)
        usable = units.filter(pl.col("usable")).select(
            member="area", p="p", breakdown="breakdown", numerator="numerator",
            denominator="denominator", synthetic="synthetic")
        joined = members.join(usable, on=["member", "p"])
        sums = joined.group_by(ROW_KEY).agg(
            pl.col("numerator").sum(), pl.col("denominator").sum(),
            pl.col("synthetic").any(), members=pl.col("member").sort())
        agg_parts = None
        if self.standardised:
            agg_parts = (members.join(parts.rename({"area": "member"}), on=["member", "p"])
                         .join(usable.select("member", "p", "breakdown"),
                               on=["member", "p", "breakdown"], how="semi")
                         .group_by([*ROW_KEY, "age_band"])
                         .agg(x=pl.col("x").fill_null(0).sum(), n=pl.col("n").sum()))
        if sums.is_empty():
            return pl.DataFrame()
        rows = self._statistics(sums, agg_parts)

        # Missing figures: a target is computed only when every area it needs has one.
        usable_sets: dict[tuple[int, str], set[int]] = defaultdict(set)
        for area, p, breakdown in usable.select("member", "p", "breakdown").iter_rows():
            usable_sets[(p, breakdown)].add(area)
        breakdowns_by_period: dict[int, set[str]] = defaultdict(set)
        base = units.filter(pl.col("area").is_in(self._base_ids))
        for p, breakdown in base.select("p", "breakdown").unique().iter_rows():
            breakdowns_by_period[p].add(breakdown)
        computed = set(rows.select(ROW_KEY).iter_rows())
        missing_notes, empty_targets = [], []
        for (kind, target, p), needed in expected.items():
            for breakdown in breakdowns_by_period[p]:
                present = usable_sets.get((p, breakdown), set())
                missing = [a for a in needed if not self.places.accounted(a, present)]
                if not missing:
                    continue
                entry = (kind, target, p, breakdown,
                         f"Not computed: no figures for {self.places.names(missing)}",
                         sources.get((kind, target, p), ""))
                if (kind, target, p, breakdown) in computed:
                    missing_notes.append(entry)
                else:
                    empty_targets.append(entry)
        key_schema = {"kind": pl.Int64, "id": pl.Int64, "p": pl.Int64, "breakdown": pl.String}
        target_notes = pl.DataFrame(
            [(k, i, p, b, notes.get((k, i, p), "")) for k, i, p, b in computed],
            schema={**key_schema, "note": pl.String}, orient="row")
        target_notes = target_notes.with_columns(source=pl.Series(
            [sources.get((k, i, p), "") for k, i, p in
             target_notes.select("kind", "id", "p").iter_rows()], dtype=pl.String))
        missing = pl.DataFrame([entry[:5] for entry in missing_notes],
                               schema={**key_schema, "missing": pl.String}, orient="row")
        rows = rows.join(target_notes, on=ROW_KEY, how="left").join(missing, on=ROW_KEY,
                                                                     how="left")
        complete = pl.col("missing").is_null()
        rows = rows.with_columns(
            [pl.when(complete).then(pl.col(n)).otherwise(None).alias(n)
             for n in ("numerator", "denominator", *VALUE_COLUMNS)]
        ).with_columns(
            note=pl.coalesce("missing", "note"),
            # A target made of one area shows that area's own row (its published figure).
            single=complete & (pl.col("members").list.len() == 1),
            member=pl.col("members").list.first(),
        ).drop("missing", "members")
        if self.aggregate_interval == "none":  # no interval can be made from the counts
            rows = rows.with_columns(
                [pl.when(pl.col("single")).then(pl.col(n)).otherwise(None).alias(n)
                 for n in ("lower_95", "upper_95", "lower_99_8", "upper_99_8")])
        if empty_targets:  # targets with figures for none of their areas: say so
            rows = pl.concat([rows, pl.DataFrame(empty_targets, schema={
                **key_schema, "note": pl.String, "source": pl.String}, orient="row")],
                how="diagonal_relaxed")
        return rows

    # --- merging own and aggregate rows

    def _merge(self, own: pl.DataFrame, aggregates: pl.DataFrame) -> pl.DataFrame:
        if aggregates.is_empty():
            return own
        numbers = ["numerator", "denominator", *VALUE_COLUMNS]
        # Single-member targets copy their member's own row (values, limits, synthetic).
        copies = aggregates.filter(pl.col("single").fill_null(False)).join(
            own.select(member="id", p="p", breakdown="breakdown", **{
                f"own_{n}": pl.col(n) for n in [*numbers, "synthetic"]}),
            on=["member", "p", "breakdown"], how="left")
        copies = copies.with_columns(
            [pl.coalesce(f"own_{n}", n).alias(n) for n in [*numbers, "synthetic"]]
        ).drop([f"own_{n}" for n in [*numbers, "synthetic"]])
        aggregates = pl.concat([aggregates.filter(~pl.col("single").fill_null(False)), copies],
                               how="diagonal_relaxed").drop("single", "member")
        # Where a region or England was loaded, the loaded row is the official one: keep it
        # and note how far the figure computed from its parts is from it.
        differences = self._differences(own, aggregates)
        aggregates = aggregates.join(own.select(ROW_KEY), on=ROW_KEY, how="anti")
        if not differences.is_empty():
            own = own.join(differences, on=ROW_KEY, how="left").with_columns(
                note=pl.coalesce("difference_note", "note"),
                numeric_note=pl.col("difference_note").is_not_null()).drop("difference_note")
        return pl.concat([own, aggregates], how="diagonal_relaxed")

    def _differences(self, own: pl.DataFrame, sums: pl.DataFrame) -> pl.DataFrame:
        """Notes for loaded region and England rows that differ from the sum of their parts.

        The note gives no number: the sum of the parts would disclose hidden parts (a part
        hidden for small numbers is the published sum minus the shown parts)."""
        joined = own.select(*ROW_KEY, "value").join(
            sums.select(*ROW_KEY, summed="value"), on=ROW_KEY).filter(
            pl.col("value").is_not_null() & pl.col("summed").is_not_null())
        notes = []
        for kind, area, p, breakdown, value, summed in joined.iter_rows():
            if abs(value - summed) <= DIFFERENCE_NOTED * max(abs(value), 1):
                continue
            text = (f"Published figure: it differs from the figure computed from its "
                    f"{self._parts_name}.")
            logger.info("%s %s %s: %s (%s computed)", self.metric.key, self.periods[p][2],
                        breakdown, text, summed)
            notes.append((kind, area, p, breakdown, text))
        return pl.DataFrame(notes, schema={"kind": pl.Int64, "id": pl.Int64, "p": pl.Int64,
                                           "breakdown": pl.String, "difference_note": pl.String},
                            orient="row")

    # --- comparisons, trend, suppression

    def _region_for_row(self, kind: int, target: int) -> int | None:
        if kind == PARTNERSHIP:
            return self.places.partnership_region.get(target)
        place = self.places.by_id[target]
        if place.type in ("region", "country"):
            return None
        return self.places.region_of(target)

    def _compare(self, rows: pl.DataFrame) -> pl.DataFrame:
        places = self.places
        region_ids = [self._region_for_row(k, i) for k, i in rows.select("kind", "id").iter_rows()]
        rows = rows.with_columns(region=pl.Series(region_ids, dtype=pl.Int64))
        benchmarks = rows.filter(pl.col("kind") == AREA).select(
            "id", "p", "breakdown", bench="value")
        england = benchmarks.filter(pl.col("id") == (places.england_id or -1)).drop("id")
        rows = rows.join(england, on=["p", "breakdown"], how="left").rename({"bench": "england"})
        rows = rows.join(benchmarks.rename({"id": "region"}), on=["region", "p", "breakdown"],
                         how="left").rename({"bench": "region_value"})
        is_england = ((rows["kind"] == AREA) & (rows["id"] == (places.england_id or -1))).to_numpy()
        has_region = rows["region"].is_not_null().to_numpy()
        if self.metric.method == "count":  # a count is not comparable with England's count
            with_england = np.where(is_england, "", NOT_COMPARED).astype(object)
            with_region = np.where(has_region, NOT_COMPARED, "").astype(object)
        else:
            def labels(benchmark: str) -> np.ndarray:
                return stats.compare(
                    rows["value"].to_numpy().astype(np.float64),
                    rows["lower_95"].to_numpy().astype(np.float64),
                    rows["upper_95"].to_numpy().astype(np.float64),
                    rows[benchmark].to_numpy().astype(np.float64),
                    self.metric.polarity,
                    rows["lower_99_8"].to_numpy().astype(np.float64),
                    rows["upper_99_8"].to_numpy().astype(np.float64))
            with_england = np.where(is_england, "", labels("england"))
            with_region = np.where(has_region, labels("region_value"), "")
        hidden = pl.col("suppressed")  # nothing is said about a hidden figure
        return rows.with_columns(
            comparison=pl.Series(with_england.tolist(), dtype=pl.String),
            comparison_region=pl.Series(with_region.tolist(), dtype=pl.String),
        ).with_columns(
            comparison=pl.when(hidden).then(pl.lit("")).otherwise(pl.col("comparison")),
            comparison_region=pl.when(hidden).then(pl.lit("")).otherwise(
                pl.col("comparison_region")),
        ).drop("england", "region_value", "region")

    def _trend(self, rows: pl.DataFrame) -> pl.DataFrame:
        new_series = pl.any_horizontal(
            pl.col(c) != pl.col(c).shift(1) for c in ("kind", "id", "breakdown"))
        rows = rows.sort("kind", "id", "breakdown", "p").with_columns(
            series=new_series.fill_null(True).cast(pl.Int64).cum_sum() - 1)
        result = stats.recent_trend(
            rows["p"].to_numpy(), rows["value"].to_numpy().astype(np.float64),
            rows["lower_95"].to_numpy().astype(np.float64),
            rows["upper_95"].to_numpy().astype(np.float64),
            rows["numerator"].to_numpy().astype(np.float64),
            rows["denominator"].to_numpy().astype(np.float64),
            value_type=self.metric.method, polarity=self.metric.polarity,
            groups=rows["series"].to_numpy())
        labels = pl.DataFrame({"series": np.asarray(result["group"], dtype=np.int64),
                               "series_trend": result["trend_label"].tolist()},
                              schema={"series": pl.Int64, "series_trend": pl.String})
        # Hidden figures are blank by now, so the test skips them (as missing points); a
        # hidden row itself gets no trend.
        latest = (pl.col("p") == pl.col("p").max().over("series")) & ~pl.col("suppressed")
        return rows.join(labels, on="series", how="left").with_columns(
            trend=pl.when(latest).then(pl.col("series_trend")).otherwise(pl.lit(""))
        ).drop("series", "series_trend")

    # --- disclosure control

    def _disclosure(self, rows: pl.DataFrame) -> pl.DataFrame:
        """The metric's disclosure rule (``stats.suppression``), before anything is compared.

        * ``round-5``: numerators and denominators rounded to the nearest 5, and the value
          and limits computed again from the rounded counts (so no raw count can be worked
          back from a value);
        * a denominator that is another metric's count published rounded
          (``denominator_disclosure``: deaths in treatment per people in treatment) is
          rounded here too, and the value computed from it;
        * ``suppress-1-4``: rows hidden by ``_suppression``; a hidden row keeps no figure and
          no note that depends on its numbers (its comparison and trend are left empty in
          ``_compare`` and ``_trend``).
        """
        if "numeric_note" not in rows.columns:
            rows = rows.with_columns(numeric_note=pl.lit(False))
        rule = self.metric.disclosure
        if rule == "round-5":
            rows = self._round(rows)
        elif self.metric.denominator_disclosure == "round-5":
            rows = self._round(rows, numerator=False)
        hidden = (self._suppression(rows) if rule == "suppress-1-4"
                  else np.zeros(len(rows), dtype=bool))
        rows = rows.with_columns(suppressed=pl.Series(hidden, dtype=pl.Boolean))
        blank = pl.col("suppressed")
        return rows.with_columns(
            [pl.when(blank).then(None).otherwise(pl.col(n)).alias(n)
             for n in ("numerator", "denominator", *VALUE_COLUMNS)],
            note=pl.when(blank & pl.col("numeric_note").fill_null(False)).then(pl.lit(""))
            .otherwise(pl.col("note")),
        ).drop("numeric_note")

    def _round(self, rows: pl.DataFrame, numerator: bool = True) -> pl.DataFrame:
        """Counts (or, with ``numerator=False``, only denominators) rounded to the nearest
        5, and the value and limits computed from what is shown."""
        rounded = rows
        if numerator:
            rounded = rows.with_columns(numerator=pl.Series(
                stats.round_to_5(rows["numerator"].to_numpy().astype(np.float64)),
                nan_to_null=True))
        if self.standardised:  # the rate comes from age bands: only the count is shown
            return rounded
        rounded = rounded.with_columns(denominator=pl.Series(
            stats.round_to_5(rows["denominator"].to_numpy().astype(np.float64)),
            nan_to_null=True))
        values = _from_totals(self.metric.method, self.metric.multiplier,
                              rounded["numerator"].to_numpy().astype(np.float64),
                              rounded["denominator"].to_numpy().astype(np.float64))
        has_count = rounded["numerator"].is_not_null()
        return rounded.with_columns(
            pl.when(has_count).then(pl.Series(values[name], dtype=pl.Float64, nan_to_null=True))
            .otherwise(pl.col(name)).alias(name) for name in VALUE_COLUMNS)

    def _suppression(self, rows: pl.DataFrame) -> np.ndarray:
        """Which rows to hide: counts 1–4 with secondary suppression (``stats.suppress``).

        A row's published counts are its numerator, its denominator and, for a proportion,
        the complement (denominator − numerator): any of them from 1 to 4 hides the row.
        Every published sum is a *relation* among rows (``_relations``); relations are
        protected together, period by period (each period is a separate table).
        """
        denominator = rows["denominator"].to_numpy().astype(np.float64)
        if self.metric.denominator_disclosure == "round-5":
            # Rounded (so protected), and rounded figures do not add up: not a count to sum.
            denominator = np.full(len(rows), np.nan)
        counts = np.stack([rows["numerator"].to_numpy().astype(np.float64), denominator],
                          axis=1)
        complements = [(0, 1)] if self.metric.method == "proportion" else []
        rows = rows.with_row_index("row")
        hidden = np.zeros(len(rows), dtype=bool)
        for (p,), table in rows.group_by("p"):
            positions = table["row"].to_numpy()
            cells = counts[positions]
            relations = self._relations(table, p)
            unloaded, more = self._unloaded(table, p, cells)
            if unloaded:
                cells = np.vstack([cells, np.asarray(unloaded, dtype=np.float64)])
                relations = [*relations, *more]
            mask, _totals = stats.suppress(cells, relations=relations, complements=complements)
            hidden[positions] = mask[:len(positions)]
        return hidden

    def _unloaded(self, table: pl.DataFrame, p: int, cells: np.ndarray
                  ) -> tuple[list[np.ndarray], list[list[int]]]:
        """For a partnership's figure loaded as a whole while only some of its authorities
        have figures: the authorities without figures, as one cell no one is shown (the
        figure less the shown authorities' sum, which a reader can work out) and the relation
        it completes. Hidden when it is 1–4, so that the figure, or an authority, is hidden
        with it and the small remainder cannot be worked out by subtraction. Returns the
        extra cells' counts and relations (their positions follow ``table``'s rows)."""
        if self.metric.geography != "utla" or "source" not in table.columns:
            return [], []
        places = self.places
        end = self.periods[p][1]
        rows = list(table.select("kind", "id", "breakdown", "source").iter_rows())
        areas: dict[str, dict[int, int]] = defaultdict(dict)
        for n, (kind, target, breakdown, _source) in enumerate(rows):
            if kind == AREA and places.by_id[target].type == "utla":
                areas[breakdown][target] = n
        extra, relations = [], []
        for n, (kind, target, breakdown, source) in enumerate(rows):
            if kind != PARTNERSHIP or source != "whole":
                continue
            footprint = places.footprints(end).get(target, [])
            shown = {a: m for a, m in areas[breakdown].items() if a in footprint}
            present = places.deduplicate(set(shown), end)
            needed = [a for a in footprint if places.by_id[a].valid_on(end)]
            if not present or all(places.accounted(a, present) for a in needed):
                continue
            parts = [shown[a] for a in sorted(present)]
            remainder = cells[n] - cells[parts].sum(axis=0)  # NaN where any count is missing
            remainder[remainder < 0] = np.nan  # the sum does not hold: not a count to protect
            extra.append(remainder)
            relations.append([n, *parts, len(rows) + len(extra) - 1])
        return extra, relations

    def _relations(self, table: pl.DataFrame, p: int) -> list[list[int]]:
        """Lists of positions in ``table`` (one period), each a total first and then its
        parts: every sum a reader could use.

        * a region and its authorities (or police force areas); England and the regions;
        * a partnership and its authorities; for a metric published for police force areas
          (or regions), a partnership shown its force area's figure is that figure: a
          relation of two (the copy and the force), so that one is hidden with the other,
          and a partnership over several force areas is their sum;
        * the sums the register implies: a region and the partnerships that make it up, and
          England and all partnerships (a footprint never straddles what it adds up to);
        * an area's (or partnership's) total and its breakdown by one dimension.
        """
        position = {(k, i, b): n for n, (k, i, b) in
                    enumerate(table.select("kind", "id", "breakdown").iter_rows())}
        places = self.places
        end = self.periods[p][1]
        relations: list[list[int]] = []
        breakdowns = {b for _k, _i, b in position}
        present = places.deduplicate(
            {i for k, i, _b in position if k == AREA and places.by_id[i].type == self.base_type}, end)
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        for area in present:
            region = places.region_of(area)
            if region is not None:
                groups[(AREA, region)].append(area)
            if places.england_id is not None and self.metric.geography != "england":
                groups[(AREA, places.england_id)].append(area)
            if self.metric.geography == "utla":
                assigned = places.partnership_of(area, end)
                if assigned:
                    groups[(PARTNERSHIP, assigned[0])].append(area)
        if self.metric.geography not in ("utla", "england"):
            attribute = "pfa_id" if self.metric.geography == "pfa" else "region_id"
            for partnership_id, areas in places.footprints(end).items():
                containing = sorted({getattr(places.by_id[a], attribute) for a in areas} - {None})
                if containing:
                    groups[(PARTNERSHIP, partnership_id)] = containing
        if places.england_id is not None:  # England and its regions
            regions = [i for k, i, _b in position
                       if k == AREA and places.by_id[i].type == "region"]
            if regions:
                groups[(AREA, places.england_id, "regions")] = regions
        if self.metric.geography == "utla":  # sums the footprints imply
            partnerships = {key[1]: set(areas) for key, areas in groups.items()
                            if key[0] == PARTNERSHIP}
            for key, areas in list(groups.items()):
                if key[0] != AREA or len(key) > 2:
                    continue
                inside = [i for i, members in partnerships.items() if members <= set(areas)]
                covered = set().union(*(partnerships[i] for i in inside)) if inside else set()
                if covered == set(areas) and len(inside) > 1:
                    groups[(*key, "partnerships")] = [(PARTNERSHIP, i) for i in inside]
        for key, parts in groups.items():
            kind, target = key[0], key[1]
            for breakdown in breakdowns:
                total = position.get((kind, target, breakdown))
                cells = [position[(*(part if isinstance(part, tuple) else (AREA, part)),
                                   breakdown)]
                         for part in set(parts)
                         if (*(part if isinstance(part, tuple) else (AREA, part)),
                             breakdown) in position]
                if total is not None and cells:
                    relations.append([total, *cells])
        # An area's total and its breakdown by one dimension.
        children: dict[tuple[int, int, str, str], list[int]] = defaultdict(list)
        for (kind, target, breakdown), n in position.items():
            pairs = [pair for pair in breakdown.split(";") if pair]
            for pair in pairs:
                dimension = pair.split("=", 1)[0]
                parent = ";".join(q for q in pairs if q != pair)
                children[(kind, target, parent, dimension)].append(n)
        for (kind, target, parent, _dimension), cells in children.items():
            total = position.get((kind, target, parent))
            if total is not None:
                relations.append([total, *cells])
        return relations
