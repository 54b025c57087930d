"""Run the whole test suite: on SQLite, in the browser (on SQLite) and on PostgreSQL, side by
side (with pytest arguments: on SQLite, with any browser tests chosen, and on PostgreSQL).

Called by ``./dev test`` (and so by ``.ci/run``). Any pytest arguments are passed through to
both passes. The passes run at the same time, each in a process of its own (sharing the
two cores of a two-core machine): while they run, a line reports each one's progress; when a pass
ends its whole output is printed in one block (so a failure's traceback reads as pytest
wrote it), and at the end each pass's time and the total. A pass that collects no tests is a
failure, never a silent success.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# pytest's last line: "==== 3 passed, 1 skipped in 2.0s ====", or with -q just
# "3 passed, 1 skipped in 2.0s".
SUMMARY = re.compile(r"^(=+ )?(?P<body>\d+ (passed|failed|errors?|skipped|deselected)\b.*?) "
                     r"in [\d.]+s")
# A line of results as pytest prints them ("tests/x.py ..F.  [ 12%]", or with -q just the
# letters), complete or still being written.
RESULTS = re.compile(r"^(\S+\.py )?(?P<results>[.FEsxX]+)(\s+\[\s*\d+%\])?\s*$")
REPORT_EVERY = 30  # seconds between progress lines while the passes run


@dataclass
class Pass:
    label: str
    env: dict[str, str]
    args: list[str]
    lines: list[str] = field(default_factory=list)
    done: int = 0  # tests reported on complete lines
    partial: str = ""  # the line pytest is still writing
    summary: str = ""
    code: int | None = None
    seconds: float = 0.0
    cpu: float = 0.0
    process: subprocess.Popen | None = None

    @property
    def counts(self) -> dict[str, int]:
        return {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|errors?|skipped)",
                                                  self.summary)}


    @property
    def progress(self) -> str:
        if self.code is not None:
            return "done"
        match = RESULTS.match(self.partial)
        done = self.done + (len(match.group("results")) if match else 0)
        return f"{done} run"


def _read(run: Pass, started: float, finished: queue.Queue) -> None:
    assert run.process is not None and run.process.stdout is not None
    pending = b""
    # In chunks, not lines: pytest writes a line of results one test at a time.
    while chunk := run.process.stdout.read1(65536):
        *complete, pending = (pending + chunk).split(b"\n")
        for raw in complete:
            line = raw.decode("utf-8", errors="replace") + "\n"
            run.lines.append(line)
            if match := RESULTS.match(line):
                run.done += len(match.group("results"))
            if SUMMARY.search(line):
                run.summary = line
        run.partial = pending.decode("utf-8", errors="replace")
    if pending:
        run.lines.append(pending.decode("utf-8", errors="replace") + "\n")
    # wait4, not wait: it also gives the CPU time the pass used (its own processes').
    _pid, status, usage = os.wait4(run.process.pid, 0)
    run.code = run.process.returncode = os.waitstatus_to_exitcode(status)
    run.seconds = time.monotonic() - started
    run.cpu = usage.ru_utime + usage.ru_stime
    finished.put(run)


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


def main() -> int:
    args = sys.argv[1:]
    postgres_url = os.environ.get("CDPHUB_TEST_POSTGRES_URL")
    if not postgres_url:
        print("CDPHUB_TEST_POSTGRES_URL is not set: run the suite through ./dev test.",
              file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="cdphub-tests-"))
    postgres = Pass("PostgreSQL", {"DATABASE_URL": postgres_url},
                    [*args, "-m", "not browser", "--database-tests-only"])
    if args:  # chosen tests: SQLite (with any browser tests among them) and PostgreSQL
        runs = [Pass("SQLite", {"DATABASE_URL": ""}, args), postgres]
    else:  # the whole suite: the browser tests (on SQLite) in a pass of their own, with the
        # API, statistics and planning tests (on SQLite) to even out the passes' lengths, so
        # that the two cores share the work rather than one waiting for the longest pass
        # Both SQLite passes use the demo: the first to need it builds it once for both
        # (tests/shared_demo.py).
        moved = ["tests/api", "tests/stats", "tests/planning"]
        shared = {"DATABASE_URL": "", "CDPHUB_TEST_DEMO_FILE": str(scratch / "demo.sqlite3")}
        runs = [Pass("SQLite", shared,
                     ["-m", "not browser", *(f"--ignore={path}" for path in moved)]),
                Pass("SQLite: browser, API, statistics, planning", shared,
                     ["tests/functional", *moved]), postgres]
    started = time.monotonic()
    finished: queue.Queue[Pass] = queue.Queue()
    for run in runs:
        # Each pass has its own temporary folder, so the two never share a tmp_path.
        command = [sys.executable, "-m", "pytest", "--basetemp", str(scratch / run.label),
                   *run.args]
        print(f"=== {run.label}: {' '.join(command[2:])}", flush=True)
        run.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **run.env},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=_read, args=(run, started, finished), daemon=True).start()
    try:
        for _ in runs:
            while True:
                try:
                    run = finished.get(timeout=REPORT_EVERY)
                    break
                except queue.Empty:
                    print(f"... {_minutes(time.monotonic() - started)}: " + ", ".join(
                        f"{r.label}: {r.progress}" for r in runs), flush=True)
            print(f"\n=== {run.label}: output", flush=True)
            sys.stdout.write("".join(run.lines))
            print(f"=== {run.label}: exit {run.code} after {_minutes(run.seconds)}", flush=True)
    except KeyboardInterrupt:
        for run in runs:
            if run.process is not None and run.process.poll() is None:
                run.process.terminate()
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    total = {"passed": 0, "failed": 0, "skipped": 0}
    failed_runs = []
    width = max(len(run.label) for run in runs) + 2
    print()
    for run in runs:
        counts = run.counts
        for key in total:
            total[key] += counts.get(key, 0)
        total["failed"] += counts.get("error", 0) + counts.get("errors", 0)
        if run.code != 0 or counts.get("passed", 0) == 0:
            failed_runs.append(f"{run.label} (exit {run.code}, {counts.get('passed', 0)} passed)")
        summary = run.summary.strip(" =\n") or "no summary line"
        print(f"{run.label + ':':{width}} {_minutes(run.seconds):>14}   {summary} "
              f"(CPU {_minutes(run.cpu)})")
    print(f"{'Total:':{width}} {_minutes(time.monotonic() - started):>14}   (the passes side by side; "
          "CPU is each pass's own processes', PostgreSQL's server not counted)")
    if failed_runs:
        print("Failed runs: " + ", ".join(failed_runs))
    print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
