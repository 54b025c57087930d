"""The needs assessment's and the delivery plan's records in the partnership's History
(``partnerships.history``)."""

from cdphub.partnerships.history import Source, register

from .models import (
    ActionMilestone,
    Assessment,
    DataHolding,
    Evidence,
    Finding,
    FrameworkMetric,
    FundingStream,
    Plan,
    PlanAction,
    Priority,
    QuarterlyUpdate,
    Risk,
    SectionNarrative,
    SharingAgreement,
    TargetPoint,
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

register(
    "delivery_plan", "Delivery plan",
    Source("Delivery plan", "delivery_plan", Plan, lambda pid: {"partnership_id": pid}),
    Source("Plan action", "delivery_plan", PlanAction, lambda pid: {"plan__partnership_id": pid}),
    Source("Action milestone", "delivery_plan", ActionMilestone,
           lambda pid: {"action__plan__partnership_id": pid}),
    Source("Quarterly update", "delivery_plan", QuarterlyUpdate,
           lambda pid: {"action__plan__partnership_id": pid}),
    Source("Funding stream", "delivery_plan", FundingStream,
           lambda pid: {"partnership_id": pid}),
    Source("Performance framework metric", "delivery_plan", FrameworkMetric,
           lambda pid: {"partnership_id": pid}),
    Source("Target", "delivery_plan", TargetPoint,
           lambda pid: {"framework_metric__partnership_id": pid}),
    Source("Risk or disagreement", "delivery_plan", Risk, lambda pid: {"partnership_id": pid}),
    hidden=[(PlanAction, "lineage"), (PlanAction, "plan"), (ActionMilestone, "action"),
            (QuarterlyUpdate, "action"), (TargetPoint, "framework_metric")],
    labels={(PlanAction, "due_on"): "due date", (PlanAction, "starts_on"): "start date",
            (PlanAction, "completed_on"): "date completed", (Plan, "starts_on"): "start",
            (Plan, "ends_on"): "end", (QuarterlyUpdate, "quarter_start"): "quarter",
            (TargetPoint, "period_end"): "by", (FundingStream, "holder"): "holding organisation"},
)
