"""``cdphub report``: a partnership's progress report as a PDF or HTML file.

    cdphub report --partnership SLUG --year YYYY --format pdf|html --output FILE [--submitted]

YYYY is the year the reporting year starts (2023 is 2023/24). If the partnership has a report
for the year, its current content is written (the draft as it stands, generated as at the
report's data date); ``--submitted`` writes instead the stored copy of its latest submission,
byte for byte (its checksum is checked first). If it has none, the report is drafted as it
would start today, with no narrative yet: nothing is saved, so the command can be used to see
a draft before anyone starts one. ``--output -`` writes to standard output.

The file is written whole or not at all: to a temporary file beside it, then renamed. Progress
and timings go to standard error. Each file written is recorded in the audit log (as the
register's export is).
"""

from __future__ import annotations

import difflib
import getpass
import logging
import os
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rich.console import Console

from cdphub.accounts.audit import record
from cdphub.accounts.models import AuditEvent
from cdphub.core import clock
from cdphub.partnerships.models import Partnership
from cdphub.reporting import actions, build, render
from cdphub.reporting.models import Report, sha256
from cdphub.reporting.years import ReportingYear


class Command(BaseCommand):
    help = ("Write a partnership's progress report for a reporting year as a PDF or HTML file: "
            "the report's current content, or with --submitted the copy submitted to central "
            "government. A partnership with no report for the year gets a draft as it would "
            "start today (no report is saved). Every file written is recorded in the audit log.")

    def add_arguments(self, parser):
        parser.add_argument("--partnership", required=True, metavar="SLUG",
                            help="the partnership's code, the last part of its pages' web "
                                 "address (greater-manchester)")
        parser.add_argument("--year", required=True, type=int, metavar="YYYY",
                            help="the year the reporting year starts: 2023 is April 2023 to "
                                 "March 2024 (2023/24)")
        parser.add_argument("--format", required=True, choices=["pdf", "html"],
                            dest="file_format", help="a tagged PDF, or the standalone HTML "
                                                     "document")
        parser.add_argument("--output", required=True, metavar="FILE",
                            help="the file to write (replaced whole if it exists); - for "
                                 "standard output")
        parser.add_argument("--submitted", action="store_true",
                            help="write the stored copy of the latest submission, byte for "
                                 "byte, rather than the report's current content")

    def handle(self, *args, partnership: str, year: int, file_format: str, output: str,
               submitted: bool = False, **options):
        console = Console(file=self.stderr._out, highlight=False)
        # WeasyPrint logs each step of a PDF at INFO: the console shows the progress instead
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
        started = time.perf_counter()
        found = _partnership(partnership)
        reporting_year = _year(year)
        target = None if output == "-" else _writable(Path(output))
        report = found.reports.filter(year=year).first()

        if submitted:
            content, what = _submitted(found, reporting_year, report, file_format)
            console.print(f"{what}: the stored {file_format.upper()} "
                          f"({len(content):,} bytes, checksum checked).")
        else:
            with console.status(f"Building the report of {found.name} for "
                                f"{reporting_year.label}…") as status:
                tick = time.perf_counter()
                if report is None:
                    snapshot = _draft_snapshot(found, year)
                    what = (f"A draft of {found.name}'s report for {reporting_year.label} as it "
                            f"would start today (no report for the year yet: nothing saved)")
                else:
                    snapshot = build.build(report)
                    what = (f"{found.name}'s report for {reporting_year.label} "
                            f"(version {report.version}, {report.get_status_display().lower()}, "
                            f"data as at {report.data_date:%-d %B %Y})")
                built = time.perf_counter() - tick
                status.update(f"Rendering the {file_format.upper()}…")
                tick = time.perf_counter()
                content = (render.render_pdf(snapshot) if file_format == "pdf"
                           else render.render_html(snapshot).encode("utf-8"))
                rendered = time.perf_counter() - tick
            console.print(f"{what}: built in {built:.1f} s "
                          f"({len(snapshot.get('sections', []))} generated sections), "
                          f"{file_format.upper()} rendered in {rendered:.1f} s.")

        if target is None:
            self._to_stdout(content, file_format)
        else:
            _write_atomically(target, content)
        record(AuditEvent.Kind.EXPORT, partnership_id=found.pk,
               target=f"Progress report {reporting_year.label} of {found.name} "
                      f"({file_format.upper()}{', submitted copy' if submitted else ''})",
               format=file_format, year=year, submitted=submitted, via="command line",
               output=output, os_user=_os_user())
        where = "standard output" if target is None else str(target)
        console.print(f"[green]Wrote[/green] {len(content):,} bytes to {where} in "
                      f"{time.perf_counter() - started:.1f} s.")

    def _to_stdout(self, content: bytes, file_format: str) -> None:
        out = self.stdout._out
        binary = getattr(out, "buffer", None)
        if binary is not None:
            out.flush()
            binary.write(content)
            binary.flush()
        elif file_format == "html":
            out.write(content.decode("utf-8"))
        else:
            raise CommandError("Standard output here takes only text: write the PDF to a file "
                               "with --output FILE.")


