"""The metric catalogue in the database follows the framework's data file."""

import pytest

from cdphub.framework.outcomes import outcomes_framework
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import Metric


@pytest.mark.django_db
def test_sync_creates_every_framework_metric_once_and_updates_in_place():
    created, updated = sync_catalogue()
    assert (created, updated) == (len(outcomes_framework().metrics), 0)
    Metric.objects.filter(key="county_lines_closed").update(name="Old name", polarity="low")
    created, updated = sync_catalogue()
    assert created == 0 and updated == len(outcomes_framework().metrics)
    metric = Metric.objects.get(key="county_lines_closed")
    assert (metric.name, metric.polarity) == ("County lines closed", "none")
    assert Metric.objects.filter(kind="headline").count() == 11


@pytest.mark.django_db
def test_a_local_metric_must_belong_to_a_partnership(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Metric.objects.create(key="x", outcome="reduce_use", kind="local", name="X",
                              definition="d", source="s", geography="utla", frequency="annual",
                              period_type="financial", unit="n", method="count",
                              polarity="none")
    local = Metric.objects.create(key="naloxone", outcome="reduce_deaths_harm", kind="local",
                                  name="Naloxone kits issued", definition="d", source="s",
                                  geography="utla", frequency="quarterly", period_type="quarter",
                                  unit="kits", method="count", polarity="high",
                                  partnership=world.partnership_a)
    assert local.partnership == world.partnership_a
