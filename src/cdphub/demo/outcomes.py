"""Synthetic outcomes data for the demo (``build_outcomes_demo``): plausible, deterministic and
labelled synthetic everywhere.

Every metric in the catalogue gets a multi-year series at its publishing geography: the 153
upper-tier authorities (under the code in use at the end of each period, so Cumbria, North
Yorkshire and Somerset appear as counties before April 2023, Buckinghamshire before April
2020 and Northamptonshire before April 2021), the 39 police force areas, or England alone.

How the figures are made (see ``data/PROVENANCE.md`` for the sources):

* Populations: ONS mid-2023 by authority and ESP2013 age band, scaled by 0.68% a year for
  other years, split by sex with fixed shares by age band.
* Each authority has an *area factor*: exp(β·deprivation + region effect + a random area
  effect), with deprivation the standardised IMD 2019 average score. So rates rise with
  deprivation and vary by region (drug deaths highest in the North East, lowest in London).
* Counts: where England's real total is known (drug misuse deaths, ONS; numbers in
  treatment, NDTMS) that total is shared out between authorities, sexes and age bands by a
  multinomial draw in proportion to population × age profile × area factor, so England's
  figure is the published one exactly and each area's count is (nearly) Poisson around its
  expected value. Elsewhere counts are drawn around round national levels (``NATIONAL_LEVELS``,
  assumptions for a demonstration, not statistics).
* Proportions: binomial draws around a national proportion shifted per area on the logit
  scale.

The files go through the same loading path as real data (``store.run_load``: long format,
one load per metric, each ``is_synthetic``, its file kept in the media store with its
checksum), then every metric is recomputed. Deterministic: the same ``today`` gives the same
figures (and the same files).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from cdphub import stats
from cdphub.geography.codes import ENGLAND_CODE
from cdphub.geography.loader import DATA_DIR as GEOGRAPHY_DIR
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.compute import recompute_all, recompute_metrics
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.outcomes.recompute import forget_pending, recomputing_here
from cdphub.outcomes.store import reference_from_database, run_load
from cdphub.stats import esp2013

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 20220601
ALCOHOL_DEPENDENCE_FILE = "phe_alcohol_dependent_adults_estimates_utla.csv"
BANDS = tuple(esp2013())
SYNTHETIC_NOTE = ("Synthetic demo data made by cdphub (demo/outcomes.py): not real figures. "
                  "England totals are calibrated to published national figures where the "
                  "shipped reference files give them; every area's figure is simulated.")
#: Data published about eight months after a period ends (a period ending later is left out).
PUBLICATION_LAG = dt.timedelta(days=240)
#: England's average population growth a year, mid-2013 to mid-2023 (53.9m to 57.7m).
GROWTH = 0.0068
#: Share of each ESP2013 age band that is male (England, mid-2023, rounded).
MALE_SHARE = np.array([.512, .512, .513, .514, .506, .496, .494, .495, .497, .494, .492, .493,
                       .491, .484, .475, .463, .439, .404, .323])
REGIONS = ("E12000001", "E12000002", "E12000003", "E12000004", "E12000005", "E12000006",
           "E12000007", "E12000008", "E12000009")
# Region effects on the log scale, in the order of REGIONS (NE, NW, Y&H, EM, WM, E, L, SE, SW).
HARM_BY_REGION = (.45, .30, .15, .00, -.05, -.15, -.45, -.15, .05)
TREATMENT_BY_REGION = (.30, .20, .10, .00, .00, -.10, -.10, -.10, .05)
CRIME_BY_REGION = (.00, .10, .10, .00, .20, -.20, .50, -.20, -.30)

SUBSTANCES = ("Opiate", "Non-opiate only", "Non-opiate and alcohol", "Alcohol only")
NDTMS_SUBSTANCES = {"opiates": "Opiate", "non-opiates only": "Non-opiate only",
                    "alcohol & non-opiates": "Non-opiate and alcohol",
                    "alcohol only": "Alcohol only"}
AGE_GROUPS = ("18-29", "30-49", "50+")

#: Published adult numbers in treatment after the shipped NDTMS file ends (OHID releases).
NUMBERS_IN_TREATMENT_LATER = {2022: 290_635, 2023: 310_863}
#: Round national levels for the metrics without a shipped published figure: assumptions
#: chosen to look plausible in a demonstration, not statistics.
NATIONAL_LEVELS = {
    "drug_hospital_admissions": {2016: 22_500, 2017: 23_300, 2018: 24_200, 2019: 23_800,
                                 2020: 21_400, 2021: 22_900, 2022: 23_600, 2023: 24_100},
    "ocu_prevalence": {2016: (314_000, 261_000, 181_000), 2019: (306_000, 253_000, 185_000)},
    "drug_related_homicides": {2016: 205, 2017: 215, 2018: 240, 2019: 230, 2020: 210,
                               2021: 220, 2022: 215, 2023: 205, 2024: 200},
    "neighbourhood_crime": {2018: 1_150_000, 2019: 1_100_000, 2020: 760_000, 2021: 860_000,
                            2022: 900_000, 2023: 880_000, 2024: 850_000},
    "county_lines_closed": {2019: 900, 2020: 1_100, 2021: 1_450, 2022: 1_550, 2023: 1_650,
                            2024: 1_700},
    "ocg_disruptions": {2019: 1_450, 2020: 1_550, 2021: 1_700, 2022: 1_950, 2023: 2_150,
                        2024: 2_250},
    "children_in_need_drugs": {2017: 61_000, 2018: 63_000, 2019: 64_500, 2020: 62_000,
                               2021: 64_000, 2022: 66_500, 2023: 67_500},
    # proportions: national proportion by year (by substance group where it has them)
    "continuity_of_care": {2016: .33, 2017: .34, 2018: .36, 2019: .375, 2020: .36, 2021: .37,
                           2022: .43, 2023: .48},
    "recovery_proportion": {"Opiate": .22, "Non-opiate only": .45,
                            "Non-opiate and alcohol": .42, "Alcohol only": .50},
    "meaningful_activity": {"Opiate": .16, "Non-opiate only": .27,
                            "Non-opiate and alcohol": .22, "Alcohol only": .25},
    # deaths in treatment per 1,000 people in treatment
    "deaths_in_treatment": {"Opiate": 14.0, "Non-opiate only": 4.0,
                            "Non-opiate and alcohol": 6.0, "Alcohol only": 10.0},
    "drug_use_last_year": {2015: (.084, .182), 2016: (.085, .192), 2017: (.090, .197),
                           2018: (.094, .211), 2019: (.094, .210), 2021: (.092, .187),
                           2022: (.087, .174), 2023: (.090, .186)},
    "acceptability_of_drug_use": {2014: .10, 2016: .12, 2018: .13, 2021: .11, 2023: .10},
    # Alcohol (the supporting metrics progress reports cite). Approximate England levels,
    # not verified on this machine: see data/PROVENANCE.md.
    "alcohol_specific_deaths": {2016: 5_700, 2017: 5_850, 2018: 5_700, 2019: 5_800,
                                2020: 7_000, 2021: 7_550, 2022: 7_900, 2023: 8_100,
                                2024: 8_000},
    "alcohol_specific_admissions": {2016: 337_000, 2017: 338_000, 2018: 358_000,
                                    2019: 358_000, 2020: 322_000, 2021: 342_000,
                                    2022: 340_000, 2023: 345_000},
    # successful completions: the national proportion of each group in treatment
    "successful_completions": {"opiate": .05, "non_opiate": .33, "alcohol": .36},
}
#: Fingertips 93532, England, 2019/20 (tests/data, a real export): the estimated dependent
#: drinkers (the denominator), the published value and its 95% limits. The demo holds the
#: prevalence at this level every year and gives England the same relative interval.
DEPENDENT_DRINKERS_ENGLAND = (592_757, 82.30641882, 78.00995087, 86.31992268)
# Relative rates by age band (0–4 … 90+).
DEATHS_BY_AGE = np.array([0, 0, 0, .15, .5, .9, 1.3, 1.6, 1.8, 1.8, 1.5, 1.0, .5, .25, .12, .08,
                          .05, .04, .03])
ALCOHOL_DEATHS_BY_AGE = np.array([0, 0, 0, 0, .01, .05, .15, .35, .7, 1.2, 1.8, 2.4, 2.7, 2.6,
                                  2.1, 1.6, 1.2, .8, .5])
ALCOHOL_ADMISSIONS_BY_AGE = np.array([.02, .02, .1, .6, .8, .7, .8, .9, 1.0, 1.2, 1.4, 1.5, 1.4,
                                      1.2, 1.0, .9, .8, .7, .6])
ADMISSIONS_BY_AGE = np.array([0, 0, .1, .6, 1.2, 1.4, 1.4, 1.3, 1.1, .9, .7, .5, .35, .25, .2,
                              .2, .2, .2, .2])


# ----------------------------------------------------------------------------- geography


@dataclass(frozen=True)
class Units:
    """The 153 upper-tier authorities of 2023 (the units the demo simulates)."""

    codes: np.ndarray  # str, sorted
    region: np.ndarray  # index into REGIONS
    pfa: np.ndarray  # police force area code
    population: np.ndarray  # (153, 19) persons, mid-2023
    deprivation: np.ndarray  # standardised IMD 2019 average score
    changes: tuple[tuple[str, str, dt.date], ...]  # (old code, new code, date)

    def population_in(self, year: int) -> np.ndarray:
        return np.round(self.population * (1 + GROWTH) ** (year - 2023))

    def by_sex(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        persons = self.population_in(year)
        male = np.round(persons * MALE_SHARE)
        return male, persons - male

    def codes_on(self, end: dt.date) -> np.ndarray:
        """The code each authority's figures are published under for a period ending on
        ``end``: a county before it was replaced, a new code once it applies."""
        codes = self.codes.copy()
        for old, new, date in self.changes:
            if date > end:
                codes[codes == new] = old  # not yet replaced: the old area (may merge)
            else:
                codes[codes == old] = new
        return codes

    def factor(self, rng, beta: float, regions, spread: float) -> np.ndarray:
        effect = np.asarray(regions)[self.region]
        return np.exp(beta * self.deprivation + effect + rng.normal(0, spread, len(self.codes)))

    @property
    def pfas(self) -> np.ndarray:
        return np.unique(self.pfa)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@cache
def units() -> Units:
    reference = sorted(_rows(GEOGRAPHY_DIR / "utla2023_reference.csv"),
                       key=lambda r: r["utla_code_2023"])
    codes = [r["utla_code_2023"] for r in reference]
    changes = tuple((r["old_code"], r["new_code"], dt.date.fromisoformat(r["change_date"]))
                    for r in _rows(GEOGRAPHY_DIR / "area_changes.csv"))
    population = {(r["area_code"], r["age_band"]): float(r["population"])
                  for r in _rows(DATA_DIR / "population_mid2023_esp2013_bands_utla_region_england.csv")}
    scores = {r["upper_tier_local_authority_district_code_2019"]: float(r["imd_average_score"])
              for r in _rows(DATA_DIR / "imd2019_utla_average_score_decile.csv")}
    for old, new, _date in changes:  # 2019 geography: the new unitaries take their county's score
        if new not in scores and old in scores:
            scores[new] = scores[old]
    score = np.array([scores[c] for c in codes])
    return Units(
        codes=np.array(codes, dtype=object),
        region=np.array([REGIONS.index(r["region_code"]) for r in reference]),
        pfa=np.array([r["pfa_code"] for r in reference], dtype=object),
        population=np.array([[population[(c, band)] for band in BANDS] for c in codes]),
        deprivation=(score - score.mean()) / score.std(),
        changes=changes,
    )


def _ages(population: np.ndarray, low: int, high: int) -> np.ndarray:
    """People aged low to high (inclusive) from the ESP bands, splitting bands evenly by year."""
    total = np.zeros(population.shape[:-1])
    for i in range(len(BANDS)):
        start, end = 5 * i, (5 * i + 4 if i < len(BANDS) - 1 else 99)
        overlap = max(0, min(end, high) - max(start, low) + 1)
        total += population[..., i] * overlap / (end - start + 1)
    return np.round(total)


# ----------------------------------------------------------------------------- periods


def calendar(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def financial(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def pooled(last_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(last_year - 2, 1, 1), dt.date(last_year, 12, 31)


def rolling_12_months(year: int, month: int) -> tuple[dt.date, dt.date]:
    start_month = month - 11
    start = dt.date(year + (start_month - 1) // 12, (start_month - 1) % 12 + 1, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


# ----------------------------------------------------------------------------- frames


def _frame(metric: str, area_codes, period: tuple[dt.date, dt.date], numerator,
           denominator=None, **columns) -> pl.DataFrame:
    """Long-format rows (one per area code given) for one period."""
    length = len(area_codes)
    data = {"metric": [metric] * length, "area_code": list(area_codes),
            "period_from": [period[0]] * length, "period_to": [period[1]] * length}
    for name, value in columns.items():
        data[name] = list(value) if not isinstance(value, str) else [value] * length
    data["numerator"] = np.asarray(numerator, dtype=np.float64)
    if denominator is not None:
        data["denominator"] = np.asarray(denominator, dtype=np.float64)
    return pl.DataFrame(data)


def _publish(frame: pl.DataFrame, codes: np.ndarray, end: dt.date, geo: Units) -> pl.DataFrame:
    """Rows per 2023 authority → rows per code in use on ``end`` (sums where counties merge)."""
    mapping = dict(zip(geo.codes, geo.codes_on(end), strict=True))
    frame = frame.with_columns(area_code=pl.Series([mapping[c] for c in codes]))
    if len(set(mapping.values())) == len(mapping):
        return frame
    keys = [c for c in frame.columns if c not in ("numerator", "denominator")]
    sums = [pl.col(c).sum() for c in ("numerator", "denominator") if c in frame.columns]
    return frame.group_by(keys, maintain_order=True).agg(sums)


def _multinomial(rng, total: int, weights: np.ndarray) -> np.ndarray:
    weights = np.asarray(weights, dtype=np.float64)
    return rng.multinomial(int(round(total)), weights.ravel() / weights.sum()).reshape(
        weights.shape).astype(np.float64)


def _at_least_one(counts: np.ndarray) -> np.ndarray:
    """Counts per authority (last axis) with none at 0: each empty authority takes one from
    the largest, so totals are kept. (The smallest authorities, such as the Isles of Scilly,
    would otherwise sometimes have nobody in a group, and no proportion.)"""
    counts = counts.copy()
    flat = counts.reshape(-1, counts.shape[-1])
    for row in flat:
        if row.sum() < 2 * len(row):
            continue  # too few to go round (never so for the demo's totals)
        for empty in np.flatnonzero(row == 0):
            row[np.argmax(row)] -= 1
            row[empty] += 1
    return counts


def _logit(p):
    return np.log(p / (1 - p))


def _expit(x):
    return 1 / (1 + np.exp(-x))


# ----------------------------------------------------------------------------- generators


def ons_drug_misuse_deaths() -> dict[int, int]:
    """England, persons, by year of registration (shipped ONS figures)."""
    return {int(r["year"]): int(r["drug_misuse"])
            for r in _rows(DATA_DIR / "ons_drug_poisoning_and_misuse_deaths_england_by_year.csv")
            if r["sex"] == "Persons"}


def ndtms_in_treatment() -> dict[int, dict[tuple[str, str], int]]:
    """Adults in treatment in England by financial year (start year) → (drug group, age
    group) → number (shipped NDTMS figures, 2016/17–2021/22, then the later published totals
    shared in 2021/22's proportions)."""
    result: dict[int, dict[tuple[str, str], int]] = {}
    for row in _rows(DATA_DIR / "ndtms_viewit_export_england_2009-10_to_2021-22.csv"):
        year = int(row["ReportingPeriod_Data"][:4])
        group = NDTMS_SUBSTANCES.get(row["DrugGroup_Data"].lower())
        age = row["AgeGroup_Data"]
        if year < 2016 or group is None or row["Gender_Data"].lower() != "total" or \
                age.lower() == "total":
            continue
        result.setdefault(year, {})[(group, age)] = int(row["Num_InTreatment_AllInTx"])
    latest = result[max(result)]
    base = sum(latest.values())
    for year, total in NUMBERS_IN_TREATMENT_LATER.items():
        cells = {k: v * total / base for k, v in latest.items()}
        # whole numbers that keep the published total exactly
        floors = {k: int(v) for k, v in cells.items()}
        short = total - sum(floors.values())
        for k in sorted(cells, key=lambda k: cells[k] - floors[k], reverse=True)[:short]:
            floors[k] += 1
        result[year] = floors
    return result


def _standardised(metric: str, rng, geo: Units, periods, totals: dict[int, float],
                  by_age: np.ndarray, male_ratio: float, beta: float,
                  by_sex: bool = True) -> pl.DataFrame:
    """Age-band rows for a DSR metric: persons, male and female (persons alone when not
    ``by_sex``), per period (each period the sum of its years). ``periods``: [(period,
    [years])]."""
    factor = geo.factor(rng, beta, HARM_BY_REGION, 0.15)
    counts, populations = {}, {}
    for year in sorted({y for _p, years in periods for y in years}):
        male, female = geo.by_sex(year)
        weights = np.stack([male * by_age * male_ratio, female * by_age]) * factor[None, :, None]
        counts[year] = _multinomial(rng, totals[year], weights)
        populations[year] = np.stack([male, female])
    frames = []
    n_units, n_bands = geo.population.shape
    codes = np.repeat(geo.codes, n_bands)
    bands = np.tile(np.array(BANDS, dtype=object), n_units)
    for period, years in periods:
        x = sum(counts[y] for y in years)
        n = sum(populations[y] for y in years)
        sexes = [("Male", x[0], n[0]), ("Female", x[1], n[1])] if by_sex else []
        for sex, xs, ns in [*sexes, ("Persons", x.sum(0), n.sum(0))]:
            frame = _frame(metric, codes, period, xs.ravel(), ns.ravel(), breakdown_sex=sex,
                           age_band=bands)
            frames.append(_publish(frame, codes, period[1], geo))
    return pl.concat(frames)


def drug_misuse_deaths(rng, geo: Units, years: list[int]) -> pl.DataFrame:
    known = ons_drug_misuse_deaths()
    periods = [(pooled(y), [y - 2, y - 1, y]) for y in years if y - 2 in known and y in known]
    return _standardised("drug_misuse_deaths", rng, geo, periods, known, DEATHS_BY_AGE, 2.3, 0.45)


def drug_hospital_admissions(rng, geo: Units, years: list[int]) -> pl.DataFrame:
    levels = NATIONAL_LEVELS["drug_hospital_admissions"]
    periods = [(financial(y), [y]) for y in years if y in levels]
    return _standardised("drug_hospital_admissions", rng, geo, periods, levels,
                         ADMISSIONS_BY_AGE, 1.6, 0.35)


# The two alcohol rates are made for persons only (the sources publish male and female too):
# their age-band rows are most of the demo's figures, and by sex they would nearly double the
# time the demo takes to load and compute.
def alcohol_specific_deaths(rng, geo: Units, years: list[int]) -> pl.DataFrame:
    levels = NATIONAL_LEVELS["alcohol_specific_deaths"]
    periods = [(calendar(y), [y]) for y in years if y in levels]
    return _standardised("alcohol_specific_deaths", rng, geo, periods, levels,
                         ALCOHOL_DEATHS_BY_AGE, 2.0, 0.4, by_sex=False)


def alcohol_specific_admissions(rng, geo: Units, years: list[int]) -> pl.DataFrame:
    levels = NATIONAL_LEVELS["alcohol_specific_admissions"]
    periods = [(financial(y), [y]) for y in years if y in levels]
    return _standardised("alcohol_specific_admissions", rng, geo, periods, levels,
                         ALCOHOL_ADMISSIONS_BY_AGE, 1.9, 0.3, by_sex=False)


def _treatment_weights(geo: Units, rng) -> dict[str, np.ndarray]:
    adults = _ages(geo.population, 18, 99)
    betas = {"Opiate": 0.45, "Non-opiate only": 0.25, "Non-opiate and alcohol": 0.3,
             "Alcohol only": 0.2}
    return {s: adults * geo.factor(rng, beta, TREATMENT_BY_REGION, 0.2)
            for s, beta in betas.items()}


def treatment_numbers(rng, geo: Units, years: list[int]) -> dict[int, np.ndarray]:
    """Adults in treatment: year → array (substance, age group, authority)."""
    totals = ndtms_in_treatment()
    weights = _treatment_weights(geo, rng)
    result = {}
    for year in years:
        if year not in totals:
            continue
        cells = np.zeros((len(SUBSTANCES), len(AGE_GROUPS), len(geo.codes)))
        for s, substance in enumerate(SUBSTANCES):
            for a, age in enumerate(AGE_GROUPS):
                cells[s, a] = _multinomial(rng, totals[year][(substance, age)], weights[substance])
        # Every authority has someone in treatment in each drug group: an empty one takes a
        # person aged 30-49 from the largest (England's totals are kept).
        for s in range(len(SUBSTANCES)):
            for empty in np.flatnonzero(cells[s].sum(0) == 0):
                donor = np.argmax(cells[s].sum(0))
                cells[s, np.argmax(cells[s, :, donor]), donor] -= 1
                cells[s, 1, empty] += 1
        result[year] = cells
    return result


def numbers_in_treatment(treated: dict[int, np.ndarray], geo: Units) -> pl.DataFrame:
    frames = []
    for year, cells in treated.items():
        period = financial(year)
        rows = [("Total", "Total", cells.sum((0, 1)))]
        rows += [(s, "Total", cells[i].sum(0)) for i, s in enumerate(SUBSTANCES)]
        rows += [("Total", a, cells[:, i].sum(0)) for i, a in enumerate(AGE_GROUPS)]
        for substance, age, x in rows:
            frame = _frame("numbers_in_treatment", geo.codes, period, x,
                           breakdown_substance=substance, breakdown_age_group=age)
            frames.append(_publish(frame, geo.codes, period[1], geo))
    return pl.concat(frames)


def _by_substance(metric: str, geo: Units, period, numerators: np.ndarray,
                  denominators: np.ndarray) -> list[pl.DataFrame]:
    """Rows per substance group and their total ('Total'), (substance, authority) arrays."""
    frames = []
    for label, x, n in [("Total", numerators.sum(0), denominators.sum(0))] + [
            (s, numerators[i], denominators[i]) for i, s in enumerate(SUBSTANCES)]:
        frame = _frame(metric, geo.codes, period, x, n, breakdown_substance=label)
        frames.append(_publish(frame, geo.codes, period[1], geo))
    return frames


def treatment_proportion(metric: str, rng, geo: Units, treated: dict[int, np.ndarray]
                         ) -> pl.DataFrame:
    """Recovery or meaningful activity: a proportion of the people in treatment."""
    national = NATIONAL_LEVELS[metric]
    area_effect = rng.normal(0, 0.25, len(geo.codes)) - 0.1 * geo.deprivation
    frames = []
    for year, cells in treated.items():
        denominators = cells.sum(1)  # (substance, authority)
        drift = 0.03 * (year - 2019)  # a slow improvement
        p = np.stack([_expit(_logit(national[s]) + drift + area_effect) for s in SUBSTANCES])
        numerators = rng.binomial(denominators.astype(np.int64), p).astype(np.float64)
        frames += _by_substance(metric, geo, financial(year), numerators, denominators)
    return pl.concat(frames)


#: The successful-completion metrics: the substance groups (indexes into SUBSTANCES) each
#: counts, as Fingertips 90244 (opiates), 90245 (non-opiates, with or without alcohol) and
#: 92447 (alcohol only) do.
COMPLETION_GROUPS = {"successful_completions_opiate": ("opiate", (0,)),
                     "successful_completions_non_opiate": ("non_opiate", (1, 2)),
                     "successful_completions_alcohol": ("alcohol", (3,))}


def successful_completions(metric: str, rng, geo: Units, treated: dict[int, np.ndarray],
                           years: list[int]) -> pl.DataFrame:
    """Adults who completed treatment successfully and did not come back within 6 months, of
    the adults in treatment in the group, by calendar year (the people in treatment of the
    financial year that starts in it stand for the year's)."""
    group, indexes = COMPLETION_GROUPS[metric]
    national = NATIONAL_LEVELS["successful_completions"][group]
    area_effect = rng.normal(0, 0.3, len(geo.codes)) - 0.1 * geo.deprivation
    frames = []
    for year in years:
        if year not in treated:
            continue
        denominators = treated[year][list(indexes)].sum((0, 1))
        p = _expit(_logit(national) + 0.02 * (year - 2019) + area_effect)
        numerators = rng.binomial(denominators.astype(np.int64), p).astype(np.float64)
        period = calendar(year)
        frame = _frame(metric, geo.codes, period, numerators, denominators)
        frames.append(_publish(frame, geo.codes, period[1], geo))
    return pl.concat(frames)


def _dependent_drinker_weights(geo: Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each 2023 authority's share of England's dependent drinkers and the relative limits
    of its estimate, from the PHE/Sheffield estimates for 2017/18 (2019 codes: a county
    since replaced is shared between its successors by adults aged 18 and over)."""
    rows = {r["Area_Code_GSS"]: r for r in _rows(DATA_DIR / ALCOHOL_DEPENDENCE_FILE)
            if r["Year"] == "2017/18"}
    adults = _ages(geo.population, 18, 99)
    estimate, low, high = (np.zeros(len(geo.codes)) for _ in range(3))
    successors = {}
    for old, new, _date in geo.changes:
        successors.setdefault(old, []).append(new)
    index = {c: i for i, c in enumerate(geo.codes)}
    missing = []
    for i, code in enumerate(geo.codes):
        row = rows.get(code)
        share = 1.0
        if row is None:  # a new authority: its county's estimate, shared by adults
            old = next((o for o, news in successors.items() if code in news and o in rows),
                       None)
            if old is None:  # Isles of Scilly (with Cornwall), Dorset and BCP (2019)
                missing.append(i)
                continue
            row = rows[old]
            share = adults[i] / sum(adults[index[n]] for n in successors[old])
        estimate[i] = float(row["Alcohol_dependent"]) * share
        low[i] = float(row["Alcohol_lower_CI"]) / float(row["Alcohol_dependent"])
        high[i] = float(row["Alcohol_upper_CI"]) / float(row["Alcohol_dependent"])
    known = np.setdiff1d(np.arange(len(geo.codes)), missing)
    # The rest: England's rate per adult, and the median relative limits.
    estimate[missing] = adults[missing] * estimate[known].sum() / adults[known].sum()
    low[missing], high[missing] = np.median(low[known]), np.median(high[known])
    return estimate / estimate.sum(), low, high


def alcohol_dependence_not_in_treatment(geo: Units, treated: dict[int, np.ndarray]
                                        ) -> pl.DataFrame:
    """Dependent drinkers not in treatment: (estimated dependent drinkers − adults in
    treatment for alcohol, with or without non-opiates) / estimated dependent drinkers, with
    the published-style interval of ``stats.unmet_need`` (from the estimate's limits), loaded
    as the figure's value and limits for each authority and England, as Fingertips 93532
    publishes them."""
    shares, low, high = _dependent_drinker_weights(geo)
    england, value, lower, upper = DEPENDENT_DRINKERS_ENGLAND
    treated_england = england * (1 - value / 100)
    england_low = treated_england / (1 - lower / 100) / england
    england_high = treated_england / (1 - upper / 100) / england
    frames = []
    for year, cells in treated.items():
        period = financial(year)
        n = np.round(england * shares)
        in_treatment = np.minimum(cells[2:].sum((0, 1)), np.floor(0.6 * n))
        codes = geo.codes_on(period[1])
        published, where = np.unique(codes, return_inverse=True)
        sums = [np.bincount(where, weights=w) for w in (n, in_treatment, n * low, n * high)]
        n_area, t_area, low_area, high_area = sums
        # England: the sum of the authorities, with England's own relative interval.
        n_all = np.append(n_area, n_area.sum())
        t_all = np.append(t_area, t_area.sum())
        low_all = np.append(low_area, n_area.sum() * england_low)
        high_all = np.append(high_area, n_area.sum() * england_high)
        result = stats.unmet_need(n_all - t_all, n_all, low_all, high_all, multiplier=100)
        frames.append(_frame("alcohol_dependence_not_in_treatment",
                             [*published, ENGLAND_CODE], period, n_all - t_all, n_all,
                             value=result["value"], lower_95=result["lower_95"],
                             upper_95=result["upper_95"]))
    return pl.concat(frames)


def deaths_in_treatment(rng, geo: Units, treated: dict[int, np.ndarray]) -> pl.DataFrame:
    rates = NATIONAL_LEVELS["deaths_in_treatment"]
    area = geo.factor(rng, 0.15, HARM_BY_REGION, 0.15)
    frames = []
    for year, cells in treated.items():
        denominators = cells.sum(1)
        expected = np.stack([denominators[i] * rates[s] / 1000 * area / area.mean()
                             for i, s in enumerate(SUBSTANCES)])
        frames += _by_substance("deaths_in_treatment", geo, financial(year),
                                rng.poisson(expected).astype(np.float64), denominators)
    return pl.concat(frames)


def continuity_of_care(rng, geo: Units, years: list[int]) -> pl.DataFrame:
    national = NATIONAL_LEVELS["continuity_of_care"]
    # Adults leaving prison with a treatment need: about 50,000 a year, more in deprived areas.
    need = _ages(geo.population, 18, 64) * geo.factor(rng, 0.5, TREATMENT_BY_REGION, 0.2)
    shares = np.array([0.45, 0.2, 0.2, 0.15])  # by substance group
    area_effect = rng.normal(0, 0.35, len(geo.codes))
    frames = []
    for year in years:
        if year not in national:
            continue
        denominators = _at_least_one(
            np.stack([_multinomial(rng, 50_000 * share, need) for share in shares]))
        p = _expit(_logit(national[year]) + area_effect)
        offsets = np.array([0.15, -0.1, -0.05, -0.15])[:, None]  # opiate users engage more
        numerators = rng.binomial(denominators.astype(np.int64), _expit(_logit(p) + offsets))
        frames += _by_substance("continuity_of_care", geo, financial(year),
                                numerators.astype(np.float64), denominators)
    return pl.concat(frames)


def ocu_prevalence(rng, geo: Units, years: list[int]) -> pl.DataFrame:
    """Estimated people using opiates and/or crack per 1,000 aged 15–64 (two estimates)."""
    levels = NATIONAL_LEVELS["ocu_prevalence"]
    weights = _ages(geo.population, 15, 64) * geo.factor(rng, 0.5, HARM_BY_REGION, 0.2)
    frames = []
    for year in years:
        if year not in levels:
            continue
        denominators = _ages(geo.population_in(year), 15, 64)
        period = financial(year)
        for label, total in zip(("Total", "Opiate", "Crack"), levels[year], strict=True):
            x = _multinomial(rng, total, weights)
            frame = _frame("ocu_prevalence", geo.codes, period, x, denominators,
                           breakdown_substance=label)
            frames.append(_publish(frame, geo.codes, period[1], geo))
    return pl.concat(frames)


def children_in_need(rng, geo: Units, years: list[int]) -> pl.DataFrame:
    levels = NATIONAL_LEVELS["children_in_need_drugs"]
    weights = _ages(geo.population, 0, 17) * geo.factor(rng, 0.4, HARM_BY_REGION, 0.25)
    frames = []
    for year in years:
        if year not in levels:
            continue
        period = financial(year)
        frame = _frame("children_in_need_drugs", geo.codes, period,
                       _multinomial(rng, levels[year], weights),
                       _ages(geo.population_in(year), 0, 17))
        frames.append(_publish(frame, geo.codes, period[1], geo))
    return pl.concat(frames)


# --- police force areas


def _forces(geo: Units, rng, beta: float, regions, spread: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Force codes, their populations (mid-2023) and weights for sharing out a total."""
    codes = geo.pfas
    persons = geo.population.sum(1)
    factor = geo.factor(rng, beta, regions, 0.0)
    population = np.array([persons[geo.pfa == c].sum() for c in codes])
    weighted = np.array([(persons * factor)[geo.pfa == c].sum() for c in codes])
    return codes, population, weighted * np.exp(rng.normal(0, spread, len(codes)))


def drug_related_homicides(rng, geo: Units, years: list[int]) -> pl.DataFrame:
    levels = NATIONAL_LEVELS["drug_related_homicides"]
    codes, _population, weights = _forces(geo, rng, 0.4, CRIME_BY_REGION, 0.2)
    annual = {y: _multinomial(rng, levels[y], weights) for y in levels}
    return pl.concat([
        _frame("drug_related_homicides", codes, pooled(y), sum(annual[y - k] for k in range(3)))
        for y in years if all(y - k in annual for k in range(3))])


def neighbourhood_crime(rng, geo: Units, ends: list[tuple[int, int]]) -> pl.DataFrame:
    """Rolling 12 months to the end of each quarter: the sum of four quarterly counts."""
    levels = NATIONAL_LEVELS["neighbourhood_crime"]
    codes, population, weights = _forces(geo, rng, 0.3, CRIME_BY_REGION, 0.15)
    quarters = {}
    for year, total in levels.items():
        for quarter in range(4):  # calendar quarters, ending Mar, Jun, Sep, Dec
            quarters[(year, 3 * quarter + 3)] = _multinomial(rng, total / 4, weights)
    frames = []
    for year, month in ends:
        keys = [(year + (month - 3 * k - 1) // 12, (month - 3 * k - 1) % 12 + 1) for k in range(4)]
        if not all(k in quarters for k in keys):
            continue
        label = f"Year to {dt.date(year, month, 1):%b %Y}"
        frames.append(_frame("neighbourhood_crime", codes, rolling_12_months(year, month),
                             sum(quarters[k] for k in keys),
                             np.round(population * (1 + GROWTH) ** (year - 2023)),
                             period_label=label))
    return pl.concat(frames)


def force_counts(metric: str, rng, geo: Units, years: list[int]) -> pl.DataFrame:
    levels = NATIONAL_LEVELS[metric]
    codes, _population, weights = _forces(geo, rng, 0.3, CRIME_BY_REGION, 0.3)
    return pl.concat([_frame(metric, codes, financial(y), _multinomial(rng, levels[y], weights))
                      for y in years if y in levels])


# --- England only


def survey(metric: str, rng, periods, labels, sizes) -> pl.DataFrame:
    """A survey proportion for England, by age group (synthetic respondents)."""
    levels = NATIONAL_LEVELS[metric]
    frames = []
    for year, period in periods:
        if year not in levels:
            continue
        shares = levels[year] if isinstance(levels[year], tuple) else (levels[year],) * len(labels)
        for label, share, size in zip(labels, shares, sizes, strict=True):
            x = rng.binomial(size, share)
            frames.append(_frame(metric, [ENGLAND_CODE], period, [x], [size],
                                 breakdown_age=label))
    return pl.concat(frames)


# ----------------------------------------------------------------------------- building


def _rng(key: str) -> np.random.Generator:
    return np.random.default_rng([SEED, zlib.crc32(key.encode())])


def demo_frames(today: dt.date) -> dict[str, pl.DataFrame]:
    """Every metric's synthetic long-format rows, keyed by metric (no database needed)."""
    geo = units()
    last = today - PUBLICATION_LAG
    fy = [y for y in range(2016, 2025) if financial(y)[1] <= last]
    cal = [y for y in range(2016, 2025) if calendar(y)[1] <= last]
    treated = treatment_numbers(_rng("numbers_in_treatment"), geo, fy)
    quarter_ends = [(y, m) for y in range(2019, 2025) for m in (3, 6, 9, 12)
                    if rolling_12_months(y, m)[1] <= last]
    generators: dict[str, Callable[[], pl.DataFrame]] = {
        "drug_misuse_deaths": lambda: drug_misuse_deaths(_rng("drug_misuse_deaths"), geo, cal),
        "drug_hospital_admissions": lambda: drug_hospital_admissions(
            _rng("drug_hospital_admissions"), geo, fy),
        "numbers_in_treatment": lambda: numbers_in_treatment(treated, geo),
        "recovery_proportion": lambda: treatment_proportion(
            "recovery_proportion", _rng("recovery_proportion"), geo, treated),
        "meaningful_activity": lambda: treatment_proportion(
            "meaningful_activity", _rng("meaningful_activity"), geo, treated),
        "deaths_in_treatment": lambda: deaths_in_treatment(_rng("deaths_in_treatment"), geo,
                                                           treated),
        "continuity_of_care": lambda: continuity_of_care(_rng("continuity_of_care"), geo, fy),
        "ocu_prevalence": lambda: ocu_prevalence(_rng("ocu_prevalence"), geo, fy),
        "children_in_need_drugs": lambda: children_in_need(_rng("children_in_need_drugs"), geo,
                                                           fy),
        "drug_related_homicides": lambda: drug_related_homicides(
            _rng("drug_related_homicides"), geo, cal),
        "neighbourhood_crime": lambda: neighbourhood_crime(_rng("neighbourhood_crime"), geo,
                                                           quarter_ends),
        "county_lines_closed": lambda: force_counts("county_lines_closed",
                                                    _rng("county_lines_closed"), geo, fy),
        "ocg_disruptions": lambda: force_counts("ocg_disruptions", _rng("ocg_disruptions"),
                                                geo, fy),
        "alcohol_specific_deaths": lambda: alcohol_specific_deaths(
            _rng("alcohol_specific_deaths"), geo, cal),
        "alcohol_specific_admissions": lambda: alcohol_specific_admissions(
            _rng("alcohol_specific_admissions"), geo, fy),
        **{key: (lambda key=key: successful_completions(key, _rng(key), geo, treated, cal))
           for key in COMPLETION_GROUPS},
        "alcohol_dependence_not_in_treatment": lambda: alcohol_dependence_not_in_treatment(
            geo, treated),
        "drug_use_last_year": lambda: survey(
            "drug_use_last_year", _rng("drug_use_last_year"),
            [(y, financial(y)) for y in sorted({2015, *fy}) if financial(y)[1] <= last],
            ("Total", "16-24"), (19_000, 3_200)),  # the total: aged 16 to 59
        "acceptability_of_drug_use": lambda: survey(
            "acceptability_of_drug_use", _rng("acceptability_of_drug_use"),
            [(y, calendar(y)) for y in (2014, 2016, 2018, 2021, 2023) if calendar(y)[1] <= last],
            ("Total",), (12_000,)),  # aged 11 to 15
    }
    return {key: make() for key, make in generators.items()}


def build_outcomes_demo(today: dt.date, step: Callable[[str], None] | None = None,
                        metrics: list[str] | None = None,
                        held_back: tuple[str, ...] = ()) -> dict[str, int]:
    """Load the synthetic dataset through the normal loading path, one load per metric, then
    recompute every metric. ``metrics`` limits it to some metric keys. Returns the number of
    figures stored per metric loaded; a metric whose synthetic load is already there is not
    loaded again (building the demo twice duplicates nothing). For the metrics ``held_back``,
    the newest period is left out, for ``load_newest_periods`` to load later as a load of its
    own (the demo's signed-off needs assessments froze their figures before it arrived)."""
    step = step or (lambda _message: None)
    sync_catalogue()
    frames = demo_frames(today)
    for key in held_back:
        frames[key] = frames[key].filter(pl.col("period_to") < pl.col("period_to").max())
    wanted = [key for key in frames if metrics is None or key in metrics]
    existing = set(DataLoad.objects.filter(
        is_synthetic=True, status=DataLoad.Status.COMPLETE,
        file_name__in=[_file_name(k) for k in wanted]).values_list("file_name", flat=True))
    reference = reference_from_database()
    stored = {}
    # The loads' own requests for a recomputation (one background task per load) are
    # ignored: the single recomputation below covers them.
    with recomputing_here(), transaction.atomic():
        for key in wanted:
            if _file_name(key) in existing:
                continue  # already loaded (building the demo twice duplicates nothing)
            load = _synthetic_load(key, frames[key])
            run_load(load, reference=reference)
            if load.status != DataLoad.Status.COMPLETE:
                raise RuntimeError(f"The synthetic {key} data did not load: {load.errors[:3]}")
            stored[key] = load.observations_stored
        step("outcomes: computing values")
        if metrics is None:
            recompute_all()
        else:
            recompute_metrics(Metric.objects.filter(key__in=wanted).values_list("pk", flat=True))
        forget_pending()  # footprint changes earlier in this transaction are covered by now
    return stored


def load_newest_periods(today: dt.date, keys: tuple[str, ...]) -> dict[str, int]:
    """Load the newest period of each metric in ``keys`` (held back by ``build_outcomes_demo``)
    as a load of its own, as a newly published year arrives, and recompute those metrics."""
    frames = demo_frames(today)
    existing = set(DataLoad.objects.filter(
        is_synthetic=True, status=DataLoad.Status.COMPLETE,
        file_name__in=[_file_name(k, "newest") for k in keys]).values_list("file_name",
                                                                           flat=True))
    reference = reference_from_database()
    stored = {}
    with recomputing_here(), transaction.atomic():
        for key in keys:
            if _file_name(key, "newest") in existing:
                continue
            frame = frames[key].filter(pl.col("period_to") == pl.col("period_to").max())
            load = _synthetic_load(key, frame, "newest")
            run_load(load, reference=reference)
            if load.status != DataLoad.Status.COMPLETE:
                raise RuntimeError(f"The synthetic {key} data did not load: {load.errors[:3]}")
            stored[key] = load.observations_stored
        recompute_metrics(Metric.objects.filter(key__in=keys).values_list("pk", flat=True))
        forget_pending()
    return stored


def _file_name(key: str, part: str = "") -> str:
    return f"synthetic_demo_{key}{'_' + part if part else ''}.csv"


def _synthetic_load(key: str, frame: pl.DataFrame, part: str = ""):
    """A queued load of the metric's synthetic file, as ``store.create_load`` records one,
    except that the file is stored under a name made from its checksum and reused when it is
    already there: the demo is rebuilt often (every test that builds it, every ``./dev demo
    --reset``) and its files, about 12 MB in all, would otherwise pile up in the media store."""
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    content = buffer.getvalue()
    checksum = hashlib.sha256(content).hexdigest()
    name = f"loads/demo/{_file_name(key, part)[:-4]}_{checksum[:16]}.csv"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(content))
    return DataLoad.objects.create(
        file=name, file_name=_file_name(key, part), checksum=checksum, size_bytes=len(content),
        format=DataLoad.Format.LONG, is_synthetic=True, notes=SYNTHETIC_NOTE,
        status=DataLoad.Status.QUEUED, progress_total=100, progress_message="Waiting to start")