def _partnership(slug: str) -> Partnership:
    found = Partnership.objects.filter(slug=slug).first()
    if found is not None:
        return found
    known = dict(Partnership.objects.values_list("slug", "name"))
    lowered = slug.strip().lower()
    by_name = [s for s, name in known.items() if lowered and lowered in name.lower()]
    close = difflib.get_close_matches(lowered, list(known), n=3, cutoff=0.6)
    suggestions = list(dict.fromkeys([*by_name, *close]))[:3]
    hint = (f" Did you mean {' or '.join(suggestions)}?" if suggestions else
            " The code is the last part of the partnership's web address in cdphub "
            "(for example greater-manchester).")
    raise CommandError(f"There is no partnership '{slug}'.{hint}")


def _year(year: int) -> ReportingYear:
    allowed = actions.years_open(clock.today())
    if year not in {y.start_year for y in allowed}:
        raise CommandError(f"There is no report for {year}: choose a year from "
                           f"{allowed[0].start_year} ({allowed[0].label}) to "
                           f"{allowed[-1].start_year} ({allowed[-1].label}). The year is the "
                           "one the reporting year starts: 2023 is 2023/24.")
    return ReportingYear(year)


def _writable(path: Path) -> Path:
    """The output path, once it is clear a file can be written there (checked before the
    minute of work, so a typo costs nothing)."""
    path = path.expanduser()
    if path.is_dir():
        raise CommandError(f"{path} is a folder: name the file to write, for example "
                           f"{path / 'report.pdf'}.")
    folder = path.parent.resolve() if str(path.parent) else Path.cwd()
    if not folder.is_dir():
        raise CommandError(f"Cannot write {path}: there is no folder {folder}. Create it first "
                           "or choose another path.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"Cannot write {path}: you may not write in {folder}. Choose a "
                           "folder you may write in.")
    if path.exists() and not os.access(path, os.W_OK):
        raise CommandError(f"Cannot write {path}: the file exists and is read-only.")
    return path


def _draft_snapshot(partnership: Partnership, year: int) -> dict:
    """The report a partnership would start today, built inside a transaction that is rolled
    back: the builders need a saved report, and nothing of it is kept."""
    with transaction.atomic():
        report = Report.objects.create(partnership=partnership, year=year,
                                       data_date=clock.today())
        snapshot = build.build(report)
        transaction.set_rollback(True)
    return snapshot


def _submitted(partnership: Partnership, year: ReportingYear, report: Report | None,
               file_format: str) -> tuple[bytes, str]:
    submission = report.latest_submission() if report is not None else None
    if submission is None:
        state = ("has no report" if report is None else
                 f"has a report in the state '{report.get_status_display().lower()}' that has "
                 "never been submitted")
        raise CommandError(f"{partnership.name} {state} for {year.label}: leave out "
                           "--submitted to write its current content.")
    if file_format == "pdf":
        content, expected = bytes(submission.pdf), submission.pdf_sha256
    else:
        content, expected = submission.html.encode("utf-8"), submission.html_sha256
    if sha256(content) != expected:
        raise CommandError(f"The stored {file_format.upper()} of version {submission.version} "
                           "does not match its checksum: it has been changed since it was "
                           "submitted. Nothing was written; tell the service's administrators.")
    return content, (f"{partnership.name}'s report for {year.label}, version "
                     f"{submission.version} as submitted on {submission.submitted_at:%-d %B %Y}")


def _write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file in the same folder, then rename it over ``path``: a reader
    sees the old file or the new one, never half of one, and a failure leaves nothing."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent.resolve(),
                                             prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"Cannot write {path}: {error.strerror}. Nothing was written.") \
            from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""

