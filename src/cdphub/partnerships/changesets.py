"""One save, one change set: every history record a save writes shares one time and one user.

django-simple-history writes a history record for each row a save touches: recording a new
version of the terms of reference writes the version and its 10 checklist items, 11 records
with 11 slightly different times, which the History page used to show as 11 entries. Here
every history record written in the same change set gets the change set's time (and, when the
change set names who made it, that user), so the History page can put them back together as
one entry (``history.py`` groups records by time and user).

A change set is, in order of precedence:

* an explicit ``with change_set(by=user):`` (the writes in ``meetings.py`` open one, so a
  correction made from a command or a test is grouped and credited as from a page);
* otherwise the web request being served (simple-history's middleware makes it known): every
  write of one request is one change set;
* otherwise each record is its own change set (its own time, as before).

Bulk writes (``bulk_create_with_history``, used by the demo) send no signal; they set
``_history_date`` on each object themselves when their records belong together.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


@dataclass(frozen=True)
class ChangeSet:
    at: dt.datetime
    by: object | None = None  # the user who made the change, if known


_current: contextvars.ContextVar[ChangeSet | None] = contextvars.ContextVar(
    "cdphub_change_set", default=None)
_REQUEST_ATTRIBUTE = "_cdphub_change_set"
_last = [dt.datetime.min.replace(tzinfo=dt.UTC)]
_lock = threading.Lock()


def unique_now() -> dt.datetime:
    """Now, but always later than the last time this process gave out: two change sets
    started in the same microsecond (or on a coarse clock) never share a time, so they are
    never shown as one."""
    with _lock:
        now = max(timezone.now(), _last[0] + dt.timedelta(microseconds=1))
        _last[0] = now
        return now


@contextmanager
def change_set(by=None) -> Iterator[ChangeSet]:
    """Group every history record written inside into one change set. Nested change sets join
    the outer one; inside a web request, the request's own change set is joined."""
    outer = current()
    if outer is not None:
        yield outer
        return
    token = _current.set(ChangeSet(at=unique_now(), by=by))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current() -> ChangeSet | None:
    """The change set being written: the explicit one, else the request's (None outside
    both)."""
    explicit = _current.get()
    if explicit is not None:
        return explicit
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return None
    found = getattr(request, _REQUEST_ATTRIBUTE, None)
    if found is None:
        found = ChangeSet(at=unique_now())
        setattr(request, _REQUEST_ATTRIBUTE, found)
    return found


#: The apps whose records join a partnership's History (the planning app registers its
#: records there too: ``planning/history.py``), so their versions are grouped like the
#: register's.
STAMPED_APPS = frozenset({"partnerships", "planning", "reporting", "oversight", "practice"})


def _stamp(sender, history_instance, **_kwargs) -> None:
    if sender._meta.app_label not in STAMPED_APPS:
        return
    found = current()
    if found is None:
        return
    history_instance.history_date = found.at
    if found.by is not None and getattr(found.by, "is_authenticated", False):
        history_instance.history_user = found.by


pre_create_historical_record.connect(_stamp, dispatch_uid="cdphub-partnerships-change-set")
