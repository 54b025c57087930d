"""Loading a 1,000,000-row record-level file, against a bare Polars read of the same file.

The file is synthetic but shaped like a real extract (one row per hospital admission): the
153 upper-tier authorities of ``geography/data/utla2023_reference.csv`` (each with the code in
use on the row's date, so Cumbria before April 2023 and Cumberland after), weighted by a
skewed "population", dates over five financial years (April 2019 to March 2024) and a sex
column. Three timings:

(a) ``polars.read_csv`` of the file, nothing else: the floor;
(b) ``cdphub.outcomes.loading.check_file``: read, check every row (metric, area, area in use
    on the date, area type) and count by area, financial year and sex — no database (the
    metrics and areas are read from it once beforehand, outside the timing);
(c) the whole load as ``cdphub load`` runs it: store the file with its checksum, check,
    count, and store the figures in one transaction into a throwaway SQLite database; then
    the recomputation that ``data_changed`` sets off (whatever listens to it: the computed
    values for every area, region, England and partnership), timed on its own (the test
    settings' task backend runs it at once).

Figures only: nothing here passes or fails.

    .venv/bin/python benchmarks/load_bench.py [--rows N] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "src" / "cdphub" / "geography" / "data" / "utla2023_reference.csv"
METRIC = "drug_hospital_admissions"  # utla, financial years, by sex


def best_of(function, repeat: int = 5) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def setup_django(workdir: Path) -> None:
    """The test settings on a throwaway SQLite database (and media store) in ``workdir``."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "cdphub.config.settings.test"
    os.environ["CDPHUB_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    from cdphub.geography.loader import load_geography
    from cdphub.outcomes.catalogue import sync_catalogue

    call_command("migrate", verbosity=0)
    load_geography()
    sync_catalogue()


def make_file(path: Path, rows: int, seed: int = 20240401) -> None:
    from cdphub.geography.models import Area

    rng = np.random.default_rng(seed)
    codes = pl.read_csv(REFERENCE).get_column("utla_code_2023").to_list()
    areas = {a.code: a for a in Area.objects.filter(code__in=codes)
             .prefetch_related("predecessors")}
    # The code in use before an authority began (Cumbria before Cumberland, and so on).
    before = {}
    for code, area in areas.items():
        if area.valid_from:
            older = [p for p in area.predecessors.all() if p.area_type == "utla"]
            before[code] = (area.valid_from, older[0].code if older else code)
    weights = rng.lognormal(mean=0.0, sigma=0.6, size=len(codes))
    area_index = rng.choice(len(codes), size=rows, p=weights / weights.sum())
    first = dt.date(2019, 4, 1)
    days = (dt.date(2024, 3, 31) - first).days + 1
    dates = np.datetime64(first) + rng.integers(0, days, rows).astype("timedelta64[D]")
    sex = rng.choice(np.array(["Male", "Female", ""]), size=rows, p=[0.65, 0.34, 0.01])
    frame = pl.DataFrame({
        "metric": np.full(rows, METRIC),
        "area_code": np.array(codes)[area_index],
        "date": dates,
        "breakdown_sex": sex,
    })
    for code, (valid_from, older) in before.items():
        frame = frame.with_columns(
            pl.when((pl.col("area_code") == code) & (pl.col("date") < valid_from))
            .then(pl.lit(older)).otherwise(pl.col("area_code")).alias("area_code"))
    frame.write_csv(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args, _others = parser.parse_known_args()  # ./dev bench passes every script the same options
    workdir = Path(tempfile.mkdtemp(prefix="cdphub-load-bench-"))
    try:
        setup_django(workdir)
        from cdphub.outcomes.loading import Options, check_file
        from cdphub.outcomes.models import DataLoad
        from cdphub.outcomes.store import create_load, reference_from_database, run_load

        path = workdir / "admissions.csv"
        make_file(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"{args.rows:,}-row record-level file, {size_mb:.1f} MB, "
              f"{os.cpu_count()} CPU cores, Polars {pl.__version__}")

        bare, frame = best_of(lambda: pl.read_csv(path))
        assert frame.height == args.rows
        text, _ = best_of(lambda: pl.read_csv(path, infer_schema=False))

        reference = reference_from_database()
        checked_time, checked = best_of(lambda: check_file(
            path, path.name, reference, Options(format="records")))
        assert checked.report.ok, checked.report.errors[:3]
        figures = checked.frame.height

        from unittest import mock

        from cdphub.outcomes.signals import data_changed

        start = time.perf_counter()
        with mock.patch.object(data_changed, "receivers", []):  # timed separately below
            load = create_load(source=path, file_name=path.name, file_format="records")
            load = run_load(load)
        full = time.perf_counter() - start
        assert load.status == DataLoad.Status.COMPLETE, load.errors[:3]
        listeners = len(data_changed.receivers)
        start = time.perf_counter()
        data_changed.send(sender=DataLoad, load=load, metric_ids=checked.metric_ids)
        compute = time.perf_counter() - start

        rows = args.rows
        print()
        print(f"{'step':<58}{'seconds':>9}{'rows/s':>14}{'× bare read':>13}")
        for label, seconds in (
            ("(a) bare polars.read_csv", bare),
            ("    polars.read_csv, every column as text", text),
            ("(b) read + check + count (loading.check_file, no database)", checked_time),
            ("(c) full load into SQLite (checksum, check, count, store)", full),
            (f"    + recompute on data_changed ({listeners} receiver(s))", compute),
            ("    = load, check and compute", full + compute),
        ):
            print(f"{label:<58}{seconds:>9.2f}{rows / seconds:>14,.0f}{seconds / bare:>13.1f}")
        print()
        print(f"{figures:,} figures (153 authorities and their predecessors × 5 financial "
              f"years × total, male, female); load {load.pk}: {load.observations_stored:,} "
              f"stored, {len(load.warnings)} warnings.")
    finally:
        if args.keep:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
