"""A clock for the throttling tests: time stands still until the test moves it, so a lock
never runs out (or fails to) because the machine was slow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze ``django.utils.timezone.now`` (used by Django, django-otp and cdphub alike)."""
    frozen = Clock()
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen
