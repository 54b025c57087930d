"""Recomputing computed values as a background task (django-tasks; the worker is
``cdphub db_worker``). ``recompute`` enqueues it once a transaction that changed the data or
a footprint has committed."""

from __future__ import annotations

from django_tasks import task

from .compute import recompute_all, recompute_metrics


@task()
def recompute_values(metric_ids: list[int] | None = None) -> dict[str, int]:
    """Recompute these metrics (``None``: every metric); returns rows written per metric."""
    if metric_ids is None:
        return recompute_all()
    return recompute_metrics(metric_ids)
