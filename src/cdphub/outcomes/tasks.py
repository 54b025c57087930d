"""Background tasks for outcomes data (django-tasks; the worker is ``cdphub db_worker``)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def run_queued_load(load_id: int, metric_key: str | None = None) -> dict:
    """Check and store a queued load (``cdphub.outcomes.loading.run_load``). A load that is
    no longer waiting (already run, or run twice by mistake) is left as it is."""
    from .loading import run_load
    from .models import DataLoad

    load = DataLoad.objects.select_related("partnership").get(pk=load_id)
    if load.status != DataLoad.Status.QUEUED:
        logger.info("Load %s is %s, not queued: nothing to do", load_id, load.status)
        return {"load": load_id, "status": load.status}
    run_load(load, metric_key=metric_key or None)
    return {"load": load_id, "status": load.status, "stored": load.observations_stored,
            "superseded": load.observations_superseded, "errors": load.error_count}
