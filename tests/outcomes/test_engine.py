"""The outcomes engine without a database: plain places, footprints and observations in,
computed rows out (``outcomes/engine.py`` imports no Django)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from types import SimpleNamespace

import polars as pl
import pytest

from cdphub.outcomes.engine import AREA, OBSERVATION_SCHEMA, PARTNERSHIP, MetricComputation, Place, Places

ENGLAND, NORTH_EAST, HARTLEPOOL, MIDDLESBROUGH, CLEVELAND_POLICE = 1, 2, 3, 4, 5
TEES = 10


def places() -> Places:
    return Places(
        [Place(ENGLAND, "E92000001", "England", "country", None, None, None, None),
         Place(NORTH_EAST, "E12000001", "North East", "region", None, None, None, None),
         Place(HARTLEPOOL, "E06000001", "Hartlepool", "utla", NORTH_EAST, CLEVELAND_POLICE,
               None, None),
         Place(MIDDLESBROUGH, "E06000002", "Middlesbrough", "utla", NORTH_EAST,
               CLEVELAND_POLICE, None, None),
         Place(CLEVELAND_POLICE, "E23000013", "Cleveland", "pfa", None, None, None, None)],
        links=[],
        coverages=[(TEES, HARTLEPOOL, dt.date(2022, 8, 1), None),
                   (TEES, MIDDLESBROUGH, dt.date(2022, 8, 1), None)],
        partnership_regions=[(TEES, NORTH_EAST)])


def metric(**changes) -> SimpleNamespace:
    return SimpleNamespace(**{"key": "test", "method": "crude-rate", "multiplier": 100_000,
                              "geography": "utla", "polarity": "low", "disclosure": "none",
                              "denominator_disclosure": "none", **changes})


def observations(rows: list[tuple[int, float, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"area": area, "period_start": dt.date(2023, 1, 1), "period_end": dt.date(2023, 12, 31),
          "period_label": "2023", "breakdown": "", "age_band": "", "numerator": numerator,
          "denominator": denominator, "value": None, "lower_95": None, "upper_95": None,
          "lower_99_8": None, "upper_99_8": None, "synthetic": False}
         for area, numerator, denominator in rows], schema=OBSERVATION_SCHEMA)


def rows_of(computation: MetricComputation) -> dict[tuple[int, int], dict]:
    frame = computation.frame()
    assert frame is not None
    return {(r["kind"], r["id"]): r for r in frame.filter(pl.col("breakdown") == "").to_dicts()}


def test_partnership_region_and_england_are_sums_of_counts_and_populations():
    got = rows_of(MetricComputation(metric(), places(), observations(
        [(HARTLEPOOL, 40, 90_000), (MIDDLESBROUGH, 90, 140_000)])))
    for key in ((PARTNERSHIP, TEES), (AREA, NORTH_EAST), (AREA, ENGLAND)):
        assert (got[key]["numerator"], got[key]["denominator"]) == (130, 230_000)
        assert got[key]["value"] == pytest.approx(130 / 230_000 * 100_000)
        assert got[key]["lower_95"] < got[key]["value"] < got[key]["upper_95"]
    assert got[(PARTNERSHIP, TEES)]["source"] == ""


def test_an_aggregate_needs_every_authority():
    got = rows_of(MetricComputation(metric(), places(), observations(
        [(HARTLEPOOL, 40, 90_000)])))
    assert got[(PARTNERSHIP, TEES)]["value"] is None
    assert "Middlesbrough" in got[(PARTNERSHIP, TEES)]["note"]


def test_a_force_area_metric_gives_the_partnership_its_force_and_says_so_in_a_field():
    frame = observations([(CLEVELAND_POLICE, 700, 570_000)])
    got = rows_of(MetricComputation(metric(geography="pfa"), places(), frame))
    assert got[(PARTNERSHIP, TEES)]["numerator"] == 700
    assert got[(PARTNERSHIP, TEES)]["source"] == "pfa"
    assert got[(PARTNERSHIP, TEES)]["note"] == "Figure for the police force area: Cleveland"


def test_counts_of_one_to_four_are_hidden_with_a_part_that_would_give_them_away():
    """suppress-1-4 (the outcomes framework's rule): Hartlepool's 3 is hidden, and so is a
    second figure, or the partnership's total less Middlesbrough's would give it back."""
    got = rows_of(MetricComputation(metric(method="count", disclosure="suppress-1-4"),
                                    places(), observations([(HARTLEPOOL, 3, None),
                                                            (MIDDLESBROUGH, 60, None)])))
    assert got[(AREA, HARTLEPOOL)]["suppressed"] and got[(AREA, HARTLEPOOL)]["numerator"] is None
    hidden = {key for key, row in got.items() if row["suppressed"]}
    assert len(hidden) >= 2


def test_no_observations_no_rows():
    assert MetricComputation(metric(), places(), observations([])).frame() is None


@pytest.mark.parametrize("module", ["cdphub.outcomes.engine", "cdphub.outcomes.loading"])
def test_the_engine_and_the_file_checks_import_no_django(module):
    code = (f"import sys, {module}; "
            "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) "
            "else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603


# ------------------------------------------------- a local metric's figure for the partnership


WHOLE_TEES = -TEES  # a figure for the partnership as a whole (``loading.partnership_place``)


def local(**changes) -> SimpleNamespace:
    return metric(method="count", disclosure="suppress-1-4", partnership_id=TEES, **changes)


def test_a_figure_loaded_for_the_partnership_as_a_whole_is_its_figure_and_says_so():
    got = rows_of(MetricComputation(local(), places(), observations(
        [(WHOLE_TEES, 250, None), (HARTLEPOOL, 120, None)])))
    tees = got[(PARTNERSHIP, TEES)]
    assert (tees["numerator"], tees["value"], tees["source"]) == (250, 250, "whole")
    assert tees["note"] == "Loaded for the partnership as a whole"
    assert not tees["suppressed"]
    # The authority loaded alongside keeps its own row; no area row is made of the whole.
    assert got[(AREA, HARTLEPOOL)]["value"] == 120 and (AREA, TEES) not in got


def test_a_whole_figure_beside_every_authority_is_kept_and_its_difference_noted():
    got = rows_of(MetricComputation(local(), places(), observations(
        [(WHOLE_TEES, 250, None), (HARTLEPOOL, 120, None), (MIDDLESBROUGH, 100, None)])))
    assert got[(PARTNERSHIP, TEES)]["value"] == 250
    assert got[(PARTNERSHIP, TEES)]["note"].startswith("Published figure: it differs")


def test_a_local_metric_gives_no_other_partnership_a_row():
    other = Places(places().by_id.values(), links=[],
                   coverages=[(TEES, HARTLEPOOL, dt.date(2022, 8, 1), None),
                              (TEES + 1, MIDDLESBROUGH, dt.date(2022, 8, 1), None)],
                   partnership_regions=[(TEES, NORTH_EAST), (TEES + 1, NORTH_EAST)])
    got = rows_of(MetricComputation(local(), other, observations([(HARTLEPOOL, 40, None)])))
    assert got[(PARTNERSHIP, TEES)]["value"] == 40
    assert (PARTNERSHIP, TEES + 1) not in got


def test_a_whole_figure_does_not_give_away_a_hidden_authority():
    """suppress-1-4: Hartlepool's 3 is hidden; the partnership's figure as a whole less
    Middlesbrough's would give it back, so one of those is hidden too."""
    got = rows_of(MetricComputation(local(), places(), observations(
        [(WHOLE_TEES, 63, None), (HARTLEPOOL, 3, None), (MIDDLESBROUGH, 60, None)])))
    assert got[(AREA, HARTLEPOOL)]["suppressed"]
    assert got[(PARTNERSHIP, TEES)]["suppressed"] or got[(AREA, MIDDLESBROUGH)]["suppressed"]


def test_a_whole_figure_does_not_give_away_the_authorities_not_loaded():
    """The partnership's 50 as a whole less Hartlepool's 47 is Middlesbrough's 3, which was
    never loaded: a small number all the same, so the whole or Hartlepool is hidden."""
    got = rows_of(MetricComputation(local(), places(), observations(
        [(WHOLE_TEES, 50, None), (HARTLEPOOL, 47, None)])))
    assert got[(PARTNERSHIP, TEES)]["suppressed"] or got[(AREA, HARTLEPOOL)]["suppressed"]
    # With a remainder of 5 or more nothing needs hiding.
    got = rows_of(MetricComputation(local(), places(), observations(
        [(WHOLE_TEES, 60, None), (HARTLEPOOL, 47, None)])))
    assert not got[(PARTNERSHIP, TEES)]["suppressed"] and not got[(AREA, HARTLEPOOL)]["suppressed"]
