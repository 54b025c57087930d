"""Leases on running loads: noticing, and dealing with, a load whose worker died.

A process running a load (a background worker, or ``cdphub load`` in the foreground) holds
a **lease** on it: ``DataLoad.heartbeat_at``, renewed with each progress step and, from a
thread of its own (``Heartbeat``), every sixth of ``CDPHUB_LOAD_LEASE``. A running load
not heard from for the whole lease is one whose process died (``kill -9``, a machine
restarted, memory ran out) or hangs.

Storing is all or nothing (one transaction, ``store.store_load``), and a dead process's
transaction is rolled back by the database, so such a load stored nothing: it can simply be
run again from the start. ``recover_stopped_loads`` (run by every ``cdphub db_worker`` when it
starts and every sixth of the lease) does that for loads the background worker ran, up to
``CDPHUB_LOAD_ATTEMPTS`` tries in all, by queueing a new task with the same arguments; a load
that has used its tries, or that ``cdphub load`` ran (no task to queue again), is marked
**stopped** with the reason, and can be withdrawn. The django-tasks row of the dead task is
marked failed, so no task is left "running" for ever (it never blocked the queue: workers only
take tasks that are ready).

On SQLite the lease cannot be renewed while the load's own storing transaction holds the
database's write lock, but nor can anything else write then, so no other process can mark
it dead meanwhile; on PostgreSQL the heartbeat thread's own connection renews it throughout.
In both, a worker only completes a load that is still its own (``still_ours``): one that
was given up for dead in the meantime is rolled back rather than stored twice.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import DataLoad

logger = logging.getLogger(__name__)

STOPPED_TASK = "cdphub.outcomes.leases.WorkerStopped"


class LoadAbandoned(Exception):
    """The load stopped being this process's to store (it was given up for dead)."""


def lease_seconds() -> float:
    return settings.CDPHUB_LOAD_LEASE.total_seconds()


def renew_every() -> float:
    """How often a running load's lease is renewed, and workers look for dead loads."""
    return max(0.05, lease_seconds() / 6)


def seen_at(load: DataLoad) -> str:
    """When the load's process was last heard from, as the pages write times."""
    when = timezone.localtime(load.last_seen)
    return date_format(when, r"H:i:s \o\n j F Y")


def _who(load: DataLoad) -> str:
    if load.task_id:
        return "The background worker"
    if load.attempts:
        return "The cdphub load command"
    return "The process loading the file"  # a load started before loads had leases


def stopped_message(load: DataLoad) -> str:
    tries = (f", on attempt {load.attempts} of {settings.CDPHUB_LOAD_ATTEMPTS}"
             if load.task_id and load.attempts > 1 else "")
    return (f"{_who(load)} stopped while loading (last seen at {seen_at(load)}{tries}). "
            "Nothing was stored. Load the file again.")


def stalled_notice(load: DataLoad) -> str | None:
    """For the load's page: what happened to a running load whose lease has run out (a
    worker will deal with it at its next look), or ``None``."""
    if not load.lease_expired:
        return None
    retry = (load.task_id and load.attempts < settings.CDPHUB_LOAD_ATTEMPTS)
    then = ("load the file again from the start" if retry
            else "record that it was not loaded")
    return (f"{_who(load)} stopped while loading (last seen at {seen_at(load)}). Nothing was "
            f"stored. A background worker will {then} when it next checks.")


# ------------------------------------------------------------------------ the process's side


def claim(load_id: int, task_id: str = "") -> DataLoad | None:
    """Take a queued load for this process (a background task): the load, running, or
    ``None`` if it is no longer waiting (already run, taken by another worker, withdrawn)."""
    taken = DataLoad.objects.filter(pk=load_id, status=DataLoad.Status.QUEUED).update(
        status=DataLoad.Status.RUNNING, attempts=F("attempts") + 1, heartbeat_at=timezone.now(),
        task_id=task_id[:64], progress_message="Starting")
    if not taken:
        return None
    return DataLoad.objects.select_related("partnership").get(pk=load_id)


def start_running(load: DataLoad) -> None:
    """Mark ``load`` running in this process (already done by ``claim`` for a task)."""
    if load.status != DataLoad.Status.RUNNING:
        load.attempts += 1
    load.status = DataLoad.Status.RUNNING
    load.progress_total = 100
    load.heartbeat_at = timezone.now()
    load.save(update_fields=["status", "progress_total", "attempts", "heartbeat_at"])


def _ours(load: DataLoad):
    return DataLoad.objects.filter(pk=load.pk, status=DataLoad.Status.RUNNING,
                                   attempts=load.attempts)


def still_ours(load: DataLoad) -> bool:
    """Whether ``load`` is still running as this process's attempt, locking its row until
    the transaction ends (call inside one) so that nobody gives it up for dead meanwhile."""
    return _ours(load).select_for_update().exists()


