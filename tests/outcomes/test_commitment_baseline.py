"""The national commitments' baseline comes from the framework data (``commitment_baseline``
in ``framework/data/outcomes_2022.toml``), not from the page's code."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.urls import reverse

from cdphub.framework.outcomes import outcomes_framework
from cdphub.geography.models import Area
from cdphub.outcomes import views_dashboard
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import Metric
from tests.outcomes.test_dashboard import value


def test_the_framework_data_carries_the_commitments_baseline_with_its_source():
    baseline = outcomes_framework().commitment_baseline
    assert baseline.year == 2021
    assert baseline.label == "2020/21"  # the financial year that ends in 2021
    assert "Box 1" in baseline.source
    assert "current numbers" in baseline.quote


@pytest.mark.django_db
def test_the_commitments_page_measures_change_from_the_framework_baseline(client, monkeypatch):
    sync_catalogue()
    treatment = Metric.objects.get(key="numbers_in_treatment")
    england = Area.objects.get(code="E92000001")
    for year, count in ((2020, 275_896.0), (2021, 289_215.0), (2023, 310_863.0)):
        value(treatment, area=england, v=count,
              period=(dt.date(year, 4, 1), dt.date(year + 1, 3, 31), f"{year}/{str(year + 1)[2:]}"))

    def places(page):
        return next(i for i in page.context["items"] if i["commitment"].key == "new_treatment_places")

    item = places(client.get(reverse("outcomes:commitments")))
    assert (item["baseline"].period_label, item["change_text"]) == ("2020/21", "+34,967")

    # A framework whose baseline is a year later moves the page with it.
    framework = outcomes_framework()
    later = dataclasses.replace(framework, commitment_baseline=dataclasses.replace(
        framework.commitment_baseline, year=2022, label="2021/22"))
    monkeypatch.setattr(views_dashboard, "outcomes_framework", lambda: later)
    item = places(client.get(reverse("outcomes:commitments")))
    assert (item["baseline"].period_label, item["change_text"]) == ("2021/22", "+21,648")
