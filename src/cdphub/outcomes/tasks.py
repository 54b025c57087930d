"""Background tasks for outcomes data (django-tasks; the worker is ``cdphub db_worker``)."""

from __future__ import annotations

import logging

from django_tasks import task

from .leases import claim
from .models import DataLoad
from .store import run_load

logger = logging.getLogger(__name__)


@task(takes_context=True)
def run_queued_load(context, load_id: int, metric_key: str | None = None) -> dict:
    """Check and store a queued load (``cdphub.outcomes.store.run_load``). A load that is
    no longer waiting (already run, taken by another worker, withdrawn) is left as it is.
    Taking it records this task on the load (``leases.claim``), so that if this worker dies
    the load can be queued again with the same arguments."""
    load = claim(load_id, task_id=str(context.task_result.id))
    if load is None:
        status = DataLoad.objects.filter(pk=load_id).values_list("status", flat=True).first()
        logger.info("Load %s is %s, not queued: nothing to do", load_id, status)
        return {"load": load_id, "status": status}
    run_load(load, metric_key=metric_key or None)
    return {"load": load_id, "status": load.status, "stored": load.observations_stored,
            "superseded": load.observations_superseded, "errors": load.error_count}
