"""``cdphub load``: load a file of metric data in the foreground, or withdraw a load.

    cdphub load FILE [--format long|fingertips|records] [--metric KEY]
                     [--partnership SLUG] [--synthetic] [--user EMAIL] [--notes TEXT]
    cdphub load --withdraw LOAD_ID --reason TEXT [--user EMAIL]

The same checks and all-or-nothing storing as the web page (``cdphub.outcomes.loading``),
with a progress bar. A partnership's local metric may be loaded for the partnership as a
whole: its code (the last part of its pages' web address, ``greater-manchester``) in the area
column; its rows for areas outside the footprint are refused, whoever loads them. A file
with any problem stores nothing: the problems are listed (row, column, what to do) and the
command exits with status 1.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cdphub.accounts.models import User
from cdphub.outcomes.loading import (
    LoadError,
    format_note,
    plural,
    restored_message,
    sniff_format,
)
from cdphub.outcomes.models import DataLoad, Metric
from cdphub.outcomes.store import create_load, run_load, withdraw_load
from cdphub.partnerships.models import Partnership

SHOWN = 50  # problems printed; the load's page and report hold up to 1,000


class Command(BaseCommand):
    help = ("Load a CSV or XLSX file of metric data (or withdraw a load). In the area column, "
            "a partnership's code (greater-manchester) loads one figure for the partnership "
            "as a whole, for its own local metrics.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path, help="the CSV or XLSX file")
        parser.add_argument("--format", choices=[c for c, _ in DataLoad.Format.choices],
                            help="the file's format (default: worked out from its header)")
        parser.add_argument("--metric", metavar="KEY",
                            help="the metric of every row (required for a Fingertips export)")
        parser.add_argument("--partnership", metavar="SLUG",
                            help="a partnership's data (only its local metrics); default national")
        parser.add_argument("--synthetic", action="store_true",
                            help="label the data as synthetic (demo) data")
        parser.add_argument("--user", metavar="EMAIL", help="who is loading (recorded)")
        parser.add_argument("--notes", default="", help="notes kept with the load")
        parser.add_argument("--withdraw", type=int, metavar="LOAD_ID", help="withdraw a load")
        parser.add_argument("--reason", default="", help="why the load is withdrawn")

    def handle(self, *args, **options):
        console = Console(file=self.stdout._out, highlight=False,
                          width=None if self.stdout.isatty() else 120)
        user = self._user(options["user"])
        if options["withdraw"] is not None:
            return self._withdraw(console, options["withdraw"], options["reason"], user)
        path = options["file"]
        if path is None:
            raise CommandError("Name the file to load (or --withdraw LOAD_ID).")
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        partnership = None
        if options["partnership"]:
            partnership = Partnership.objects.filter(slug=options["partnership"]).first()
            if partnership is None:
                raise CommandError(f"There is no partnership '{options['partnership']}'.")
        metric_key = options["metric"]
        if metric_key and not Metric.objects.filter(key=metric_key).exists():
            raise CommandError(f"There is no metric '{metric_key}': see cdphub's metrics page "
                               "for the keys.")
        file_format = options["format"] or sniff_format(path)
        notes = "\n".join(filter(None, [options["notes"], "Loaded with the cdphub command",
                                        f"Metric for every row: {metric_key}" if metric_key
                                        else "",
                                        format_note(file_format, not options["format"])]))
        load = create_load(source=path, file_name=path.name, file_format=file_format,
                           user=user, partnership=partnership,
                           is_synthetic=options["synthetic"], notes=notes)
        console.print(f"Load {load.pk}: {path.name} ({load.get_format_display()}), "
                      f"SHA-256 {load.checksum}")
        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                      TimeElapsedColumn(), console=console, transient=False) as bar:
            task = bar.add_task("Starting", total=100)

            def progress(done, total, message):
                bar.update(task, completed=done, total=total, description=message)

            load = run_load(load, metric_key=metric_key, progress=progress)
        self._report(console, load)
        if load.status != DataLoad.Status.COMPLETE:
            raise CommandError(f"Nothing was loaded: {plural(load.error_count, 'problem')} "
                               f"(load {load.pk}).", returncode=1)
        console.print(f"[bold green]Loaded[/] {load.rows_read:,} rows: "
                      f"{load.observations_stored:,} figures stored, "
                      f"{load.observations_superseded:,} earlier figures replaced (load {load.pk}).")

    def _user(self, email):
        if not email:
            return None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"There is no user {email}.")
        return user

    def _report(self, console: Console, load: DataLoad) -> None:
        for title, problems, style in (("Problems", load.errors, "red"),
                                       ("Warnings", load.warnings, "yellow")):
            if not problems:
                continue
            total = load.error_count if title == "Problems" else len(problems)
            table = Table(title=f"{title}: {total:,}" + (f" (the first {SHOWN} shown)"
                                                          if len(problems) > SHOWN else ""),
                          title_style=f"bold {style}", title_justify="left")
            table.add_column("Row", justify="right")
            table.add_column("Column")
            table.add_column("Problem" if title == "Problems" else "Warning")
            for problem in problems[:SHOWN]:
                table.add_row(str(problem.get("row") or "—"), problem.get("column") or "—",
                              problem.get("message", ""))
            console.print(table)

    def _withdraw(self, console: Console, load_id: int, reason: str, user) -> None:
        if not reason.strip():
            raise CommandError("Give the reason for withdrawing: --reason TEXT.")
        load = DataLoad.objects.filter(pk=load_id).first()
        if load is None:
            raise CommandError(f"There is no load {load_id}.")
        try:
            restored = withdraw_load(load, user=user, reason=reason.strip())
        except LoadError as error:
            raise CommandError(str(error)) from error
        console.print(f"Load {load_id} withdrawn: its figures are no longer used; "
                      f"{restored_message(restored)}.")
