"""Tests for mistakes a small mutation test showed the suite let through (issue #10, item 8).
Each names the mutation it guards against; each was seen to fail with that mutation made."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from cdphub.accounts.models import Role
from cdphub.geography.models import Area
from cdphub.outcomes import store
from cdphub.outcomes.models import DataLoad, Observation
from cdphub.partnerships import actions
from cdphub.partnerships.models import Coverage, Partnership, Person
from tests.conftest import make_user, sign_in
from tests.outcomes.loading_helpers import catalogue, csv_bytes, load_bytes

pytestmark = pytest.mark.django_db
START = dt.date(2022, 8, 1)


def test_an_authority_covered_until_a_later_date_cannot_be_claimed_before_then():
    """Mutation: the clash check ignores coverage that has an end date (the database's own
    constraint only stops two open-ended coverages)."""
    a = actions.create_partnership(name="Tees A", areas=[Area.objects.get(code="E06000001")],
                                   valid_from=START)
    Coverage.objects.filter(partnership=a).update(valid_to=dt.date(2024, 3, 31))
    with pytest.raises(actions.RegisterError) as error:
        actions.create_partnership(name="Tees B", areas=[Area.objects.get(code="E06000001")],
                                   valid_from=dt.date(2023, 4, 1))
    assert "already covered by Tees A until 31 March 2024" in error.value.message
    assert not Partnership.objects.filter(name="Tees B").exists()


def test_the_action_itself_refuses_an_sro_without_an_eligible_role():
    """Mutation: the action-level SRO role check turned off (the form checks first, so the
    second line of defence was untested)."""
    partnership = actions.create_partnership(
        name="Hartlepool", areas=[Area.objects.get(code="E06000001")], valid_from=START)
    person = Person.objects.create(partnership=partnership, full_name="Ann Lee")
    for role in ("", "nonsense", "other"):  # "other" needs the core members' recorded exception
        with pytest.raises(actions.RegisterError) as error:
            actions.appoint(partnership=partnership, person=person, position="sro",
                            sector="local_authority_officials", start_date=START, sro_role=role)
        assert error.value.field == "sro_role"
    assert not partnership.appointments.exists()


def test_a_central_analyst_needs_the_second_factor(world, client):
    """Mutation: two-factor no longer required of a central analyst (only an incidental count
    of demo accounts noticed)."""
    url = reverse("partnerships:national-milestones")
    sign_in(client, world.central_analyst, verified=False)
    assert client.get(url).status_code != 200
    sign_in(client, world.central_analyst, verified=True)
    assert client.get(url).status_code == 200


def test_a_central_analyst_cannot_register_a_partnership(world, client):
    """Mutation: a central analyst allowed to create partnerships (the URL × role walk had no
    central analyst)."""
    url = reverse("partnerships:create")
    sign_in(client, world.central_analyst)
    assert client.get(url).status_code == 403
    response = client.post(url, {"name": "Analyst's CDP", "authorities": ["E06000001"]})
    assert response.status_code == 403
    assert not Partnership.objects.filter(name="Analyst's CDP").exists()
    admin = make_user("admin2@example.org", Role.CENTRAL_ADMIN)
    sign_in(client, admin)
    assert client.get(url).status_code == 200


def test_a_load_that_fails_part_way_through_storing_stores_nothing():
    """Mutation: a load's figures stored outside a transaction (nothing made storing fail
    part-way)."""
    catalogue()
    rows = [f"continuity_of_care,{code},2019-04-01,2020-03-31,{40 + i},100"
            for i, code in enumerate(["E06000001", "E06000002", "E06000003", "E06000004",
                                      "E06000005"])]
    insert = store._insert_observations
    calls = []

    def fail_on_the_second_batch(chunk, load_id):
        calls.append(chunk.height)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        insert(chunk, load_id)

    with mock.patch.object(store, "BATCH", 2), \
            mock.patch.object(store, "_insert_observations", fail_on_the_second_batch), \
            pytest.raises(RuntimeError):
        load_bytes(csv_bytes(*rows))
    assert len(calls) == 2  # one batch was stored before the failure
    assert Observation.objects.count() == 0
    assert DataLoad.objects.get().status == DataLoad.Status.FAILED


def test_the_wilson_interval_at_99_8_percent_uses_its_own_z():
    """Mutation: the Wilson interval at 99.8% computed with the 95% z. Each Wilson limit L
    solves the score equation (p̂ − L)² = z² L (1 − L) / n; for two-sided 99.8%, z is the
    normal distribution's 99.9th percentile, 3.0902 in every statistical table."""
    from cdphub.stats import proportion

    x, n = 81, 263
    result = proportion([x], [n], multiplier=1)
    p = x / n
    for level, z in (("95", 1.959964), ("99_8", 3.090232)):
        for side in ("lower", "upper"):
            limit = result[f"{side}_{level}"][0]
            assert (p - limit) ** 2 == pytest.approx(z ** 2 * limit * (1 - limit) / n,
                                                     rel=1e-5), (side, level)


def test_a_trend_with_chi_squared_between_the_95_and_99_8_points_is_no_change():
    """Mutation: the recent-trend threshold changed from 9.5495 (χ² on 1 df at 99.8%) to
    3.8415 (at 95%). Five equally precise points rising by 1 a period with standard error
    √2: slope 1, its standard error √2/√10, so χ² = 5, which passes 3.84 and not 9.55."""
    from cdphub.stats import recent_trend

    se = 2 ** 0.5
    values = [10.0 + t for t in range(5)]
    result = recent_trend(list(range(5)), values, [v - 1.96 * se for v in values],
                          [v + 1.96 * se for v in values], [100] * 5, [1000] * 5,
                          value_type="proportion")
    assert result["chi2"][0] == pytest.approx(5.0, rel=1e-9)
    assert result["trend"][0] == "no significant change"
    steep = recent_trend(list(range(5)), values, [v - 0.98 * se for v in values],
                         [v + 0.98 * se for v in values], [100] * 5, [1000] * 5,
                         value_type="proportion")
    assert steep["chi2"][0] == pytest.approx(20.0, rel=1e-9)
    assert steep["trend"][0] == "increasing"
