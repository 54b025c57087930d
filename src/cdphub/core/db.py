"""Writes that another writer can get in the way of, tried again rather than lost.

On SQLite only one connection writes at a time: a write waits for the busy timeout
(``OPTIONS["timeout"]`` in the settings) and then fails with ``OperationalError: database is
locked``; a background worker storing a large load can hold the lock for longer than that.
On PostgreSQL a transaction can fail to serialise (``40001``), be chosen as a deadlock's
victim (``40P01``) or give up waiting for a lock where a ``lock_timeout`` is set (``55P03``).
In each case nothing was written, and the same transaction run again a little later
succeeds. ``retry_on_lock`` does that, a bounded number of times, with backoff.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

T = TypeVar("T")

logger = logging.getLogger(__name__)

#: PostgreSQL errors after which the whole transaction may simply be run again.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` means another writer was in the way, not that the work is wrong."""
    if not isinstance(error, OperationalError):
        return False
    if "database is locked" in str(error).lower() or "database table is locked" in str(
            error).lower():
        return True
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES or getattr(
        cause, "pgcode", None) in RETRYABLE_SQLSTATES


def _summary(error: BaseException) -> str:
    """The error's first line (PostgreSQL's messages go on with context)."""
    return (str(error).strip().splitlines() or [error.__class__.__name__])[0]


def retry_on_lock(work: Callable[[], T], *, what: str, attempts: int | None = None,
                  backoff: float | None = None, using: str = DEFAULT_DB_ALIAS) -> T:
    """Run ``work`` (which opens its own transaction), running it again when another writer
    was in the way (``is_transient``): up to ``attempts`` times in all
    (``CDPHUB_DB_RETRY_ATTEMPTS``), waiting ``backoff`` seconds (``CDPHUB_DB_RETRY_BACKOFF``)
    and then twice as long each time. Each retry is logged as a warning naming ``what``; the
    last failure is logged as an error and raised.

    Inside a caller's transaction nothing is retried: the caller's transaction failed with
    it, so only the caller can run it again."""
    attempts = max(1, attempts or settings.CDPHUB_DB_RETRY_ATTEMPTS)
    delay = settings.CDPHUB_DB_RETRY_BACKOFF if backoff is None else backoff
    if connections[using].in_atomic_block:
        return work()
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except OperationalError as error:
            if not is_transient(error):
                raise
            if attempt == attempts:
                logger.error("%s gave up after %d attempts: the database stayed busy (%s). "
                             "Nothing was written.", what, attempts, _summary(error))
                raise
            logger.warning("%s found the database busy (%s) on attempt %d of %d; trying "
                           "again in %.1f s.", what, _summary(error), attempt, attempts, delay)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover
