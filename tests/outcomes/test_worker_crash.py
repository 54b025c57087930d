"""Real background workers and real locks, in processes of their own.

* A worker (``cdphub db_worker``) killed with SIGKILL while it stores a load: another worker
  notices when the lease runs out and loads the file again from the start, or, once the
  load's tries are used, marks it stopped with the reason, and it can be withdrawn. At no
  moment is part of the load stored.
* A recomputation that finds the database locked by another connection tries again, and
  succeeds once the lock is released, or gives up with a clear logged error.

The test database of the rest of the suite is not used: these tests set up a site of their
own (migrated, with the geography and the catalogue) in a database the subprocesses can
share: a SQLite file, or, on the PostgreSQL run, a PostgreSQL database of its own.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
STOPPED_TASK = "cdphub.outcomes.leases.WorkerStopped"  # a dead worker's task, marked failed
WAIT = 240  # seconds: how long anything may take before the test fails (never reached)

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from cdphub.geography.loader import load_geography
from cdphub.outcomes.catalogue import sync_catalogue
load_geography()
sync_catalogue()
"""

QUEUE_LOAD = """
import sys
from pathlib import Path
import django
django.setup()
from cdphub.outcomes.store import create_load
from cdphub.outcomes.tasks import run_queued_load
load = create_load(source=Path(sys.argv[1]), file_name="figures.csv", file_format="long")
run_queued_load.enqueue(load.pk, None)
print(load.pk)
"""

# The first worker: a real ``cdphub db_worker`` whose storing hangs (holding its open
# transaction) after the first batch of figures, so that the test can kill it mid-store.
HANGING_WORKER = """
import os
import sys
import threading
import django
django.setup()
from cdphub.outcomes import store
insert = store._insert_observations
def insert_then_hang(chunk, load_id):
    insert(chunk, load_id)
    open(os.environ["CDPHUB_TEST_STORING"], "w").close()
    threading.Event().wait()
store._insert_observations = insert_then_hang
from cdphub.cli import main
sys.exit(main(["cdphub", *sys.argv[1:]]))
"""

RECOMPUTE = """
import sys
import django
django.setup()
from cdphub.outcomes.compute_tasks import recompute_values
print(recompute_values.call([int(sys.argv[1])]))
"""

WORKER_ARGS = ["db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"]


