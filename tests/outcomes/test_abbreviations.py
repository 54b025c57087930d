"""Abbreviations are spelt out where they first appear: methods ("Dsr" was shown), the sources
of the framework's metrics, and the pages that name them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cdphub.framework.outcomes import METHOD_LABELS, METHODS, outcomes_framework
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.forms import LocalMetricForm
from cdphub.outcomes.models import Metric

SPELT_OUT = {
    "DSR": "Directly standardised rate",
    "ISR": "Indirectly standardised ratio",
    "OHID": "Office for Health Improvement and Disparities",
    "NDTMS": "National Drug Treatment Monitoring System",
    "ONS": "Office for National Statistics",
    "JCDU": "Joint Combating Drugs Unit",
    "GSS": "Government Statistical Service",
    "SRO": "senior responsible owner",
}


def assert_spelt_out_first(text: str, where: str) -> None:
    """Each abbreviation in ``text`` first appears as 'Full name (ABBR)'."""
    for abbr, words in SPELT_OUT.items():
        found = re.search(rf"\b{abbr}\b", text)
        if found is None:
            continue
        before = text[:found.start()]
        assert before.lower().endswith(f"{words.lower()} ("), (
            f"{where}: {abbr} first appears without '{words}' before it: "
            f"…{text[max(0, found.start() - 60):found.end()]}")


def test_every_method_has_a_label_that_explains_it():
    assert set(METHOD_LABELS) == set(METHODS)
    assert METHOD_LABELS["dsr"].startswith("Directly standardised rate (DSR)")
    assert METHOD_LABELS["isr"].startswith("Indirectly standardised ratio (ISR)")
    for label in METHOD_LABELS.values():
        assert_spelt_out_first(label, label)


def test_the_framework_spells_out_every_abbreviation_in_what_pages_show():
    framework = outcomes_framework()
    for metric in framework.metrics:
        for name in ("name", "definition", "source", "cite"):
            assert_spelt_out_first(getattr(metric, name), f"{metric.key}.{name}")
    for commitment in framework.commitments:
        assert_spelt_out_first(commitment.measure_note, commitment.key)


@pytest.mark.django_db
def test_the_local_metric_form_and_the_metric_page_say_what_dsr_means(client):
    html = str(LocalMetricForm())
    assert "Dsr" not in html and "Isr" not in html
    assert "Directly standardised rate (DSR), adjusted for age" in html
    sync_catalogue()
    deaths = Metric.objects.get(key="drug_misuse_deaths")
    assert deaths.get_method_display() == METHOD_LABELS["dsr"]
    page = client.get(reverse("outcomes:metric", args=[deaths.key])).content.decode()
    assert "Dsr" not in page
    assert "Directly standardised rate (DSR), adjusted for age" in page
    assert_spelt_out_first(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1]), "metric page")


@pytest.mark.django_db
def test_the_pages_naming_gss_codes_and_the_sro_spell_them_out(client, world):
    from tests.conftest import sign_in

    sign_in(client, world.central_admin)
    for url in (reverse("outcomes:load-new"), reverse("partnerships:register-import"),
                reverse("partnerships:people", args=[world.partnership_a.slug]),
                reverse("partnerships:sro-exception", args=[world.partnership_a.slug])):
        page = client.get(url)
        assert page.status_code == 200, url
        text = re.sub(r"<[^>]+>", " ", page.content.decode().split("<main", 1)[1])
        assert_spelt_out_first(" ".join(text.split()), url)
