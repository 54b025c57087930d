"""Keep the Metric table in step with the framework's data file."""

from __future__ import annotations

from django.db import transaction

from cdphub.framework.outcomes import outcomes_framework

from .models import Metric


@transaction.atomic
def sync_catalogue() -> tuple[int, int]:
    """Create or update the headline and supporting metrics; returns (created, updated)."""
    created = updated = 0
    for order, definition in enumerate(outcomes_framework().metrics, start=1):
        _metric, was_created = Metric.objects.update_or_create(
            key=definition.key,
            defaults={
                "outcome": definition.outcome, "kind": definition.kind,
                "name": definition.name, "definition": definition.definition,
                "source": definition.source, "geography": definition.geography,
                "frequency": definition.frequency, "period_type": definition.period_type,
                "unit": definition.unit, "multiplier": definition.multiplier,
                "method": definition.method, "polarity": definition.polarity,
                "breakdowns": list(definition.breakdowns), "confidence": definition.confidence,
                "disclosure": definition.disclosure,
                "denominator_disclosure": definition.denominator_disclosure,
                "cite": definition.cite, "order": order,
                "partnership": None,
            },
        )
        created += was_created
        updated += not was_created
    return created, updated
