"""The National Combating Drugs Outcomes Framework through the API: the metric catalogue and
the computed values.

What is published (anyone may read it, without signing in):

* headline and supporting metrics;
* values of those metrics for areas (England, regions, police force areas, upper-tier and
  other local authorities).

Everything else needs a signed-in caller (a session or a personal access token) who may read
the partnership concerned (``partnerships.view_partnership``: its members, the adviser for its
region, central users): values for a partnership, and local metrics and all their values.

Small-number suppression applies to every caller: a suppressed value is returned with
``suppressed: true`` and its numerator, denominator, value and limits null, as in every
published output.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import BaseModel, ConfigDict, model_validator

from cdphub.core.access import PUBLIC
from cdphub.framework.outcomes import KINDS, outcomes_framework
from cdphub.geography.models import AreaType
from cdphub.outcomes.models import Metric
from cdphub.outcomes.published import Figure, Figures, readable_metrics
from cdphub.partnerships.models import Partnership

from .access import OPEN, access, caller, refuse
from .areas import area_by_code
from .common import (
    GSS_CODE,
    PARAMETER_ERRORS,
    SLUG,
    TEXT,
    IsoDate,
    Pages,
    SlugPath,
    invalid,
)

router = Router(tags=["Metrics and values"])

Kind = Literal[KINDS]  # type: ignore[valid-type]

# ----------------------------------------------------------------------------- metrics


class PartnershipRef(BaseModel):
    # A plain pydantic model, not a ninja Schema: read from a Partnership's attributes or a
    # dict by pydantic itself (see ValueOut).
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str


class MetricOut(Schema):
    key: str = Field(description="Use it in the values filter: /api/v1/values?metric=KEY.")
    name: str
    outcome: str = Field(description="The outcome's key, e.g. reduce_deaths_harm.")
    outcome_label: str
    kind: Kind = Field(description="headline, supporting (national) or local (a partnership's).")
    definition: str
    source: str
    geography: str = Field(description="The smallest geography it is published for.")
    frequency: str
    period_type: str
    unit: str
    multiplier: int
    method: str
    polarity: str = Field(description="high (higher is better), low or none.")
    breakdowns: list[str] = Field(description="Dimensions values may be broken down by.")
    confidence: int = Field(description="Confidence level (%) of the limits it is judged by.")
    disclosure: str
    partnership: PartnershipRef | None = Field(description="For a local metric: its partnership.")

    @staticmethod
    def resolve_outcome_label(metric: Metric) -> str:
        return metric.get_outcome_display()

    @staticmethod
    def resolve_breakdowns(metric: Metric) -> list[str]:
        return [str(b) for b in metric.breakdowns or []]


class MetricFilters(Schema):
    outcome: str | None = Field(None, max_length=40, pattern=SLUG,
                                description="Only metrics of this outcome (its key, e.g. "
                                            "reduce_deaths_harm).")
    kind: Kind | None = Field(None, description="Only headline, supporting or local metrics.")


def _metric(key: str) -> Metric:
    metric = Metric.objects.select_related("partnership").filter(key=key).first()
    if metric is None:
        raise HttpError(404, f"There is no metric with the key '{key}'. List the metrics at "
                             "/api/v1/metrics.")
    return metric


@router.get("/metrics", auth=OPEN, response={200: list[MetricOut], **PARAMETER_ERRORS},
            summary="List the metrics you may read (national metrics are published)")
@paginate(Pages, page_size=100, max_page_size=1000)
@access(PUBLIC, public=True)
def list_metrics(request, filters: Query[MetricFilters]):
    metrics = readable_metrics(caller(request))
    if filters.outcome:
        known = [o.key for o in outcomes_framework().outcomes]
        if filters.outcome not in known:
            raise invalid("outcome", f"There is no outcome '{filters.outcome}'. Use one of: "
                                     f"{', '.join(known)}.")
        metrics = metrics.filter(outcome=filters.outcome)
    if filters.kind:
        metrics = metrics.filter(kind=filters.kind)
    return metrics.order_by(F("partnership_id").asc(nulls_first=True), "order", "key")


@router.get("/metrics/{key}", auth=OPEN, response={200: MetricOut, **PARAMETER_ERRORS},
            summary="One metric (national metrics are published; a local metric needs access "
                    "to its partnership)")
@access("api.view_metric", load=_metric, public=True)
def get_metric(request, metric: Metric, key: SlugPath):
    return metric


# ----------------------------------------------------------------------------- values


class ValueArea(BaseModel):
    code: str
    name: str
    type: str


# A plain pydantic model rather than a ninja ``Schema``: a page holds up to 1,000 values, and a
# ``Schema`` reads each field of each through ninja's attribute getter (several times slower
# than pydantic reading the dict ``_from_figure`` makes). No docstring: it would become the
# schema's description in the OpenAPI document.
class ValueOut(BaseModel):

    metric: str = Field(description="The metric's key.")
    area: ValueArea | None = Field(description="The area (null for a partnership's value).")
    partnership: PartnershipRef | None = Field(description="The partnership (null for an area's "
                                                           "value).")
    period_label: str = Field(description="For example 2022, 2021/22 or 2020 - 22.")
    period_start: dt.date
    period_end: dt.date
    breakdown: str = Field(description="Empty for the total; otherwise 'dimension=value' pairs "
                                       "joined by ';', e.g. 'sex=Female'.")
    numerator: float | None
    denominator: float | None
    value: float | None
    lower_95: float | None = Field(description="Lower 95% confidence limit.")
    upper_95: float | None
    lower_99_8: float | None = Field(description="Lower 99.8% confidence limit.")
    upper_99_8: float | None
    unit: str = Field(description="The metric's unit, e.g. 'per 100,000'.")
    comparison: str = Field(description="Compared with England: better, similar, worse, "
                                        "higher, lower, … (empty when not compared).")
    comparison_region: str = Field(description="Compared with the region.")
    trend: str = Field(description="The recent trend, e.g. 'decreasing and getting better'.")
    geography_note: str
    is_synthetic: bool = Field(description="Synthetic demo data, not real figures.")
    suppressed: bool = Field(description="Hidden for small numbers: the figures are null.")

    # Rows come from the read path (``outcomes/published.py``): a hidden figure, or one that
    # is not a finite number, is already None.
    @model_validator(mode="before")
    @classmethod
    def _from_figure(cls, row):
        if not isinstance(row, Figure):
            return row
        return {
            "metric": row.metric_key,
            "area": None if row.area_id is None else {
                "code": row.area_code, "name": row.area_name, "type": row.area_type},
            "partnership": None if row.partnership_id is None else {
                "slug": row.partnership_slug, "name": row.partnership_name},
            "period_label": row.period_label, "period_start": row.period_start,
            "period_end": row.period_end, "breakdown": row.breakdown,
            "numerator": row.numerator, "denominator": row.denominator, "value": row.value,
            "lower_95": row.lower_95, "upper_95": row.upper_95, "lower_99_8": row.lower_99_8,
            "upper_99_8": row.upper_99_8, "unit": row.metric_unit,
            "comparison": row.comparison, "comparison_region": row.comparison_region,
            "trend": row.trend, "geography_note": row.geography_note,
            "is_synthetic": row.is_synthetic, "suppressed": row.suppressed,
        }


ALL_BREAKDOWNS = "all"


class ValueFilters(Schema):
    metric: str | None = Field(None, max_length=80, pattern=SLUG, description="A metric's key.")
    area: str | None = Field(None, pattern=GSS_CODE, description="An area's GSS code.")
    partnership: str | None = Field(None, max_length=80, pattern=SLUG,
                                    description="A partnership's slug (needs access to it).")
    area_type: AreaType | None = Field(None, description="Only values for areas of this type.")
    period: str | None = Field(None, max_length=40, pattern=TEXT,
                               description="A period label exactly, e.g. 2022 or 2021/22.")
    period_from: IsoDate | None = Field(None, description="Only periods starting on or after "
                                                          "this date (YYYY-MM-DD).")
    period_to: IsoDate | None = Field(None, description="Only periods ending on or before this "
                                                        "date (YYYY-MM-DD).")
    breakdown: str = Field("", max_length=200, pattern=TEXT,
                           description="Empty (the default) for totals; a breakdown exactly, "
                                       "e.g. sex=Female; or 'all' for every breakdown.")


def _metric_filter(user, key: str) -> Metric:
    try:
        metric = Metric.objects.select_related("partnership").get(key=key)
    except ObjectDoesNotExist:
        raise invalid("metric", f"There is no metric with the key '{key}'. List the metrics at "
                                "/api/v1/metrics.") from None
    if not user.has_perm("api.view_metric", metric):
        refuse(user, f"the local metric '{key}' and its values")
    return metric


def _partnership_filter(user, slug: str) -> Partnership:
    try:
        partnership = Partnership.objects.get(slug=slug)
    except ObjectDoesNotExist:
        raise invalid("partnership", f"There is no partnership '{slug}'. List the partnerships "
                                     "you may read at /api/v1/partnerships.") from None
    if not user.has_perm("partnerships.view_partnership", partnership):
        refuse(user, f"values for the partnership '{slug}'")
    return partnership


@router.get("/values", auth=OPEN, response={200: list[ValueOut], **PARAMETER_ERRORS},
            summary="Computed values you may read (values of national metrics for areas are "
                    "published)")
@paginate(Pages, page_size=100, max_page_size=1000)
@access(PUBLIC, public=True)
def list_values(request, filters: Query[ValueFilters]):
    user = caller(request)
    values = Figures.for_viewer(user)
    if filters.metric:
        values = values.filter(metric=_metric_filter(user, filters.metric))
    if filters.partnership:
        values = values.filter(partnership=_partnership_filter(user, filters.partnership))
    if filters.area:
        values = values.filter(area=area_by_code(filters.area))
    if filters.area_type:
        values = values.filter(area__area_type=filters.area_type)
    if filters.period:
        values = values.filter(period_label=filters.period.strip())
    if filters.period_from and filters.period_to and filters.period_from > filters.period_to:
        raise invalid("period_to", f"period_to ({filters.period_to}) is before period_from "
                                   f"({filters.period_from}): swap them.")
    if filters.period_from:
        values = values.filter(period_start__gte=filters.period_from)
    if filters.period_to:
        values = values.filter(period_end__lte=filters.period_to)
    if filters.breakdown.strip().lower() != ALL_BREAKDOWNS:
        values = values.filter(breakdown=filters.breakdown.strip())
    return values.order_by(F("metric__partnership_id").asc(nulls_first=True), "metric__order",
                           "metric__key", F("area__code").asc(nulls_last=True),
                           F("partnership__slug").asc(nulls_last=True), "period_start",
                           "period_end", "breakdown", "id")