@dataclass
class Site:
    vendor: str
    url: str
    env: dict
    path: Path

    def python(self, script: str, *args, env: dict | None = None, check=True):
        result = subprocess.run([sys.executable, "-c", script, *map(str, args)],  # noqa: S603
                                cwd=ROOT,
                                env={**self.env, **(env or {})}, capture_output=True,
                                text=True, timeout=WAIT)
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def cdphub(self, *args, check=True):
        result = subprocess.run([sys.executable, "-m", "cdphub.cli", *map(str, args)],  # noqa: S603
                                cwd=ROOT, env=self.env, capture_output=True, text=True,
                                timeout=WAIT)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start(self, script: str | None, *args, env: dict | None = None,
              log: Path | None = None) -> subprocess.Popen:
        """Start a process; its output goes to ``log`` (a worker's: it runs for a while) or
        to pipes."""
        command = ([sys.executable, "-c", script] if script
                   else [sys.executable, "-m", "cdphub.cli"])
        out = log.open("w") if log else subprocess.PIPE
        process = subprocess.Popen([*command, *map(str, args)], cwd=ROOT,  # noqa: S603
                                   env={**self.env, **(env or {})}, stdout=out,
                                   stderr=subprocess.STDOUT if log else subprocess.PIPE,
                                   text=True)
        process.log = log
        return process

    @contextmanager
    def connect(self):
        if self.vendor == "sqlite":
            db = sqlite3.connect(self.path / "site.sqlite3", isolation_level=None, timeout=30)
        else:
            import psycopg

            db = psycopg.connect(self.url, autocommit=True)
        try:
            yield db
        finally:
            db.close()

    def rows(self, sql: str, *params) -> list[tuple]:
        if self.vendor == "sqlite":
            sql = sql.replace("%s", "?")
        with self.connect() as db:
            return list(db.execute(sql, params).fetchall())

    def value(self, sql: str, *params):
        [(value,)] = self.rows(sql, *params)
        return value

    @contextmanager
    def write_lock(self):
        """Another connection holds the lock a recomputation needs until the block ends."""
        with self.connect() as db:
            if self.vendor == "sqlite":
                db.execute("BEGIN IMMEDIATE")  # the database's one write lock
            else:
                db.execute("BEGIN")
                db.execute("LOCK TABLE outcomes_computedvalue IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                db.execute("COMMIT")


def _postgres_database(name: str) -> str:
    import psycopg

    db = settings.DATABASES["default"]
    server = dict(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                  password=db["PASSWORD"] or None)
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{server['port']}/{name}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("site")
    vendor = "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"
    name = f"{settings.DATABASES['default']['NAME']}_site{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    url = (_postgres_database(name) if vendor == "postgresql"
           else f"sqlite:///{path / 'site.sqlite3'}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cdphub.config.settings.base",
           "DATABASE_URL": url, "CDPHUB_VAR_DIR": str(path), "CDPHUB_DEBUG": "0",
           "PYTHONUNBUFFERED": "1", "CDPHUB_LOG_LEVEL": "WARNING",
           # A short lease, so that a dead worker is noticed within seconds.
           "CDPHUB_LOAD_LEASE_SECONDS": "2", "CDPHUB_SQLITE_TIMEOUT": "5"}
    site = Site(vendor, url, env, path)
    site.python(SETUP)
    yield site
    if vendor == "postgresql":
        import psycopg

        db = settings.DATABASES["default"]
        with psycopg.connect(dbname="postgres", autocommit=True, host=db["HOST"],
                             port=db["PORT"] or 5432, user=db["USER"],
                             password=db["PASSWORD"] or None) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stop(process: subprocess.Popen) -> str:
    """Stop a worker as a supervisor would (SIGTERM); returns what it wrote."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.log.read_text()


def _wait_for(condition, what: str, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if process is not None and process.poll() is not None:
            pytest.fail(f"The worker ended before {what}: {process.log.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"Gave up waiting for {what}")


def _figures_file(site: Site, path: Path) -> int:
    """A long-format file of 11,520 figures (three batches of storing)."""
    codes = [code for (code,) in site.rows(
        "SELECT code FROM geography_area WHERE area_type = 'utla' AND valid_from IS NULL "
        "AND valid_to IS NULL ORDER BY code")]
    lines = ["metric,area_code,period_from,period_to,breakdown_sex,numerator,denominator"]
    for year in range(1900, 1980):
        lines += [f"numbers_in_treatment,{code},{year}-04-01,{year + 1}-03-31,,{n + 5},"
                  for n, code in enumerate(codes)]
    path.write_text("\n".join(lines) + "\n")
    assert len(lines) - 1 > 10_000
    return len(lines) - 1


def _kill_a_worker_mid_store(site: Site, tmp_path: Path, env: dict) -> tuple[int, int]:
    """Queue a load, let a worker start storing it, SIGKILL the worker. Returns the load's
    id and its number of figures."""
    total = _figures_file(site, tmp_path / "figures.csv")
    load_id = int(site.python(QUEUE_LOAD, tmp_path / "figures.csv").stdout.strip())
    marker = tmp_path / "storing"
    worker = site.start(HANGING_WORKER, *WORKER_ARGS, log=tmp_path / "worker-1.log",
                        env={**env, "CDPHUB_TEST_STORING": str(marker)})
    try:
        _wait_for(marker.exists, "the worker stored its first batch", worker)
        status, message = site.rows("SELECT status, progress_message FROM outcomes_dataload "
                                    "WHERE id = %s", load_id)[0]
        assert (status, message) == ("running", f"Storing {total:,} figures")
        assert site.value("SELECT count(*) FROM outcomes_observation WHERE load_id = %s",
                          load_id) == 0  # the first batch is not committed
    finally:
        worker.kill()  # SIGKILL: no chance to tidy up
        worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL
    return load_id, total


def _watch(site: Site, load_id: int, total: int, worker: subprocess.Popen, until: set[str]):
    """Wait for the load to reach a status in ``until``, checking all the while that its
    figures are stored all or nothing."""
    seen = set()

    def settled():
        status = site.value("SELECT status FROM outcomes_dataload WHERE id = %s", load_id)
        stored = site.value("SELECT count(*) FROM outcomes_observation WHERE load_id = %s",
                            load_id)
        assert stored in (0, total), f"{stored} of {total} figures stored"
        seen.add(status)
        return status if status in until else None

    return _wait_for(settled, f"load {load_id} to be {' or '.join(sorted(until))}", worker), seen


def test_a_killed_worker_s_load_is_loaded_again_from_the_start(site, tmp_path):
    env = {"CDPHUB_LOAD_ATTEMPTS": "2"}
    load_id, total = _kill_a_worker_mid_store(site, tmp_path, env)
    worker = site.start(None, *WORKER_ARGS, env=env, log=tmp_path / "worker-2.log")
    try:
        status, seen = _watch(site, load_id, total, worker, {"complete", "stopped"})
        assert status == "complete" and "stopped" not in seen
        assert site.rows("SELECT attempts, observations_stored, error_count FROM "
                         "outcomes_dataload WHERE id = %s", load_id) == [(2, total, 0)]
        assert site.value("SELECT count(*) FROM outcomes_observation WHERE load_id = %s "
                          "AND is_current = %s", load_id, True) == total
        # The dead worker's task is marked failed; the new one ran the load.
        tasks = site.rows("SELECT status, exception_class_path FROM "
                          "django_tasks_database_dbtaskresult"
                          " WHERE task_path = 'cdphub.outcomes.tasks.run_queued_load' "
                          "ORDER BY enqueued_at")
        assert tasks[-2][0] == "FAILED" and tasks[-2][1] == STOPPED_TASK
        _wait_for(lambda: site.rows(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE task_path = "
            "'cdphub.outcomes.tasks.run_queued_load' ORDER BY enqueued_at")[-1] == (
            "SUCCESSFUL",), "the new task to finish", worker)
    finally:
        log = _stop(worker)
    assert f"Load {load_id}: The background worker stopped while loading (last seen at" in log
    assert "loading again from the start (attempt 2 of 2)" in log


def test_a_killed_worker_s_load_with_no_tries_left_is_stopped_and_can_be_withdrawn(
        site, tmp_path):
    env = {"CDPHUB_LOAD_ATTEMPTS": "1"}
    load_id, total = _kill_a_worker_mid_store(site, tmp_path, env)
    worker = site.start(None, *WORKER_ARGS, env=env, log=tmp_path / "worker-2.log")
    try:
        status, _seen = _watch(site, load_id, total, worker, {"complete", "stopped"})
    finally:
        _stop(worker)
    assert status == "stopped"
    assert site.value("SELECT count(*) FROM outcomes_observation WHERE load_id = %s",
                      load_id) == 0
    errors = site.value("SELECT errors FROM outcomes_dataload WHERE id = %s", load_id)
    assert "The background worker stopped while loading (last seen at" in str(errors)
    assert "Nothing was stored. Load the file again." in str(errors)
    # The dead worker's load task is not left "running". (Only the load tasks: the worker
    # started here may be stopped in the middle of another task, such as the recomputation
    # the previous test's load asked for.)
    assert site.rows("SELECT status FROM django_tasks_database_dbtaskresult WHERE status = "
                     "'RUNNING' AND task_path = 'cdphub.outcomes.tasks.run_queued_load'") == []
    out = site.cdphub("load", "--withdraw", load_id, "--reason", "The worker died").stdout
    assert f"Load {load_id} withdrawn" in out
    assert site.rows("SELECT status, withdrawal_reason FROM outcomes_dataload WHERE id = %s",
                     load_id) == [("withdrawn", "The worker died")]


# ---------------------------------------------------------------- recomputing on a busy database


def _recompute_while_locked(site: Site, *, release: bool, attempts: int):
    metric_id, version = site.rows("SELECT id, values_version FROM outcomes_metric WHERE key = "
                                   "'numbers_in_treatment'")[0]
    env = {"CDPHUB_SQLITE_TIMEOUT": "0.1", "CDPHUB_DB_RETRY_ATTEMPTS": str(attempts),
           "CDPHUB_DB_RETRY_BACKOFF": "0.2", "PGOPTIONS": "-c lock_timeout=100"}
    with site.write_lock():
        process = site.start(RECOMPUTE, metric_id, env=env)
        first = process.stderr.readline()  # blocks until the recomputation meets the lock
        assert "Recomputing the values of numbers_in_treatment found the database busy" in first
        assert f"on attempt 1 of {attempts}; trying again in 0.2 s." in first
        if not release:
            process.wait(timeout=WAIT)
    process.wait(timeout=WAIT)
    log = first + process.stderr.read()
    now = site.value("SELECT values_version FROM outcomes_metric WHERE id = %s", metric_id)
    return process, log, version, now


def test_a_recomputation_waits_for_a_lock_and_then_succeeds(site):
    process, log, before, after = _recompute_while_locked(site, release=True, attempts=20)
    assert process.returncode == 0, log
    assert "numbers_in_treatment" in process.stdout.read()
    assert after == before + 1  # its transaction ran, once
    assert "gave up" not in log


def test_a_recomputation_gives_up_after_its_tries_with_a_clear_error(site):
    process, log, before, after = _recompute_while_locked(site, release=False, attempts=3)
    assert process.returncode != 0
    assert log.count("found the database busy") == 2
    assert ("Recomputing the values of numbers_in_treatment gave up after 3 attempts: the "
            "database stayed busy") in log
    assert after == before  # nothing written
