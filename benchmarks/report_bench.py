"""Progress reports and the public pages: how long a report takes to generate, and how the
public pages serve under load beside a static file served by the same server in the same run.

Builds the demo into a fresh PostgreSQL database (``cdphub_report_bench`` on the server
``CDPHUB_TEST_POSTGRES_URL`` names, which ``./dev bench`` starts; ``--reuse`` keeps one left
by ``--keep``), with the production settings, as ``web_bench.py`` does (its set-up, server,
clients and measurement are imported from it). Then:

(a) report generation, in-process, for Greater Manchester's report on 2023/24 (the demo's
    published one; its current content, as the report page and ``cdphub report`` build it):
    ``reporting.build.build`` (the snapshot: every generated section from the records and
    figures), ``render.render_html`` and ``render.render_pdf`` (WeasyPrint, tagged PDF), each
    ``--runs`` times after one untimed run: median, p95, the first (cold) run, and the SQL
    queries a build runs;
(b) the public pages with no sign-in: the list of partnerships ``/public/`` and Greater
    Manchester's page ``/public/<slug>/``, under ``--clients`` (20) concurrent clients for
    ``--seconds`` (30) each, after the compiled stylesheet (the baseline): requests a second,
    p50/p95/p99, errors, the ratio to the static file, CPU a request. While a public page does
    not exist yet (not 200 for a visitor who is not signed in), the nearest page a visitor
    can open is measured instead (the areas list, an area's page) and the table says which.

Figures only: nothing here passes or fails. ``--quick``: 3 runs and 5-second loads.

    .venv/bin/python benchmarks/report_bench.py [--runs 10] [--seconds 30] [--clients 20]
        [--quick] [--workers N] [--threads N] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import logging
import math
import multiprocessing
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web_bench  # noqa: E402 - the sibling benchmark, whose helpers this one shares
from web_bench import (  # noqa: E402
    DEFAULT_SERVER,
    HOST,
    PROXY_HEADERS,
    STYLESHEET,
    Server,
    cpu_ticks,
    database_url,
    measure,
    ms,
    percentile,
    queries_per_page,
    request,
    warm_up,
)

DATABASE = "cdphub_report_bench"
# web_bench's set-up helpers read its module's DATABASE: point them at this benchmark's own.
web_bench.DATABASE = DATABASE
YEAR = 2023  # the demo's published report (2023/24)
AREA = "E08000003"  # Manchester, one of Greater Manchester's authorities


def timed(function, runs: int) -> dict:
    """``function()`` once untimed-but-recorded (cold), then ``runs`` times."""
    start = time.perf_counter()
    result = function()
    cold = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    times.sort()
    return {"cold": cold, "median": statistics.median(times), "p95": percentile(times, 0.95),
            "min": times[0], "result": result}


def report_generation(slug: str, runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cdphub.partnerships.models import Partnership
    from cdphub.reporting import build, render
    from cdphub.reporting.models import Report

    partnership = Partnership.objects.get(slug=slug)
    report = Report.objects.filter(partnership=partnership, year=YEAR).first()
    if report is None:  # a demo without its reports: a draft started now (a throwaway database)
        from cdphub.core import clock

        report = Report.objects.create(partnership=partnership, year=YEAR,
                                       data_date=clock.today())
        print(f"  (the demo has no report on {YEAR}: measuring a draft started now)")
    print(f"\n(a) Report generation, in-process: {partnership.name}, "
          f"{report.reporting_year.label} ({report.get_status_display().lower()}), "
          f"{runs} runs after one cold run")
    with CaptureQueriesContext(connection) as captured:
        snapshot = build.build(report)
    rows = [("build (snapshot)", timed(lambda: build.build(report), runs)),
            ("HTML render", timed(lambda: render.render_html(snapshot), runs)),
            ("PDF render", timed(lambda: render.render_pdf(snapshot), runs))]
    html, pdf = rows[1][1]["result"], rows[2][1]["result"]
    print(f"  {'step':18} {'median ms':>10} {'p95 ms':>9} {'min ms':>9} {'cold ms':>9}")
    for name, row in rows:
        print(f"  {name:18} {ms(row['median']):>10} {ms(row['p95']):>9} {ms(row['min']):>9} "
              f"{ms(row['cold']):>9}")
    total = sum(row["median"] for _name, row in rows)
    print(f"  build + HTML + PDF, medians: {total:.2f} s (aim: the PDF under 2 s)")
    pages = pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + pdf.count(b"/Type /Page/")
    print(f"  {len(snapshot.get('sections', []))} generated sections, "
          f"{len(captured):,} SQL queries a build; HTML {len(html.encode()):,} bytes, "
          f"PDF {len(pdf):,} bytes" + (f", about {pages} pages" if pages else ""))


def choose_targets(client, slug: str) -> list[dict]:
    """The static baseline and the two public pages, each the first candidate that answers
    200 to a visitor who is not signed in."""
    from django.templatetags.static import static

    wanted = [
        ("static file", [static(STYLESHEET)]),
        ("public list", ["/public/", "/areas/"]),
        ("public page", [f"/public/{slug}/", f"/areas/{AREA}/"]),
    ]
    targets = []
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
                tried.append(f"{path} answered {response.status_code}")
            else:
                raise RuntimeError(f"No URL for the {name} answers 200: {'; '.join(tried)}")
            targets.append({"name": name, "path": path, "intended": candidates[0],
                            "instead_of": tried})
    finally:
        request_log.level = level
    return targets


def public_pages(args, env: dict, workdir: Path, slug: str) -> None:
    from django.db import connections
    from django.test import Client

    client = Client(headers=PROXY_HEADERS, raise_request_exception=False)
    targets = choose_targets(client, slug)
    queries_per_page(client, targets, profile=False)
    connections.close_all()
    server = pool = None
    try:
        server = Server({**env, "PYTHONUNBUFFERED": "1"}, args.workers, args.threads,
                        workdir / "gunicorn.log")
        server.wait_until_ready(targets[0]["path"])
        workers = server.workers()
        print(f"\n(b) Public pages, not signed in: gunicorn on {HOST}:{server.port}, "
              f"{len(workers)} workers ({'gthread' if args.threads > 1 else 'sync'}); "
              f"{args.clients} clients in {args.client_processes} processes; "
              f"{args.warmup:g} s warm-up, then {args.seconds:g} s per target")
        for target in targets:
            status, _headers, _body = request(server.port, "GET", target["path"])
            if status != 200:
                raise RuntimeError(f"{target['path']} answered {status} over HTTP")

        def database_backends() -> dict[int, int]:
            return cpu_ticks(lambda _pid, _ppid, cmdline: cmdline.startswith("postgres:")
                             and f" {DATABASE} " in cmdline)

        spawn = multiprocessing.get_context("spawn")
        pool = concurrent.futures.ProcessPoolExecutor(args.client_processes, mp_context=spawn)
        for future in [pool.submit(web_bench._ready, 0.5)
                       for _ in range(args.client_processes)]:
            future.result()
        for target in targets:
            print(f"  {target['name']:12} {target['path']} …", end="", flush=True)
            warm_up(server.port, target["path"], PROXY_HEADERS,
                    min(64, max(len(workers), args.workers) * args.threads))
            target.update(measure(pool, args.client_processes, server.port, target["path"],
                                  PROXY_HEADERS, args.clients, args.warmup, args.seconds,
                                  server, database_backends))
            print(f" {len(target['latencies']):,} requests, "
                  f"{target['errors']:,} errors", flush=True)
            for message in target["messages"]:
                print(f"    error: {message}")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if server is not None:
            server.stop()

    base = targets[0]
    base_rate = len(base["latencies"]) / args.seconds
    base_p50 = percentile(base["latencies"], 0.50)
    print(f"\n  {'target':12} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6} {'req/s ÷ static':>14} {'p50 ×':>6} {'CPU ms/req':>10} "
          f"{'queries':>7}  URL")
    for target in targets:
        latencies = target["latencies"]
        rate = len(latencies) / args.seconds
        cpu = target["server_ms"] + target["database_ms"]
        instead = (f" (instead of {target['intended']}, not there yet)"
                   if target["instead_of"] else "")
        print(f"  {target['name']:12} {rate:8.1f} {ms(percentile(latencies, 0.50)):>8} "
              f"{ms(percentile(latencies, 0.95)):>8} {ms(percentile(latencies, 0.99)):>8} "
              f"{target['errors']:6,} {rate / base_rate if base_rate else math.nan:14.2f} "
              f"{percentile(latencies, 0.50) / base_p50:6.1f} {cpu:10.1f} "
              f"{target.get('queries', 0):7}  {target['path']}{instead}")
    print("  (CPU ms/req: gunicorn workers and their PostgreSQL backends, warm-up included; "
          "queries: one request alone, in-process. Aim for the public pages: 500 requests/s "
          f"on a 2-core machine. Other work on the machine: up to "
          f"{max(t['other_cores'] for t in targets):.2f} cores busy.)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="timed runs of each report step "
                                                 "(default 10, or 3 with --quick)")
    parser.add_argument("--seconds", type=float,
                        help="measured seconds per public page (default 30, or 5 with --quick)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: fewer, shorter runs")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds (2)")
    cores = os.cpu_count() or 1
    parser.add_argument("--workers", type=int, default=2 * cores + 1,
                        help=f"gunicorn workers (default 2 × cores + 1 = {2 * cores + 1})")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker; above 1 uses gunicorn's gthread worker")
    parser.add_argument("--client-processes", type=int, default=cores,
                        help=f"processes the client threads are spread over (default {cores})")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help=f"reuse an existing {DATABASE} database (from --keep)")
    args, ignored = parser.parse_known_args()
    if ignored:
        print(f"(ignoring arguments meant for other benchmarks: {' '.join(ignored)})")
    if args.runs is None:
        args.runs = 3 if args.quick else 10
    if args.seconds is None:
        args.seconds = 5.0 if args.quick else 30.0

    server_url = os.environ.get("CDPHUB_TEST_POSTGRES_URL", DEFAULT_SERVER)
    try:
        reuse = args.reuse and web_bench.database_exists(server_url)
        if not reuse:
            web_bench.recreate_database(server_url)
    except Exception as error:  # noqa: BLE001 - say what is missing and stop
        sys.exit(f"No PostgreSQL server at {database_url(server_url, '')} ({error}). "
                 "Run ./dev bench, which starts one, or set CDPHUB_TEST_POSTGRES_URL.")

    workdir = Path(tempfile.mkdtemp(prefix="cdphub-report-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cdphub.config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url(server_url, DATABASE),
        "ALLOWED_HOSTS": HOST,
        "CDPHUB_VAR_DIR": str(workdir),
    }
    os.environ.update(env, ALLOWED_HOSTS=f"{HOST},testserver")
    try:
        import django

        django.setup()
        # WeasyPrint logs each step of every PDF (the demo's submissions, the runs below) at
        # INFO, which the production settings print
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
        from cdphub.demo.build import GM
        from cdphub.partnerships.models import Partnership

        load = os.getloadavg()
        print(f"Machine: {cores} cores, load average {load[0]:.2f} before the run. "
              f"Database {DATABASE} on {database_url(server_url, '')}, production settings.")
        web_bench.build(reuse)
        slug = Partnership.objects.get(name=GM).slug
        report_generation(slug, args.runs)
        public_pages(args, env, workdir, slug)
    finally:
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
                web_bench.recreate_database(server_url, drop_only=True)
            except Exception as error:  # noqa: BLE001 - do not hide what went wrong before
                print(f"Could not drop the database {DATABASE}: {error}", file=sys.stderr)


if __name__ == "__main__":
    main()
