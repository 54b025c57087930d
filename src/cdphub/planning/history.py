"""The needs assessment's records in the partnership's History (``partnerships.history``)."""

from cdphub.partnerships.history import Source, register

from .models import (
    Assessment,
    DataHolding,
    Evidence,
    Finding,
    Priority,
    SectionNarrative,
    SharingAgreement,
)

register(
    "needs_assessment", "Needs assessment",
    Source("Needs assessment", "needs_assessment", Assessment,
           lambda pid: {"partnership_id": pid}),
    Source("Section of the needs assessment", "needs_assessment", SectionNarrative,
           lambda pid: {"assessment__partnership_id": pid}),
    Source("Finding", "needs_assessment", Finding,
           lambda pid: {"assessment__partnership_id": pid}),
    Source("Priority", "needs_assessment", Priority, lambda pid: {"partnership_id": pid}),
    Source("Evidence", "needs_assessment", Evidence, lambda pid: {"partnership_id": pid}),
    Source("Data held", "needs_assessment", DataHolding, lambda pid: {"partnership_id": pid}),
    Source("Data-sharing agreement", "needs_assessment", SharingAgreement,
           lambda pid: {"partnership_id": pid}),
    hidden=[(Assessment, "snapshot"), (SectionNarrative, "updated_at"),
            (Evidence, "added_at")],
    sensitive=[(Evidence, "file")],
    labels={(SectionNarrative, "text"): "narrative", (SectionNarrative, "section_key"): "section",
            (Evidence, "dated"): "date", (SharingAgreement, "review_on"): "review date"},
)
