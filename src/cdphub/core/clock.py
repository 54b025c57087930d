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
