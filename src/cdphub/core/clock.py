"""Today's date, in one place, so tests can move time (``CDPHUB_TODAY = "2024-05-01"``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    fixed = getattr(settings, "CDPHUB_TODAY", None)
    if fixed:
        return dt.date.fromisoformat(str(fixed))
    return timezone.localdate()


def now() -> dt.datetime:
    """Now; on the fixed day when ``CDPHUB_TODAY`` moves time (at the real time of day), so a
    timestamp and ``today()`` agree."""
    moment = timezone.localtime()
    fixed = getattr(settings, "CDPHUB_TODAY", None)
    if fixed:
        day = dt.date.fromisoformat(str(fixed))
        moment = moment.replace(year=day.year, month=day.month, day=day.day)
    return moment
