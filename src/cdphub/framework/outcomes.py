"""The National Combating Drugs Outcomes Framework as data (pure Python, no Django).

``outcomes_framework()`` reads ``data/outcomes_2022.toml``: the 6 outcomes, their headline and
supporting metrics with everything needed to compute and judge them, and the Box 1
commitments with the baseline they are measured from. Local metrics that partnerships define
themselves live in the database (``cdphub.outcomes``), not here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache

from . import DATA_DIR

GEOGRAPHIES = ("england", "region", "pfa", "utla")
PERIOD_TYPES = ("calendar", "financial", "pooled_3_calendar", "rolling_12_months", "quarter",
                "survey_year")
METHODS = ("count", "crude-rate", "proportion", "dsr", "isr", "mean")
POLARITIES = ("high", "low", "none")
KINDS = ("headline", "supporting", "local")
DISCLOSURE_RULES = ("suppress-1-4", "round-5", "none")

#: How each method is written for people: abbreviations spelt out where they appear.
METHOD_LABELS = {
    "count": "Count",
    "crude-rate": "Crude rate (not adjusted for age)",
    "proportion": "Proportion (a percentage)",
    "dsr": "Directly standardised rate (DSR), adjusted for age",
    "isr": "Indirectly standardised ratio (ISR), observed against expected",
    "mean": "Mean (average)",
}
#: How each kind of period is written for people.
PERIOD_TYPE_LABELS = {
    "calendar": "Calendar year",
    "financial": "Financial year (April to March)",
    "pooled_3_calendar": "Three calendar years pooled",
    "rolling_12_months": "Rolling 12 months",
    "quarter": "Quarter",
    "survey_year": "Survey year",
}


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    tier: str  # strategic or intermediate
    source: str


@dataclass(frozen=True)
class MetricDefinition:
    key: str
    outcome: str
    kind: str
    name: str
    definition: str
    source: str
    geography: str
    frequency: str
    period_type: str
    unit: str
    multiplier: int
    method: str
    polarity: str
    breakdowns: tuple[str, ...] = field(default_factory=tuple)
    confidence: int = 95
    disclosure: str = "suppress-1-4"
    #: The rule for the denominator when it is another metric's published count (deaths in
    #: treatment per people in treatment: the people in treatment are rounded to 5 where
    #: they are published), so that this metric cannot publish what that one hides.
    denominator_disclosure: str = "none"
    #: "computed": a sum of areas (a partnership, a region not loaded) gets the method's
    #: interval. "none": the published interval is not a sampling interval of the counts (a
    #: share of a modelled population: Fingertips 93532), so a sum cdphub makes itself gets
    #: no interval, and so no comparison; loaded areas keep their published interval.
    aggregate_interval: str = "computed"
    cite: str = ""

    def __post_init__(self):
        for name, allowed in (("geography", GEOGRAPHIES), ("period_type", PERIOD_TYPES),
                              ("method", METHODS), ("polarity", POLARITIES), ("kind", KINDS),
                              ("disclosure", DISCLOSURE_RULES),
                              ("denominator_disclosure", ("none", "round-5")),
                              ("aggregate_interval", ("computed", "none"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"metric {self.key}: {name} must be one of {allowed}, "
                                 f"not {getattr(self, name)!r}")


@dataclass(frozen=True)
class Commitment:
    key: str
    label: str
    by: str
    source: str
    unit: str = ""
    target: int | None = None
    metric: str | None = None
    #: The part of the metric that measures this commitment ("substance=Opiate"), when it is
    #: not the metric's total: each commitment is credited only with its own group's growth.
    breakdown: str = ""
    #: What that part is, in words, and what it leaves out.
    measure_note: str = ""


@dataclass(frozen=True)
class CommitmentBaseline:
    """Where the Box 1 commitments are measured from: the first figure whose period ends in
    ``year`` or later (``label`` is that period for a financial year)."""

    year: int
    label: str
    source: str
    quote: str

    def __post_init__(self):
        if not isinstance(self.year, int) or isinstance(self.year, bool):
            raise ValueError(f"commitment_baseline: year must be a whole year, not {self.year!r}")


@dataclass(frozen=True)
class OutcomesFramework:
    title: str
    outcomes: tuple[Outcome, ...]
    metrics: tuple[MetricDefinition, ...]
    commitments: tuple[Commitment, ...]
    commitment_baseline: CommitmentBaseline

    def metric(self, key: str) -> MetricDefinition:
        for metric in self.metrics:
            if metric.key == key:
                return metric
        raise KeyError(key)

    def metrics_for(self, outcome: str) -> list[MetricDefinition]:
        return [m for m in self.metrics if m.outcome == outcome]


@cache
def outcomes_framework(edition: str = "outcomes_2022") -> OutcomesFramework:
    with open(DATA_DIR / f"{edition}.toml", "rb") as handle:
        data = tomllib.load(handle)
    outcomes = tuple(Outcome(**row) for row in data["outcomes"])
    keys = {o.key for o in outcomes}
    metrics = []
    for row in data["metrics"]:
        metric = MetricDefinition(**{**row, "breakdowns": tuple(row.get("breakdowns", ()))})
        if metric.outcome not in keys:
            raise ValueError(f"metric {metric.key}: unknown outcome {metric.outcome!r}")
        metrics.append(metric)
    return OutcomesFramework(
        title=data["edition"]["title"],
        outcomes=outcomes,
        metrics=tuple(metrics),
        commitments=tuple(Commitment(**row) for row in data["commitments"]),
        commitment_baseline=CommitmentBaseline(**data["commitment_baseline"]),
    )
