"""Run the whole test suite: once on SQLite (with the browser tests), once on PostgreSQL.

Called by ``./dev test`` (and so by ``.ci/run``). Any pytest arguments are passed through to
both runs. A run that collects no tests is a failure, never a silent success.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# pytest's last line: "==== 3 passed, 1 skipped in 2.0s ====", or with -q just
# "3 passed, 1 skipped in 2.0s".
SUMMARY = re.compile(r"^(=+ )?(?P<body>\d+ (passed|failed|errors?|skipped|deselected)\b.*?) "
                     r"in [\d.]+s")


def run(label: str, env_extra: dict[str, str], args: list[str]) -> tuple[int, dict[str, int]]:
    env = {**os.environ, **env_extra}
    command = [sys.executable, "-m", "pytest", *args]
    print(f"\n=== {label}: {' '.join(command[2:])}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    last_summary = ""
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        if SUMMARY.search(line):
            last_summary = line
    code = process.wait()
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|errors?|skipped)",
                                              last_summary)}
    print(f"=== {label}: exit {code} after {time.monotonic() - started:.0f}s", flush=True)
    return code, counts


def main() -> int:
    args = sys.argv[1:]
    postgres_url = os.environ.get("CDPHUB_TEST_POSTGRES_URL")
    runs = [("SQLite", {"DATABASE_URL": ""}, args)]
    if postgres_url:
        runs.append(("PostgreSQL", {"DATABASE_URL": postgres_url}, [*args, "-m", "not browser"]))
    else:
        print("CDPHUB_TEST_POSTGRES_URL is not set: run the suite through ./dev test.",
              file=sys.stderr)
        return 2
    total = {"passed": 0, "failed": 0, "skipped": 0}
    failed_runs = []
    for label, env, run_args in runs:
        code, counts = run(label, env, run_args)
        for key in total:
            total[key] += counts.get(key, 0)
        total["failed"] += counts.get("error", 0) + counts.get("errors", 0)
        if code != 0 or counts.get("passed", 0) == 0:
            failed_runs.append(f"{label} (exit {code}, {counts.get('passed', 0)} passed)")
    print()
    if failed_runs:
        print("Failed runs: " + ", ".join(failed_runs))
    print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
