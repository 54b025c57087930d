"""Each national commitment is credited only with the growth of what measures it: the growth of
everyone in treatment goes to the 54,500 new places, the opiate group's to the 21,000 places
for people who use opiates and crack cocaine (framework/data/outcomes_2022.toml)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from cdphub.framework.outcomes import outcomes_framework
from cdphub.geography.models import Area
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import Metric
from tests.outcomes.test_dashboard import value

pytestmark = pytest.mark.django_db


def financial(year: int):
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31), f"{year}/{str(year + 1)[2:]}"


@pytest.fixture
def treatment():
    sync_catalogue()
    metric = Metric.objects.get(key="numbers_in_treatment")
    england = Area.objects.get(code="E92000001")
    for year, total, opiate in ((2020, 275_896.0, 140_599.0), (2023, 310_863.0, 142_000.0)):
        value(metric, area=england, v=total, period=financial(year))
        value(metric, area=england, v=opiate, period=financial(year),
              breakdown="substance=Opiate")
        value(metric, area=england, v=total - opiate, period=financial(year),
              breakdown="substance=Non-opiate only")
    return metric


def test_the_framework_says_which_part_of_a_metric_measures_each_commitment():
    by_key = {c.key: c for c in outcomes_framework().commitments}
    assert (by_key["new_treatment_places"].metric, by_key["new_treatment_places"].breakdown) \
        == ("numbers_in_treatment", "")
    assert (by_key["ocu_places"].metric, by_key["ocu_places"].breakdown) == (
        "numbers_in_treatment", "substance=Opiate")
    # No two commitments are credited with the same figures.
    measures = [(c.metric, c.breakdown) for c in by_key.values() if c.metric]
    assert len(measures) == len(set(measures))


def test_each_commitment_gets_its_own_groups_growth(client, treatment):
    page = client.get(reverse("outcomes:commitments"))
    items = {i["commitment"].key: i for i in page.context["items"]}
    places, ocu = items["new_treatment_places"], items["ocu_places"]
    # 310,863 - 275,896 = 34,967, 64% of 54,500; 142,000 - 140,599 = 1,401, 7% of 21,000.
    assert (places["change_text"], places["progress"]) == ("+34,967", 64)
    assert (ocu["change_text"], ocu["progress"]) == ("+1,401", 7)
    assert ocu["latest_text"] == "142,000 people"
    html = page.content.decode()
    row = html[html.index('data-commitment="ocu_places"'):]
    row = row[:row.index("</tr>")]
    assert "(substance: opiate)" in row and "+1,401" in row and "+34,967" not in row
    assert "NDTMS" in row and "Part of the 54,500 places above" in row


def test_the_download_names_the_part_measured(client, treatment):
    response = client.get(reverse("outcomes:commitments-download", args=["csv"]))
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    ocu = next(r for r in rows if any(cell.startswith("21,000 new places") for cell in r))
    assert "Numbers in treatment (substance: opiate)" in ocu
    assert not any("34967" in cell for cell in ocu)
    assert any(cell.startswith("1401") for cell in ocu)
