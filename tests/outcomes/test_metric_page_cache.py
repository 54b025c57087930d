"""The metric page's cache: a ``?compare=`` value the page does not know shares the default
page's entry, so made-up values cannot each force a fresh render and fill the cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from cdphub.outcomes import dashboard
from tests.conftest import sign_in
from tests.outcomes.test_dashboard import DEATHS, figures  # noqa: F401 (a fixture)


@pytest.fixture
def cache_keys(monkeypatch):
    """The page-cache keys the metric page asks for, and how often each was built."""
    asked, built = [], []
    real = dashboard.cached

    def spy(key, build):
        asked.append(key)

        def counting_build():
            built.append(key)
            return build()

        return real(key, counting_build)

    monkeypatch.setattr(dashboard, "cached", spy)
    cache.clear()
    yield asked, built
    cache.clear()


@pytest.mark.usefixtures("figures")
def test_unknown_compare_values_share_the_default_pages_cache_entry(client, world, cache_keys):
    sign_in(client, world.member_a)
    url = reverse("partnerships:outcome-metric", args=["greater-manchester", DEATHS])
    asked, built = cache_keys
    assert client.get(url).context["compare_choice"] == "region"  # the default
    for suffix in ("?compare=", "?compare=x1", "?compare=x2", "?compare=REGION",
                   "?compare=" + "y" * 500):
        assert client.get(url + suffix).status_code == 200
    assert len(set(asked)) == 1
    assert len(built) == 1  # rendered once; every other request came from the cache


@pytest.mark.usefixtures("figures")
def test_a_known_compare_value_has_its_own_entry(client, world, cache_keys):
    sign_in(client, world.member_a)
    url = reverse("partnerships:outcome-metric", args=["greater-manchester", DEATHS])
    asked, _built = cache_keys
    client.get(url)
    response = client.get(url + "?compare=partnerships")
    assert response.context["compare_choice"] == "partnerships"
    assert len(set(asked)) == 2
