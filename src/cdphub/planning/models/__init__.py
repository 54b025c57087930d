"""The planning app's models: the joint needs assessment and its registers
(``assessment.py``), and the delivery plan with everything around it (``plan.py``)."""

from .assessment import (
    Assessment,
    DataHolding,
    Evidence,
    Finding,
    Priority,
    SectionNarrative,
    SharingAgreement,
    evidence_type_choices,
    section_choices,
)
from .plan import (
    ActionMilestone,
    FrameworkMetric,
    FundingStream,
    Plan,
    PlanAction,
    QuarterlyUpdate,
    ReminderSent,
    Risk,
    TargetPoint,
    commitment_choices,
)

__all__ = [
    "ActionMilestone", "Assessment", "DataHolding", "Evidence", "Finding", "FrameworkMetric",
    "FundingStream", "Plan", "PlanAction", "Priority", "QuarterlyUpdate", "ReminderSent", "Risk",
    "SectionNarrative", "SharingAgreement", "TargetPoint", "commitment_choices",
    "evidence_type_choices", "section_choices",
]
