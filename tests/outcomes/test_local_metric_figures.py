"""A local metric a partnership can use: figures for the partnership as a whole (its own
code in the area column), figures for its authorities only within its footprint, whoever
loads them, and an overview that says what is missing ("2 of 3 authorities loaded")."""

from __future__ import annotations

import datetime as dt

import pytest

from cdphub.geography.models import Area
from cdphub.outcomes import dashboard
from cdphub.outcomes.compute import recompute_metrics
from cdphub.outcomes.models import DataLoad, Observation
from cdphub.outcomes.published import Figures
from cdphub.outcomes.store import withdraw_load
from cdphub.partnerships.models import Partnership
from tests.outcomes.loading_helpers import catalogue, cover, csv_bytes, load_bytes, local_metric

pytestmark = pytest.mark.django_db

FY19 = "2019-04-01,2020-03-31"
HEADER = "metric,area_code,period_from,period_to,numerator,denominator"
HARTLEPOOL, MIDDLESBROUGH, REDCAR, DARLINGTON = "E06000001", "E06000002", "E06000003", "E06000005"


@pytest.fixture
def tees(db):
    catalogue()
    partnership = Partnership.objects.create(name="Tees Valley CDP", slug="tees-valley",
                                             region=Area.objects.get(code="E12000001"))
    cover(partnership, HARTLEPOOL, MIDDLESBROUGH, REDCAR, since=dt.date(2019, 4, 1))
    local_metric(partnership, key="naloxone_kits", name="Naloxone kits issued",
                 method="count", unit="kits", multiplier=1, polarity="high")
    return partnership


def rows(*lines: str) -> bytes:
    return csv_bytes(*lines, header=HEADER)


def partnership_figure(partnership):
    return Figures.for_partnership_page(partnership).filter(
        partnership=partnership, metric__key="naloxone_kits", breakdown="").first()


def test_the_partnerships_own_code_loads_one_figure_for_it_as_a_whole(tees):
    load = load_bytes(rows(f"naloxone_kits,tees-valley,{FY19},412,"), partnership=tees)
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    stored = Observation.objects.get(load=load)
    assert (stored.partnership, stored.area, stored.numerator) == (tees, None, 412)
    recompute_metrics([stored.metric_id])
    figure = partnership_figure(tees)
    assert (figure.value, figure.geography_source) == (412, "whole")
    row = next(r for r in dashboard.overview(tees).local)
    assert row.figure.value == 412 and row.note == "Loaded for the partnership as a whole."


def test_a_whole_figure_loaded_again_replaces_the_first_and_withdrawing_brings_it_back(tees):
    first = load_bytes(rows(f"naloxone_kits,TEES-VALLEY,{FY19},412,"), partnership=tees)
    second = load_bytes(rows(f"naloxone_kits,tees-valley,{FY19},415,"), partnership=tees)
    assert second.status == DataLoad.Status.COMPLETE, second.errors
    assert second.observations_superseded == 1
    assert Observation.objects.get(is_current=True).load == second
    assert withdraw_load(second, reason="wrong") == 1
    assert Observation.objects.get(is_current=True).load == first


def test_a_central_load_of_a_local_metric_is_refused_outside_its_footprint(tees):
    """National data (a central analyst's load) may hold a local metric's figures, but only
    for its partnership's footprint: nothing is stored, and the error names the row, the
    area, the partnership and the fix."""
    load = load_bytes(rows(f"naloxone_kits,{HARTLEPOOL},{FY19},12,",
                           f"naloxone_kits,{DARLINGTON},{FY19},7,"))
    assert load.status == DataLoad.Status.FAILED and not Observation.objects.exists()
    assert [(e["row"], e["column"]) for e in load.errors] == [(3, "area_code")]
    assert load.errors[0]["message"] == (
        "E06000005 (Darlington) is not in Tees Valley CDP's footprint during 1 April 2019 to "
        "31 March 2020. naloxone_kits is Tees Valley CDP's local metric: it may have figures "
        "only for the authorities its footprint covers, their police force area, its region "
        "and England, or for the partnership as a whole: remove the row, or correct its area "
        "code.")


def test_a_partnerships_code_is_refused_for_a_metric_that_is_not_its_own(tees, world):
    local_metric(world.partnership_a, key="gm_kits", method="count")
    load = load_bytes(rows(f"numbers_in_treatment,tees-valley,{FY19},40,",
                           f"gm_kits,tees-valley,{FY19},40,",
                           f"gm_kits,greater-manchester,{FY19},40,"))
    assert [(e["row"], e["column"]) for e in load.errors] == [(2, "area_code"), (3, "area_code")]
    assert load.errors[0]["message"].startswith(
        "tees-valley is the code for Tees Valley CDP as a whole, but numbers_in_treatment is "
        "not one of its local metrics")
    assert not Observation.objects.exists()


def test_an_unknown_code_says_a_partnerships_code_may_be_used(tees):
    load = load_bytes(rows(f"naloxone_kits,tees,{FY19},40,"))
    assert "for a figure for a partnership as a whole, the partnership's code" \
        in load.errors[0]["message"]


def test_the_overview_says_how_many_authorities_are_loaded(tees):
    load = load_bytes(rows(f"naloxone_kits,{HARTLEPOOL},{FY19},120,",
                           f"naloxone_kits,{MIDDLESBROUGH},{FY19},130,"), partnership=tees)
    recompute_metrics([Observation.objects.filter(load=load).first().metric_id])
    row = next(r for r in dashboard.overview(tees).local)
    assert row.figure is not None and row.figure.value is None
    assert row.missing == "2 of 3 authorities loaded for 2019/20"
    assert row.note == ("2 of 3 authorities loaded for 2019/20: load the other 1, or one "
                        "figure for the partnership as a whole.")
    # A figure for the partnership as a whole then shows, and nothing is said to be missing.
    load_bytes(rows(f"naloxone_kits,tees-valley,{FY19},300,"), partnership=tees)
    recompute_metrics([row.metric.pk])
    row = next(r for r in dashboard.overview(tees).local)
    assert row.figure.value == 300 and row.missing == ""
