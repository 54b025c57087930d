"""The outcomes pages' sentences say when a partnership's figure is older than England's newest
(stored figures, on both databases)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cdphub.geography.models import Area
from cdphub.outcomes.models import Metric
from tests.conftest import sign_in
from tests.outcomes.test_dashboard import DEATHS, figures, value  # noqa: F401 - a fixture

NEWER = (dt.date(2022, 1, 1), dt.date(2024, 12, 31), "2022 - 24")
OLD_NOTE = "(2021 - 23 — the latest published for this area; England has 2022 - 24)"


@pytest.fixture
def england_is_newer(figures):  # noqa: F811 - the fixture imported above
    value(Metric.objects.get(key=DEATHS), area=Area.objects.get(code="E92000001"),
          period=NEWER, v=5.4)


def test_the_overview_and_metric_page_say_the_figure_is_not_the_newest(client, world,
                                                                       england_is_newer):
    sign_in(client, world.member_a)
    overview = client.get(reverse("partnerships:outcomes", args=["greater-manchester"]))
    sentence = next(row.sentence for row in overview.context["data"].rows
                    if row.metric.key == DEATHS)
    assert sentence.startswith(f"Deaths related to drug misuse: 14.0 per 100,000 {OLD_NOTE}, "
                               "significantly worse than England (5.2)")
    assert OLD_NOTE in overview.context["paragraph"]
    page = client.get(reverse("partnerships:outcome-metric", args=["greater-manchester",
                                                                   DEATHS]))
    assert OLD_NOTE in page.content.decode()


def test_a_figure_for_englands_newest_period_has_no_note(client, world, figures):  # noqa: F811
    sign_in(client, world.member_a)
    overview = client.get(reverse("partnerships:outcomes", args=["greater-manchester"]))
    sentence = next(row.sentence for row in overview.context["data"].rows
                    if row.metric.key == DEATHS)
    assert "(2021 - 23)," in sentence and "latest published" not in sentence
