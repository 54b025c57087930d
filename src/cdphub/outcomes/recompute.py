"""Recompute computed values when the data or the footprints change, triggered explicitly:

* **the store** (``store.py``): a load stored or withdrawn sends ``signals.data_changed``
  (this app's own event, with the metrics whose current figures changed) inside its
  transaction; the metrics named are recomputed.
* **the register** (``partnerships/actions.py``): registering a partnership or agreeing a
  footprint change sends ``partnerships.signals.footprint_changed`` inside its transaction;
  every metric is recomputed, since partnership figures, their suppression and their
  comparisons all follow the footprint. No other app's *model* signals are listened to: a
  change made outside the register's actions (the Django admin, a shell) is recomputed with
  ``cdphub recompute``.

The work runs once per transaction, after it commits (``transaction.on_commit``): the
metrics asked for in one transaction are collected in a single on-commit callback
(``Recomputation``) and recomputed together, so loading many files or agreeing many
footprint changes in one transaction recomputes once. A rollback discards the callback.

The recomputation itself runs as a django-tasks task (``compute_tasks.recompute_values``),
enqueued from the on-commit callback, so a web request that agrees a footprint change or
withdraws a load does not wait for it.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.dispatch import receiver

from cdphub.core.db import retry_on_lock
from cdphub.partnerships.signals import footprint_changed

from .compute_tasks import recompute_values
from .signals import data_changed


class Recomputation:
    """The recomputation one transaction asks for, run once when it commits.

    It is the transaction's own on-commit callback, so a rollback discards it with the
    transaction: nothing is kept between requests."""

    def __init__(self):
        self.metric_ids: set[int] = set()
        self.everything = False
        self.done = False

    def __call__(self) -> None:
        self.done = True
        if self.everything or self.metric_ids:
            run(None if self.everything else sorted(self.metric_ids))


def _waiting() -> Recomputation | None:
    """This transaction's recomputation, if it has asked for one that has not run yet."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    return next((callback for _ids, callback, *_ in connection.run_on_commit
                 if isinstance(callback, Recomputation) and not callback.done), None)


_SUPPRESSED: ContextVar[bool] = ContextVar("cdphub_recompute_suppressed", default=False)


@contextmanager
def recomputing_here():
    """For code that recomputes itself when it is done (the demo build): inside this block,
    requests for a recomputation, including those of on-commit callbacks run as a
    transaction opened inside it commits, are ignored."""
    token = _SUPPRESSED.set(True)
    try:
        yield
    finally:
        _SUPPRESSED.reset(token)


def schedule(metric_ids=None) -> None:
    """Recompute these metrics (``None``: all) once the current transaction commits (at
    once outside a transaction)."""
    if _SUPPRESSED.get():
        return
    job = _waiting()
    new = job is None
    if new:
        job = Recomputation()
    if metric_ids is None:
        job.everything = True
    else:
        job.metric_ids.update(int(pk) for pk in metric_ids)
    if new:
        transaction.on_commit(job)


def forget_pending() -> None:
    """Drop the recomputation this transaction has asked for (the caller has just done it)."""
    job = _waiting()
    if job is not None:
        job.metric_ids.clear()
        job.everything = False


def run(metric_ids: list[int] | None) -> None:
    """Hand the recomputation to the task queue (``compute_tasks``); the test settings' and
    the development worker's backends run it at once or shortly after. Queueing it is a
    write too, run again if another writer holds the database (``retry_on_lock``)."""
    retry_on_lock(lambda: recompute_values.enqueue(metric_ids=metric_ids),
                  what="Queueing a recomputation")


@receiver(data_changed, dispatch_uid="outcomes_recompute_on_data_changed")
def on_data_changed(sender, metric_ids=(), **kwargs) -> None:
    if metric_ids:
        schedule(metric_ids)


@receiver(footprint_changed, dispatch_uid="outcomes_recompute_on_footprint_changed")
def on_footprint_changed(sender, **kwargs) -> None:
    schedule()
