"""``cdphub register``: the register in the shape of the return to central government
(guidance Appendix 1).

    cdphub register import FILE.csv [--valid-from YYYY-MM-DD]
    cdphub register export --format csv|xlsx --output FILE

An import checks every row first and imports nothing if any row has a problem: it prints the
problems (row, column, what to fix) and exits with a non-zero status.
"""

from __future__ import annotations

import datetime as dt
import getpass
from argparse import ArgumentTypeError
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from cdphub.accounts.audit import record
from cdphub.accounts.models import AuditEvent
from cdphub.core.clock import today
from cdphub.partnerships import returns
from cdphub.partnerships.models import Partnership


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"'{value}' is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Import partnerships from, or export the register to, the Appendix 1 return layout."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        importer = commands.add_parser(
            "import", help="Register partnerships from a CSV file (all or nothing).")
        importer.add_argument("file", type=Path, help="The CSV file, in the template's layout.")
        importer.add_argument("--valid-from", type=_date, default=None, metavar="YYYY-MM-DD",
                              help="The day footprints and roles start (default: today).")
        exporter = commands.add_parser(
            "export", help="Write the return of every partnership to a file.")
        exporter.add_argument("--format", choices=["csv", "xlsx"], required=True,
                              dest="file_format")
        exporter.add_argument("--output", type=Path, required=True, help="The file to write.")

    def handle(self, *args, action: str, **options):
        console = Console(file=self.stdout._out, highlight=False)
        if action == "import":
            self.import_file(console, options["file"], options["valid_from"] or today())
        else:
            self.export_file(console, options["file_format"], options["output"])

    def import_file(self, console: Console, path: Path, valid_from: dt.date) -> None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            created = returns.run_import(data, valid_from=valid_from)
        except returns.ImportRejected as rejected:
            table = Table(title=f"Problems in {path.name}", show_lines=True)
            table.add_column("Row", justify="right", no_wrap=True)
            table.add_column("Column", no_wrap=True)
            table.add_column("Problem", overflow="fold")
            for problem in rejected.errors:
                table.add_row(str(problem.row), problem.column or "(whole row)", problem.message)
            console.print(table)
            count = len(rejected.errors)
            raise CommandError(f"{path.name} has {count} problem{'s' if count != 1 else ''}: "
                               "nothing was imported.") from None
        console.print(f"[green]Imported {len(created)} partnership"
                      f"{'s' if len(created) != 1 else ''}[/green] from {path.name}, "
                      f"footprints from {valid_from:%-d %B %Y}:")
        for partnership in created:
            authorities = partnership.coverages.count()
            console.print(f"  {partnership.name} ({partnership.slug}): {authorities} "
                          f"authorit{'y' if authorities == 1 else 'ies'}")

    def export_file(self, console: Console, file_format: str, output: Path) -> None:
        on = today()
        rows = returns.build_rows(Partnership.objects.all(), on)
        content = returns.to_csv(rows) if file_format == "csv" else returns.to_xlsx(rows, on)
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        record(AuditEvent.Kind.EXPORT,
               target=f"Appendix 1 returns for every partnership ({file_format.upper()})",
               format=file_format, partnerships=len(rows), via="command line",
               output=str(output), os_user=_os_user())
        console.print(f"Wrote the return of {len(rows)} partnership{'s' if len(rows) != 1 else ''}"
                      f" to {output}.")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