def renew(load: DataLoad, **fields) -> int:
    """Renew this process's lease on ``load`` (and write ``fields``, its progress say)."""
    return _ours(load).update(heartbeat_at=timezone.now(), **fields)


class Heartbeat:
    """Renews a running load's lease from a thread with its own database connection, every
    sixth of ``CDPHUB_LOAD_LEASE``, for as long as the ``with`` block runs.

    A load run inside the caller's transaction (the demo build, the tests) has no heartbeat:
    nothing it writes can be seen before the caller commits, and another connection waiting
    on the caller's locks would only get in its way."""

    def __init__(self, load: DataLoad):
        self.load = load
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        if not connection.in_atomic_block:
            self.thread = threading.Thread(target=self._run, daemon=True,
                                           name=f"cdphub-load-{self.load.pk}-heartbeat")
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=60)

    def _run(self) -> None:
        try:
            while not self.stop.wait(renew_every()):
                try:
                    renew(self.load)
                except DatabaseError as error:  # busy (another writer): next time, then
                    logger.info("Load %s: its lease was not renewed this time (%s)",
                                self.load.pk, error)
        finally:
            connection.close()  # this thread's own (django.db.connection is per thread)


# ------------------------------------------------------------------------- the watchers' side


def _expired() -> Q:
    cutoff = timezone.now() - settings.CDPHUB_LOAD_LEASE
    return Q(status=DataLoad.Status.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))


def _task_row(task_id: str):
    """The django-tasks database row of the task, if that backend ran it."""
    if not task_id:
        return None
    try:
        return DBTaskResult.objects.filter(pk=task_id).first()
    except (ValidationError, ValueError):  # not a database backend's task id
        return None


def _close_task_row(row, message: str) -> None:
    """Mark a dead task's row failed (it would otherwise say "running" for ever)."""
    if row is not None:
        DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=timezone.now(),
            exception_class_path=STOPPED_TASK, traceback=message, return_value=None)


def mark_stopped(load: DataLoad, message: str) -> None:
    """Record that ``load`` (locked by the caller) stopped without storing anything."""
    load.status = DataLoad.Status.STOPPED
    load.errors = [{"row": None, "column": "", "message": message}]
    load.error_count = 1
    load.finished_at = timezone.now()
    load.progress_message = "Not loaded: the loading stopped"
    load.observations_stored = 0
    load.observations_superseded = 0
    load.save()


def give_up_locked(load: DataLoad, *, requeue: bool) -> str | None:
    """Deal with ``load``, locked by the caller's transaction, if its lease has run out:
    queue it again (``requeue``, a background load with tries left) or mark it stopped.
    Returns what was done ("requeued", "stopped") or ``None`` if it is not dead."""
    from .tasks import run_queued_load  # inside the function: tasks → store → leases

    if not load.lease_expired:
        return None
    message = stopped_message(load)
    row = _task_row(load.task_id)
    _close_task_row(row, message)
    if requeue and row is not None and load.attempts < settings.CDPHUB_LOAD_ATTEMPTS:
        again = (f"{_who(load)} stopped while loading (last seen at {seen_at(load)}). Nothing "
                 f"was stored; loading again from the start (attempt {load.attempts + 1} of "
                 f"{settings.CDPHUB_LOAD_ATTEMPTS}).")
        logger.warning("Load %s: %s", load.pk, again)
        load.status = DataLoad.Status.QUEUED
        load.progress_done = 0
        load.progress_message = again[:200]
        load.task_id = ""
        load.save()
        # In the same transaction: the load waits again exactly when its new task exists.
        arguments = row.args_kwargs or {}
        run_queued_load.enqueue(*arguments.get("args", [load.pk]),
                                **arguments.get("kwargs", {}))
        return "requeued"
    logger.warning("Load %s: %s", load.pk, message)
    mark_stopped(load, message)
    return "stopped"


def give_up(load_id: int, *, requeue: bool = True) -> str | None:
    """``give_up_locked`` in a transaction of its own."""
    with transaction.atomic():
        load = DataLoad.objects.select_for_update().filter(pk=load_id).first()
        return None if load is None else give_up_locked(load, requeue=requeue)


def recover_stopped_loads() -> dict[int, str]:
    """Find running loads whose lease has run out and queue them again or mark them stopped
    (``give_up``). Returns what was done, by load id."""
    done = {}
    for load_id in DataLoad.objects.filter(_expired()).values_list("pk", flat=True):
        outcome = give_up(load_id)
        if outcome:
            done[load_id] = outcome
    return done


def recover_quietly() -> dict[int, str]:
    """``recover_stopped_loads`` for the workers: a database that is busy or away now is
    tried again at the next look, never the end of the worker."""
    try:
        return recover_stopped_loads()
    except DatabaseError as error:
        logger.warning("Looking for loads whose worker stopped failed this time (%s); trying "
                       "again in %.0f s.", error, renew_every())
        return {}
