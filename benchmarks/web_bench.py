"""Serving pages under load: the outcomes overview and a metric page, against a static file
served by the same server in the same run.

Builds the demo (``cdphub.demo.build.build_demo``: geography, the 142 partnerships, people,
governance, the outcomes data and its computed values) into a fresh PostgreSQL database
(``cdphub_bench`` on the server ``CDPHUB_TEST_POSTGRES_URL`` names, which ``./dev bench``
starts), collects the static files, and serves it with gunicorn and the production settings
(``cdphub.config.settings.production``; they force HTTPS, so every request carries
``X-Forwarded-Proto: https``, as a TLS-terminating proxy in front of gunicorn would send).
It signs in over HTTP as the demo partnership member (no two-factor for a plain member) and
measures, one target after the other:

(a) the compiled stylesheet, served by WhiteNoise from the same workers: the baseline;
(b) the Greater Manchester partnership's outcomes overview, ``/partnerships/<slug>/outcomes/``;
(c) its page for deaths related to drug misuse, ``/partnerships/<slug>/outcomes/<key>/``.

While (b) or (c) does not exist yet (404), the nearest existing page is measured instead —
the partnership overview ``/partnerships/<slug>/`` for (b), the metric's own page
``/outcomes/metrics/<key>/`` for (c) — and the table says which URL was measured.

Each target: a 2-second warm-up, then ``--clients`` clients (20) for ``--seconds`` (30), each
a keep-alive HTTP connection issuing requests back to back (the clients run as threads in
``--client-processes`` processes, so the Python client is not held to one core). Printed per
target: requests, requests a second, p50, p95, p99 and the slowest response, errors (any
status but 200, or no response), p50 and p95 as multiples of the static file's, the SQL
queries one request runs (measured in-process beforehand), and the CPU the gunicorn workers,
their PostgreSQL backends and the clients used, in cores. ``--profile`` adds a profile of one
in-process request to each page. Figures only: nothing here passes or fails.

    .venv/bin/python benchmarks/web_bench.py [--seconds 30] [--clients 20] [--quick]
        [--workers N] [--threads N] [--profile] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import logging
import math
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:54329/cdphub"  # scripts/postgres.sh
DATABASE = "cdphub_bench"
HOST = "127.0.0.1"
MEMBER = "member@example.org"  # the demo's Greater Manchester partnership member
METRIC = "drug_misuse_deaths"  # the headline metric for deaths related to drug misuse
STYLESHEET = "build/cdphub.css"
# The production settings redirect plain HTTP to HTTPS unless a proxy says the request came
# over HTTPS (SECURE_PROXY_SSL_HEADER): the benchmark is that proxy.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


# --------------------------------------------------------------------------- the clients
# Run in the client processes (spawned, so only this module's imports are loaded there).


class CountingConnection(http.client.HTTPConnection):
    """A keep-alive connection that counts how often it had to (re)connect: gunicorn's sync
    worker closes the connection after every response, its threaded worker keeps it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.opened = 0

    def connect(self):
        self.opened += 1
        super().connect()


def _client(port: int, path: str, headers: dict, start_at: float, measure_from: float,
            end: float, out: dict) -> None:
    conn = CountingConnection(HOST, port, timeout=60)
    latencies, statuses, errors, size, every = [], Counter(), [], 0, 0
    time.sleep(max(0.0, start_at - time.time()))
    while True:
        now = time.time()
        if now >= end:
            break
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            status, size = response.status, len(body)
        except Exception as error:  # noqa: BLE001 - any failure is an error to count
            status = 0
            conn.close()
            if len(errors) < 3:
                errors.append(f"{type(error).__name__}: {error}")
        elapsed = time.perf_counter() - started
        every += 1
        if now >= measure_from:
            latencies.append(elapsed)
            statuses[status] += 1
    conn.close()
    out.update(latencies=latencies, statuses=statuses, errors=errors, size=size,
               connections=conn.opened, every=every)


