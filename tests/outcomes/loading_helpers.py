"""Helpers for the data-load tests: metrics, files and running a load."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.outcomes.signals import data_changed
from cdphub.outcomes.store import create_load, run_load

DATA = Path(__file__).resolve().parents[1] / "data"
FINGERTIPS_93517 = DATA / "fingertips_93517_ocu_not_in_treatment_sample.csv"

LONG_HEADER = "metric,area_code,period_from,period_to,breakdown_sex,numerator,denominator"


def catalogue() -> dict[str, Metric]:
    sync_catalogue()
    return {m.key: m for m in Metric.objects.all()}


def local_metric(partnership, key="ocu_not_in_treatment", **extra) -> Metric:
    fields = {"outcome": "increase_treatment", "kind": "local",
              "name": "Opiate and crack users not in treatment", "definition": "d",
              "source": "OHID Fingertips 93517", "geography": "utla", "frequency": "annual",
              "period_type": "financial", "unit": "%", "multiplier": 100,
              "method": "proportion", "polarity": "low", "partnership": partnership}
    fields.update(extra)
    return Metric.objects.create(key=key, **fields)


def stand_in_metric(key="ocu_not_in_treatment", **extra) -> Metric:
    """A national (supporting) metric for a published indicator the catalogue does not hold,
    loaded from national files for any area (a local metric's figures are for its
    partnership's footprint only)."""
    fields = {"outcome": "increase_treatment", "kind": "supporting",
              "name": "Opiate and crack users not in treatment", "definition": "d",
              "source": "OHID Fingertips 93517", "geography": "utla", "frequency": "annual",
              "period_type": "financial", "unit": "%", "multiplier": 100,
              "method": "proportion", "polarity": "low"}
    fields.update(extra)
    return Metric.objects.create(key=key, **fields)


def cover(partnership, *codes: str, since: dt.date = dt.date(2019, 4, 1), until=None) -> None:
    """Put the authorities with these codes in the partnership's footprint (a partnership's
    file may hold figures only for its footprint)."""
    from cdphub.geography.models import Area
    from cdphub.partnerships.models import Coverage

    for code in codes:
        Coverage.objects.create(partnership=partnership, area=Area.objects.get(code=code),
                                valid_from=since, valid_to=until)


def csv_bytes(*lines: str, header: str = LONG_HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def load_bytes(data: bytes, *, name="figures.csv", file_format="long", partnership=None,
               user=None, metric_key=None, progress=None) -> DataLoad:
    load = create_load(source=io.BytesIO(data), file_name=name, file_format=file_format,
                       partnership=partnership, user=user)
    return run_load(load, metric_key=metric_key, progress=progress)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def only_receiver():
    """``data_changed`` with no receivers but the test's own (so a load in a test does not
    also recompute values: that is tests/outcomes/test_compute*.py's business). Yields the
    list of calls."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs})

    with mock.patch.object(data_changed, "receivers", []):
        data_changed.sender_receivers_cache.clear()
        data_changed.connect(receiver, weak=False)
        yield calls
    data_changed.sender_receivers_cache.clear()
