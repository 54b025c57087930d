"""Recomputation: read a metric's observations and the places, run the engine
(``engine.py``, pure), and hand the rows to the store (``store.replace_values``).

See ``engine.py`` for what is computed. Queries do not depend on the number of areas: five
to read the metrics, areas, boundary changes, footprints and partnerships; then per metric
one to read its observations, one to delete and one ``executemany`` to insert.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from django.db import transaction
from django.utils import timezone

from . import store
from .engine import AREA, OBSERVATION_SCHEMA, PARTNERSHIP, VALUE_COLUMNS, MetricComputation, Places
from .models import DataLoad, Metric, Observation
from .store import load_places

__all__ = ["MetricComputation", "Places", "load_places", "recompute_all", "recompute_metrics"]


# ----------------------------------------------------------------------------- entry points


def recompute_metrics(metric_ids: Iterable[int]) -> dict[str, int]:
    """Replace the computed values of these metrics; returns rows written per metric key."""
    metrics = list(Metric.objects.filter(pk__in=list(metric_ids)).order_by("pk"))
    if not metrics:
        return {}
    places = load_places()
    written = {}
    for metric in metrics:
        computation = MetricComputation(metric, places, read_observations(metric))
        frame = computation.frame()
        rows = [] if frame is None else to_tuples(metric, computation.periods, frame)
        store.replace_values(metric, rows)
        written[metric.key] = len(rows)
    return written


def recompute_all() -> dict[str, int]:
    """Recompute every metric in the catalogue."""
    return recompute_metrics(Metric.objects.values_list("pk", flat=True))


def read_observations(metric: Metric) -> pl.DataFrame:
    """The metric's current figures from complete loads (one query); a figure for a
    partnership as a whole has ``loading.partnership_place`` of it as its area."""
    rows = (
        Observation.objects.filter(metric=metric, is_current=True,
                                   load__status=DataLoad.Status.COMPLETE)
        .annotate(place=store.place_id())
        .values_list("place", "period_start", "period_end", "period_label", "breakdown",
                     "age_band", "numerator", "denominator", "value", "lower_95",
                     "upper_95", "lower_99_8", "upper_99_8", "load__is_synthetic")
    )
    return pl.DataFrame(list(rows), schema=OBSERVATION_SCHEMA, orient="row")


def to_tuples(metric: Metric, periods: list[tuple], rows: pl.DataFrame) -> list[tuple]:
    """The engine's rows as tuples in the order of ``store.FIELDS``, dates adapted for the
    database."""
    ops = transaction.get_connection().ops
    now = ops.adapt_datetimefield_value(timezone.now())
    periods = [(ops.adapt_datefield_value(start), ops.adapt_datefield_value(end), label)
               for start, end, label in periods]
    columns = ["kind", "id", "p", "breakdown", "numerator", "denominator", *VALUE_COLUMNS,
               "suppressed", "note", "source", "comparison", "comparison_region", "trend",
               "synthetic"]
    rows = rows.with_columns(
        [pl.col(n).fill_nan(None) for n in ("numerator", "denominator", *VALUE_COLUMNS)]
    ).with_columns(
        pl.col("note").fill_null("").str.slice(0, 200), pl.col("synthetic").fill_null(False),
        pl.col("source").fill_null(""),
        pl.col("trend").fill_null(""), pl.col("comparison").fill_null(""),
        pl.col("comparison_region").fill_null(""), pl.col("suppressed").fill_null(False))
    metric_id = metric.pk
    return [
        (metric_id, target if kind == AREA else None, target if kind == PARTNERSHIP else None,
         *periods[p], breakdown, numerator, denominator, value, lower_95, upper_95,
         lower_99_8, upper_99_8, suppressed, note, source, comparison, comparison_region,
         trend, synthetic, now)
        for (kind, target, p, breakdown, numerator, denominator, value, lower_95, upper_95,
             lower_99_8, upper_99_8, suppressed, note, source, comparison, comparison_region,
             trend, synthetic) in rows.select(columns).iter_rows()
    ]