def run_clients(port: int, path: str, headers: dict, clients: int, start_at: float,
                warmup: float, seconds: float) -> dict:
    """``clients`` threads, each one connection issuing GET ``path`` back to back from
    ``start_at`` (wall clock, shared by every client process) for ``warmup + seconds``;
    what they saw in the last ``seconds``, and this process's CPU time."""
    cpu = time.process_time()
    measure_from, end = start_at + warmup, start_at + warmup + seconds
    outs = [{} for _ in range(clients)]
    threads = [threading.Thread(target=_client, args=(port, path, headers, start_at,
                                                      measure_from, end, out))
               for out in outs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = Counter()
    for out in outs:
        statuses.update(out["statuses"])
    return {
        "latencies": [value for out in outs for value in out["latencies"]],
        "statuses": statuses,
        "errors": [error for out in outs for error in out["errors"]][:3],
        "size": max(out["size"] for out in outs),
        "connections": sum(out["connections"] for out in outs),
        "every": sum(out["every"] for out in outs),
        "cpu": time.process_time() - cpu,
    }


def _ready(_seconds: float) -> None:
    time.sleep(_seconds)


# --------------------------------------------------------------------------- measurement


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def cpu_ticks(match) -> dict[int, int]:
    """User plus system CPU ticks of every process ``match(pid, ppid, cmdline)`` accepts."""
    ticks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if match(int(entry), int(fields[1]), cmdline):
            ticks[int(entry)] = int(fields[11]) + int(fields[12])
    return ticks


def machine_busy() -> int:
    """CPU ticks the whole machine has spent busy (all but idle and I/O wait), from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


def cpu_used(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds between two ``cpu_ticks`` snapshots (processes that appeared count whole)."""
    hertz = os.sysconf("SC_CLK_TCK")
    return sum(after[pid] - before.get(pid, 0) for pid in after) / hertz


class Server:
    """gunicorn serving ``cdphub.config.wsgi`` with the given environment on a free port."""

    def __init__(self, env: dict, workers: int, threads: int, log: Path):
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = probe.getsockname()[1]
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
        command += ["cdphub.config.wsgi", "--bind", f"{HOST}:{self.port}",
                    "--workers", str(workers), "--log-level", "warning"]
        if threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(threads)]
        self.log = log
        self.logfile = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own server, our own arguments
            command, env=env, stdout=self.logfile, stderr=subprocess.STDOUT, cwd=ROOT)

    def wait_until_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped (exit status {self.process.returncode}):"
                                   f"\n{self.log_tail()}")
            try:
                status, _headers, _body = request(self.port, "GET", path)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def workers(self) -> list[int]:
        return [pid for pid in cpu_ticks(lambda _pid, ppid, _cmd: ppid == self.process.pid)]

    def cpu_ticks(self) -> dict[int, int]:
        return cpu_ticks(lambda pid, ppid, _cmd: self.process.pid in (pid, ppid))

    def log_tail(self, lines: int = 30) -> str:
        self.logfile.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.logfile.close()


