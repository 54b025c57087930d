"""The demo, built once per test run and shared by the tests that read it.

Building the demo (every partnership, its governance, the outcomes data, the demo accounts)
takes tens of seconds; many tests read it and a few write to it. It is built once per run:

* for the tests that ask for ``shared_demo`` (tests/conftest.py), which run first and
  together, each in a transaction of its own that is rolled back (the ``db`` fixture), so a
  test that writes sees its own writes and leaves the demo as it found it. On PostgreSQL
  (and any database but SQLite in memory) the demo is built in a transaction that stays open
  while they run and is rolled back after the last; on SQLite in memory it is built and then
  kept as a copy (SQLite's backup API), and what the database held before is copied back
  after the last of them.
* for the browser tests (tests/functional, SQLite only), whose live server needs committed
  data: each test starts from that same copy of the demo, copied in page for page, and what
  the database held before is copied back after it.

When the whole suite runs, its two SQLite passes run side by side and both need the demo:
``scripts/run_tests.py`` names a file for it (``CDPHUB_TEST_DEMO_FILE``), the first pass to
need it builds it and writes it there (holding a lock on the file meanwhile), and the other
waits for the lock and copies it in rather than build it again.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from pathlib import Path

from django.db import connection, transaction


def _backup(source: sqlite3.Connection, target: sqlite3.Connection | None = None):
    """Copy a whole SQLite database (into a new one in memory unless ``target``)."""
    target = target or sqlite3.connect(":memory:", check_same_thread=False)
    source.backup(target)
    return target


def copyable() -> bool:
    """Is the test database one that can be copied whole (SQLite in memory)?"""
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


class SharedDemo:
    FIXTURE = "shared_demo"

    def __init__(self, blocker):
        self.blocker = blocker
        self.atomic = None  # the open transaction holding the demo (not SQLite in memory)
        self.before = None  # a copy of the database before the demo (SQLite in memory)
        self.copy = None  # a copy of the database with the demo (SQLite in memory)
        self.counts: dict[str, int] = {}
        self.steps: list[str] = []

    @property
    def is_open(self) -> bool:
        return self.atomic is not None or self.before is not None

    def _build(self) -> None:
        from cdphub.demo.build import build_demo

        self.steps.clear()
        self.counts = build_demo(step=self.steps.append)
        # Check the deferred constraints now, as a commit would, and once: else each test's
        # teardown (which checks them) checks the whole demo again.
        connection.check_constraints()

    def _build_or_read_shared(self) -> None:
        """Build the demo into the database, or copy it in from the file another pass of the
        same run built (``CDPHUB_TEST_DEMO_FILE``), writing the file when this pass builds."""
        path = os.environ.get("CDPHUB_TEST_DEMO_FILE")
        if not path:
            self._build()
            return
        built, about = Path(path), Path(path + ".json")
        with open(path + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the other pass may be building it
            if built.exists() and about.exists():
                disk = sqlite3.connect(built)
                _backup(disk, connection.connection)
                disk.close()
                saved = json.loads(about.read_text(encoding="utf-8"))
                self.counts, self.steps = saved["counts"], saved["steps"]
                return
            self._build()
            partial = Path(path + ".part")
            disk = sqlite3.connect(partial)
            _backup(connection.connection, disk)
            disk.close()
            partial.replace(built)
            about.write_text(json.dumps({"counts": self.counts, "steps": self.steps}),
                             encoding="utf-8")

    def copy_in(self) -> sqlite3.Connection:
        """SQLite in memory: make the database the demo (built the first time, then copied
        in); returns a copy of what it held before, for ``put_back``."""
        from django.contrib.contenttypes.models import ContentType

        connection.ensure_connection()
        before = _backup(connection.connection)
        if self.copy is None:
            self._build_or_read_shared()
            self.copy = _backup(connection.connection)
        else:
            _backup(self.copy, connection.connection)
        ContentType.objects.clear_cache()  # the copy's content types, not the cached ones
        return before

    @staticmethod
    def put_back(before: sqlite3.Connection) -> None:
        from django.contrib.contenttypes.models import ContentType

        _backup(before, connection.connection)
        before.close()
        ContentType.objects.clear_cache()

    def open(self) -> None:
        """The demo for the ``shared_demo`` tests, until ``close``."""
        with self.blocker.unblock():
            if copyable():
                self.before = self.copy_in()
                return
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            try:
                self._build()
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if not self.is_open:
            return
        with self.blocker.unblock():
            if self.before is not None:
                self.put_back(self.before)
                self.before = None
            else:
                transaction.set_rollback(True)
                self.atomic.__exit__(None, None, None)
                self.atomic = None

    def finish(self) -> None:
        self.close()
        if self.copy is not None:
            self.copy.close()
            self.copy = None
