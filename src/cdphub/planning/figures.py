"""The figures a needs assessment shows, read through the outcomes read path.

``build(partnership, on)`` gathers, for every metric a section of the assessment names
(``guidance().assessment_sections``), what the partnership's outcomes page for that metric
shows (``outcomes.dashboard.metric_view``, which reads ``outcomes.published.Figures``): the
partnership's latest figure with its 95% interval, England's and the region's for the same
period, the comparison and trend in a sentence, each authority of the footprint, and the
breakdowns (sex, age, substance) the data have. Suppressed figures arrive already blank.

The result is plain data (numbers, words, ISO dates) ready to store as JSON. A draft shows it
live; signing off stores it in ``Assessment.snapshot`` and the page shows the stored copy from
then on, so a later load never changes a signed-off assessment. ``loads`` names the data loads
the figures came from.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from cdphub.framework import guidance
from cdphub.outcomes.dashboard import cache_key, cached, metric_view
from cdphub.outcomes.models import Metric
from cdphub.outcomes.summary import format_value, metric_sentence, with_unit
from cdphub.partnerships.models import Partnership

VERSION = 1


def section_metric_keys() -> list[str]:
    """Every metric any section names, each once, in the order the sections name them."""
    keys: list[str] = []
    for section in guidance().assessment_sections:
        keys += [key for key in section.metrics if key not in keys]
    return keys


def _interval(figure, method: str, unit: str) -> str:
    if figure is None or figure.lower_95 is None or figure.upper_95 is None:
        return ""
    return (f"{format_value(figure.lower_95, method, unit)} to "
            f"{format_value(figure.upper_95, method, unit)}")


def _figure(figure, method: str, unit: str) -> dict | None:
    if figure is None:
        return None
    return {
        "period": figure.period_label,
        "period_start": figure.period_start.isoformat(),
        "period_end": figure.period_end.isoformat(),
        "value": figure.value,
        "lower_95": figure.lower_95,
        "upper_95": figure.upper_95,
        "text": with_unit(figure.value, method, unit) if figure.value is not None else "",
        "interval": _interval(figure, method, unit),
        "suppressed": figure.suppressed,
        "comparison": figure.comparison,
        "comparison_text": figure.comparison_text,
        "comparison_style": figure.comparison_style,
        "trend": figure.trend,
        "is_synthetic": figure.is_synthetic,
    }


def metric_block(partnership: Partnership, metric: Metric, on: dt.date) -> tuple[dict, list]:
    """One metric's figures for the assessment, and the loads they came from."""
    view = metric_view(partnership, metric, on)
    method, unit = metric.method, metric.unit
    newest = view.england_series[-1] if view.england_series else None
    note = ""
    if view.latest is None:
        note = ("Published for England only." if metric.geography == "england"
                else "No figures loaded for this partnership yet.")
    elif view.latest.geography_source == "pfa":
        note = view.latest.geography_note
    block = {
        "key": metric.key,
        "name": metric.name,
        "kind": metric.kind,
        "method": method,
        "unit": unit,
        "sentence": metric_sentence(metric.name, method, unit, view.latest,
                                    view.latest_england, newest),
        "partnership": _figure(view.latest, method, unit),
        "england": _figure(view.latest_england, method, unit),
        "region": _figure(view.latest_region, method, unit),
        "region_name": view.region.name,
        "region_code": view.region.code,
        "authorities": [
            {"code": area.code, "name": area.name, **(_figure(figure, method, unit) or {})}
            for area, figure in view.authorities],
        "breakdowns": [
            {"label": own.breakdown_label, **_figure(own, method, unit),
             "england_value": england.value if england is not None else None,
             "england_text": (with_unit(england.value, method, unit)
                              if england is not None and england.value is not None else "")}
            for own, england in view.breakdowns],
        "note": note,
        "loads": [load.pk for load in view.loads],
    }
    return block, list(view.loads)


def build(partnership: Partnership, on: dt.date) -> dict:
    """Every section metric's figures for ``partnership`` as at ``on`` (see the module)."""
    keys = section_metric_keys()
    metrics = {m.key: m for m in Metric.objects.filter(
        Q(partnership__isnull=True), key__in=keys)}
    blocks, loads = {}, {}
    for key in keys:
        metric = metrics.get(key)
        if metric is None:  # not in this installation's catalogue
            continue
        blocks[key], used = metric_block(partnership, metric, on)
        for load in used:
            loads[load.pk] = {
                "id": load.pk,
                "file_name": load.file_name,
                "loaded_at": load.created_at.isoformat(),
                "loaded_by": getattr(load.loaded_by, "email", "") or "",
                "scope": load.partnership.name if load.partnership_id else "National data",
            }
    return {"version": VERSION, "as_at": on.isoformat(), "metrics": blocks,
            "loads": sorted(loads.values(), key=lambda item: item["loaded_at"], reverse=True)}



def live(partnership: Partnership, on: dt.date) -> dict:
    """``build(partnership, on)`` for a page, kept in the cache until a figure could have
    changed: the key follows every section metric's ``values_version`` (bumped by each
    recomputation, which every load, withdrawal and footprint change triggers) and
    definition, the partnership's name and region, and the day. Signing off always builds
    afresh."""
    metrics = list(Metric.objects.filter(partnership__isnull=True,
                                         key__in=section_metric_keys()).order_by("pk"))
    return cached(cache_key("needs-assessment", partnership, metrics, on.isoformat()),
                  lambda: build(partnership, on))