def request(port: int, method: str, path: str, headers: dict | None = None,
            body: str | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={**PROXY_HEADERS, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def sign_in(port: int, email: str, password: str) -> str:
    """Sign in through the form, as a browser does; the Cookie header of the session."""
    cookies: dict[str, str] = {}

    def keep(headers) -> None:
        for line in headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                cookies[name] = morsel.value

    def cookie_header() -> str:
        return "; ".join(f"{name}={value}" for name, value in cookies.items())

    path = "/account/sign-in/"
    status, headers, body = request(port, "GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    keep(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if token is None:
        raise RuntimeError(f"No CSRF token in the form at {path}")
    origin = f"https://{HOST}:{port}"
    status, headers, body = request(
        port, "POST", path,
        headers={"Cookie": cookie_header(), "Referer": origin + path, "Origin": origin,
                 "Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "email": email,
                        "password": password}))
    keep(headers)
    if status != 302:
        raise RuntimeError(f"Signing in as {email} answered {status}, not a redirect: "
                           f"{body[:300]!r}")
    return cookie_header()


def measure(pool, processes: int, port: int, path: str, headers: dict, clients: int,
            warmup: float, seconds: float, server: Server, database_backends) -> dict:
    """Every client process's share of ``clients`` for one target, and the CPU used."""
    shares = [clients // processes + (1 if n < clients % processes else 0)
              for n in range(processes)]
    shares = [share for share in shares if share]
    start_at = time.time() + 0.5
    server_before, database_before = server.cpu_ticks(), database_backends()
    machine_before = machine_busy()
    futures = [pool.submit(run_clients, port, path, headers, share, start_at, warmup, seconds)
               for share in shares]
    parts = [future.result() for future in futures]
    # The CPU figures cover the warm-up too: divide by the whole time.
    whole = warmup + seconds
    statuses = Counter()
    for part in parts:
        statuses.update(part["statuses"])
    latencies = sorted(value for part in parts for value in part["latencies"])
    server_cores = cpu_used(server_before, server.cpu_ticks()) / whole
    database_cores = cpu_used(database_before, database_backends()) / whole
    client_cores = sum(part["cpu"] for part in parts) / whole
    machine_cores = (machine_busy() - machine_before) / os.sysconf("SC_CLK_TCK") / whole
    return {
        "latencies": latencies,
        "statuses": statuses,
        "errors": sum(count for status, count in statuses.items() if status != 200),
        "messages": [error for part in parts for error in part["errors"]][:3],
        "size": max(part["size"] for part in parts),
        "connections": sum(part["connections"] for part in parts),
        # CPU per request: the CPU time over every request, warm-up included.
        "server_ms": server_cores * whole / max(1, sum(p["every"] for p in parts)) * 1000,
        "database_ms": database_cores * whole / max(1, sum(p["every"] for p in parts)) * 1000,
        "server_cores": server_cores,
        "database_cores": database_cores,
        "client_cores": client_cores,
        # Everything else the machine did meanwhile (other people's work, the kernel).
        "other_cores": max(0.0, machine_cores - server_cores - database_cores - client_cores),
    }


def warm_up(port: int, path: str, headers: dict, workers: int) -> tuple[int, float]:
    """Three requests per worker (thread), as many at once as there are, before anything is
    timed: with the sync worker a connection goes to whichever worker is free, so this
    makes every worker serve the page at least once (the first request a worker serves
    imports and compiles what the page needs and can take a second or more). Returns the
    number of requests that failed and the slowest request."""
    failures, slowest, lock = 0, 0.0, threading.Lock()

    def one_client() -> None:
        nonlocal failures, slowest
        for _ in range(3):
            start = time.perf_counter()
            try:
                status, _headers, _body = request(port, "GET", path, headers=headers)
            except OSError:
                status = 0
            with lock:
                failures += status != 200
                slowest = max(slowest, time.perf_counter() - start)

    threads = [threading.Thread(target=one_client) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures, slowest


# --------------------------------------------------------------------------- set-up


def database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection(server_url: str):
    import psycopg

    return psycopg.connect(database_url(server_url, "postgres"), autocommit=True,
                           connect_timeout=5)


def database_exists(server_url: str) -> bool:
    with admin_connection(server_url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            [DATABASE]).fetchone() is not None


def recreate_database(server_url: str, drop_only: bool = False) -> None:
    with admin_connection(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def build(reuse: bool) -> None:
    """Migrate and build the demo (unless ``reuse`` and it is there), collect static files."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    from cdphub.demo.build import build_demo
    from cdphub.partnerships.models import Partnership

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrations {time.perf_counter() - start:.1f} s", flush=True)
    if reuse and Partnership.objects.exists():
        print("  demo data: reusing what the database holds (--reuse)")
    else:
        stamps = [("", time.perf_counter())]

        def step(what: str) -> None:
            stamps.append((what, time.perf_counter()))
            print(f"  demo: {what}…", flush=True)

        # The production settings keep demo accounts out (CDPHUB_DEMO_ENABLED off); this
        # throwaway database is the one place they are wanted.
        with override_settings(CDPHUB_DEMO_ENABLED=True):
            build_demo(step=step)
        print(f"  demo built in {time.perf_counter() - stamps[0][1]:.1f} s", flush=True)
    start = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"  collectstatic {time.perf_counter() - start:.1f} s", flush=True)


def choose_targets(client, slug: str) -> list[dict]:
    """The three targets, each with the first candidate URL that answers 200 in-process."""
    from django.templatetags.static import static

    wanted = [
        ("static file", [static(STYLESHEET)]),
        ("outcomes overview", [f"/partnerships/{slug}/outcomes/", f"/partnerships/{slug}/"]),
        ("metric page", [f"/partnerships/{slug}/outcomes/{METRIC}/",
                         f"/outcomes/metrics/{METRIC}/"]),
    ]
    targets = []
    # A page still being written may fail: say why in one line rather than log a traceback.
    request_log = logging.getLogger("django.request")
    level, request_log.level = request_log.level, logging.CRITICAL
    try:
        for name, candidates in wanted:
            tried = []
            for path in candidates:
                if path.startswith("/static/"):
                    break
                response = client.get(path)
                if response.status_code == 200:
                    break
                error = getattr(response, "exc_info", None)
                why = f" ({error[0].__name__}: {error[1]})" if error else ""
                tried.append(f"{path} answered {response.status_code}{why}")
            else:
                raise RuntimeError(f"No URL for the {name} answers 200: {'; '.join(tried)}")
            targets.append({"name": name, "path": path, "intended": candidates[0],
                            "instead_of": tried})
    finally:
        request_log.level = level
    return targets


def queries_per_page(client, targets: list[dict], profile: bool) -> None:
    """One in-process request per page (after one to warm up): its SQL queries and time."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for target in targets:
        if target["path"].startswith("/static/"):
            target["queries"] = 0
            continue
        client.get(target["path"])
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            client.get(target["path"])
            target["in_process"] = time.perf_counter() - start
        target["queries"] = len(captured)
        target["sql_time"] = sum(float(q.get("time") or 0) for q in captured.captured_queries)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(target["path"])
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            out.write("cdphub's own functions, by cumulative time:\n")
            stats.sort_stats("cumulative").print_stats(r"/cdphub/", 15)
            out.write("All functions, by time spent in the function itself:\n")
            stats.sort_stats("tottime").print_stats(15)
            target["profile"] = out.getvalue()


# --------------------------------------------------------------------------- main


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float,
                        help="measured seconds per target (default 30, or 5 with --quick)")
    parser.add_argument("--clients", type=int, default=20,
                        help="concurrent clients (default 20)")
    parser.add_argument("--quick", action="store_true", help="5-second runs (a smoke test)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds (2)")
    cores = os.cpu_count() or 1
    parser.add_argument("--workers", type=int, default=2 * cores + 1,
                        help=f"gunicorn workers (default 2 × cores + 1 = {2 * cores + 1})")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker; above 1 uses gunicorn's gthread worker, "
                             "which keeps connections alive (default 1: the sync worker, "
                             "as `gunicorn cdphub.config.wsgi` runs)")
    parser.add_argument("--client-processes", type=int, default=cores,
                        help=f"processes the client threads are spread over (default {cores})")
    parser.add_argument("--profile", action="store_true",
                        help="print a profile of one in-process request to each page")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help=f"reuse an existing {DATABASE} database (from --keep) rather than "
                             "building the demo again")
    # ./dev bench passes its arguments to every benchmark: ignore the others' options.
    args, ignored = parser.parse_known_args()
    if ignored:
        print(f"(ignoring arguments meant for other benchmarks: {' '.join(ignored)})")
    if args.seconds is None:
        args.seconds = 5.0 if args.quick else 30.0

    server_url = os.environ.get("CDPHUB_TEST_POSTGRES_URL", DEFAULT_SERVER)
    try:
        reuse = args.reuse and database_exists(server_url)
        if not reuse:
            recreate_database(server_url)
    except Exception as error:  # noqa: BLE001 - say what is missing and stop
        sys.exit(f"No PostgreSQL server at {database_url(server_url, '')} ({error}). "
                 "Run ./dev bench, which starts one, or set CDPHUB_TEST_POSTGRES_URL.")

    workdir = Path(tempfile.mkdtemp(prefix="cdphub-web-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cdphub.config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url(server_url, DATABASE),
        "ALLOWED_HOSTS": HOST,
        "CDPHUB_VAR_DIR": str(workdir),  # static files (collectstatic) and media
    }
    os.environ.update(env, ALLOWED_HOSTS=f"{HOST},testserver")
    server = pool = None
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.db import connections
        from django.test import Client

        from cdphub.demo.build import DEMO_PASSWORD, GM
        from cdphub.partnerships.models import Partnership

        load = os.getloadavg()
        print(f"Machine: {cores} cores, load average {load[0]:.2f} before the run. "
              f"Database {DATABASE} on {database_url(server_url, '')}, production settings.")
        build(reuse)
        slug = Partnership.objects.get(name=GM).slug
        # A page that fails (500) is reported, not raised: the next candidate is measured.
        client = Client(headers=PROXY_HEADERS, raise_request_exception=False)
        client.force_login(get_user_model().objects.get(email=MEMBER))
        targets = choose_targets(client, slug)
        queries_per_page(client, targets, args.profile)
        connections.close_all()

        server = Server({**env, "PYTHONUNBUFFERED": "1"}, args.workers, args.threads,
                        workdir / "gunicorn.log")
        server.wait_until_ready(targets[0]["path"])
        workers = server.workers()
        kind = (f"gthread, {args.threads} threads each (keep-alive)" if args.threads > 1 else
                "sync (closes the connection after each response)")
        print(f"gunicorn on {HOST}:{server.port}: {len(workers)} workers ({kind}); "
              f"{args.clients} clients in {args.client_processes} processes; "
              f"{args.warmup:g} s warm-up, then {args.seconds:g} s per target")
        cookie = sign_in(server.port, MEMBER, DEMO_PASSWORD)
        print(f"Signed in as {MEMBER} (partnership member, no two-factor)")
        headers = {**PROXY_HEADERS, "Cookie": cookie}
        for target in targets:
            status, response_headers, _body = request(server.port, "GET", target["path"],
                                                      headers=headers)
            target["status"] = status
            if status != 200:
                where = response_headers.get("Location", "")
                raise RuntimeError(f"{target['path']} answered {status} {where} over HTTP")
            note = f" (instead of {'; '.join(target['instead_of'])})" if target["instead_of"] \
                else ""
            print(f"  {target['name']:18} GET {target['path']} → {status}{note}")

        def database_backends() -> dict[int, int]:
            return cpu_ticks(lambda _pid, _ppid, cmdline: cmdline.startswith("postgres:")
                             and f" {DATABASE} " in cmdline)

        spawn = multiprocessing.get_context("spawn")
        pool = concurrent.futures.ProcessPoolExecutor(args.client_processes, mp_context=spawn)
        # Start the client processes now, so that starting them is not measured.
        for future in [pool.submit(_ready, 0.5) for _ in range(args.client_processes)]:
            future.result()

        print("Measuring:")
        for target in targets:
            print(f"  {target['name']:18} {target['path']} …", end="", flush=True)
            failures, slowest = warm_up(server.port, target["path"], headers,
                                        min(64, max(len(workers), args.workers) * args.threads))
            print(f" first requests (3 a worker): slowest {slowest * 1000:.0f} ms"
                  + (f", {failures} failed" if failures else "") + ";", end="", flush=True)
            target.update(measure(pool, args.client_processes, server.port, target["path"],
                                  headers, args.clients, args.warmup, args.seconds, server,
                                  database_backends))
            statuses = ", ".join(f"{status or 'no response'}: {count:,}"
                                 for status, count in sorted(target["statuses"].items()))
            print(f" {len(target['latencies']):,} requests ({statuses}), "
                  f"p95 {ms(percentile(target['latencies'], 0.95))} ms", flush=True)
            for message in target["messages"]:
                print(f"    error: {message}")

        base = targets[0]
        base_p50 = percentile(base["latencies"], 0.50)
        base_p95 = percentile(base["latencies"], 0.95)
        print(f"\n{'target':18} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'p99 ms':>8} {'max ms':>8} {'errors':>6} {'p50 ×':>6} {'p95 ×':>6} "
              f"{'queries':>7}")
        for target in targets:
            latencies = target["latencies"]
            p50, p95 = percentile(latencies, 0.50), percentile(latencies, 0.95)
            print(f"{target['name']:18} {len(latencies):9,} {len(latencies) / args.seconds:7.1f} "
                  f"{ms(p50):>8} {ms(p95):>8} {ms(percentile(latencies, 0.99)):>8} "
                  f"{ms(latencies[-1] if latencies else math.nan):>8} {target['errors']:6,} "
                  f"{p50 / base_p50:6.1f} {p95 / base_p95:6.1f} {target['queries']:7}")
        print(f"\n{'':18} {'':>8} {'':>7}   {'CPU, cores busy':^33}   {'CPU ms a request':^17}")
        print(f"{'target':18} {'bytes':>8} {'conns':>7}   {'gunicorn':>8} {'postgres':>8} "
              f"{'clients':>8} {'other':>6}   {'gunicorn':>8} {'postgres':>8}   "
              "one request alone, in-process")
        for target in targets:
            alone = (f"{target['in_process'] * 1000:.1f} ms, {target['queries']} queries "
                     f"({target['sql_time'] * 1000:.0f} ms in SQL)" if "in_process" in target
                     else "-")
            print(f"{target['name']:18} {target['size']:8,} {target['connections']:7,}   "
                  f"{target['server_cores']:8.2f} {target['database_cores']:8.2f} "
                  f"{target['client_cores']:8.2f} {target['other_cores']:6.2f}   "
                  f"{target['server_ms']:8.1f} {target['database_ms']:8.1f}   {alone}")
        print("(bytes: the response body; conns: connections the clients opened; CPU: cores "
              "busy on average, 'other' being everything else on the machine, and CPU time a "
              "request in the gunicorn workers and their PostgreSQL backends; warm-up included)")
        print("\nMeasured URLs:")
        for target in targets:
            instead = (f" — instead of {target['intended']}, not there yet"
                       if target["instead_of"] else "")
            print(f"  {target['name']:18} {target['path']}{instead}")
        overview = targets[1]
        print(f"\nOverview p95: {ms(percentile(overview['latencies'], 0.95))} ms with "
              f"{args.clients} clients (aim: under 150 ms on a 2-core machine; "
              f"URL {overview['path']}).")
        # Clients that send their next request as soon as the last one is answered wait, on
        # average, clients × CPU a request ÷ cores at the least (Little's law), however
        # quiet the machine: a floor the CPU figures give even when other work disturbs
        # the times.
        for target in targets[1:]:
            cpu = target["server_ms"] + target["database_ms"]
            print(f"{target['name'].capitalize()}: {cpu:.1f} ms of CPU a request (gunicorn "
                  f"{target['server_ms']:.1f} + PostgreSQL {target['database_ms']:.1f}), so at "
                  f"most {cores * 1000 / cpu:.0f} requests/s on {cores} cores and an average "
                  f"wait of at least {args.clients * cpu / cores:.0f} ms for {args.clients} "
                  f"back-to-back clients; an average under 150 ms needs under "
                  f"{150 * cores / args.clients:.0f} ms of CPU a request.")
        for target in targets:
            if target["client_cores"] > 0.25 * cores:
                print(f"Note: for the {target['name']} the clients themselves kept "
                      f"{target['client_cores']:.2f} of the {cores} cores busy, taken from the "
                      "server: its figures understate what the server alone can do.")
        busy = max(t["other_cores"] for t in targets)
        if busy > 0.2:
            print(f"Note: other work kept up to {busy:.2f} of the {cores} cores busy during the "
                  "run; it slows every target, so the ratios are steadier than the times.")
        log = server.log_tail(10)
        if log.strip():
            print(f"gunicorn's log (last lines):\n{log}")
        for target in targets:
            if target.get("profile"):
                print(f"\nProfile of one in-process request to {target['path']}:\n"
                      f"{target['profile']}")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if server is not None:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not have started
            pass
        shutil.rmtree(workdir, ignore_errors=True)
        if args.keep:
            print(f"\nDatabase {database_url(server_url, DATABASE)} kept "
                  "(--reuse runs against it without building the demo again).")
        else:
            try:
                recreate_database(server_url, drop_only=True)
            except Exception as error:  # noqa: BLE001 - do not hide what went wrong before
                print(f"Could not drop the database {DATABASE}: {error}", file=sys.stderr)


if __name__ == "__main__":
    main()
