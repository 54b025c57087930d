"""Computing values on the synthetic demo dataset: the demo's outcomes step, then
``recompute_all`` on its own and metric by metric.

Builds the whole demo (``cdphub.demo.build.build_demo``: geography, the 142 partnerships with
their 2023 reorganisations, people, governance, the outcomes data through the loader) into a
throwaway SQLite database with the test settings, timing each step from its progress
messages; the time after the last step is the commit and the recomputation the loads'
``data_changed`` signals set off then. Then:

(a) ``recompute_all()``, best of three, with the rows written and the queries it ran;
(b) each metric on its own: current observations, rows written, seconds;
(c) rows written per second.

Figures only: nothing here passes or fails.

    .venv/bin/python benchmarks/compute_bench.py [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path


def setup_django(workdir: Path) -> None:
    """The test settings on a throwaway SQLite database (and media store) in ``workdir``."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "cdphub.config.settings.test"
    os.environ["CDPHUB_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(stamps: list[tuple[str, float]]) -> float:
    from cdphub.demo.build import build_demo

    start = time.perf_counter()
    build_demo(step=lambda what: stamps.append((what, time.perf_counter())))
    end = time.perf_counter()
    stamps.append(("", end))
    return end - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args, _others = parser.parse_known_args()  # ./dev bench passes every script the same options
    workdir = Path(tempfile.mkdtemp(prefix="cdphub-compute-bench-"))
    try:
        setup_django(workdir)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from cdphub.outcomes.compute import recompute_all, recompute_metrics
        from cdphub.outcomes.models import ComputedValue, Metric, Observation

        stamps: list[tuple[str, float]] = []
        total = build(stamps)
        print(f"build_demo: {total:.1f} s in all (SQLite file, WAL)")
        for n, ((what, at), (_next, then)) in enumerate(zip(stamps, stamps[1:], strict=False)):
            if n == len(stamps) - 2:
                what += ", commit (and the recomputation the loads' signals set off)"
            print(f"  {what:76} {then - at:6.1f} s")

        observations = Observation.objects.filter(is_current=True).count()
        times = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                written = recompute_all()
                times.append(time.perf_counter() - start)
        rows = sum(written.values())
        best = min(times)
        print(f"\n(a) recompute_all: {best:.2f} s best of 3 ({', '.join(f'{t:.2f}' for t in times)})"
              f" for {observations:,} observations → {rows:,} computed values, "
              f"{len(queries)} queries")

        print("\n(b) metric by metric")
        print(f"  {'metric':28} {'observations':>12} {'values':>8} {'seconds':>8}")
        for metric in Metric.objects.order_by("order"):
            start = time.perf_counter()
            recompute_metrics([metric.pk])
            seconds = time.perf_counter() - start
            count = Observation.objects.filter(metric=metric, is_current=True).count()
            values = ComputedValue.objects.filter(metric=metric).count()
            print(f"  {metric.key:28} {count:12,} {values:8,} {seconds:8.2f}")
        print(f"\n(c) {rows / best:,.0f} computed values a second")
    finally:
        if args.keep:
            print(f"\nDatabase kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
