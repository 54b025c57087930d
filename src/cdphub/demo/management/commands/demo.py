"""``cdphub demo``: migrate, then load reference data and the synthetic demo data."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from rich.console import Console

from cdphub.demo.build import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET, build_demo


class Command(BaseCommand):
    help = "Migrate the database and load reference data plus synthetic demo data and accounts."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="Empty the database first (all data is lost).")

    def handle(self, *args, reset=False, **options):
        if not settings.CDPHUB_DEMO_ENABLED:
            raise CommandError("Demo data is disabled in these settings: the demo accounts "
                               "must never exist in production.")
        console = Console(stderr=True)
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        database = settings.DATABASES["default"]
        sqlite_file = (database["ENGINE"].endswith("sqlite3")
                       and str(database["NAME"]) != ":memory:")
        if reset and sqlite_file:
            # A demo database is disposable: start from an empty file.
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database['NAME']}{suffix}").unlink(missing_ok=True)
        with console.status("Migrating the database…") as status:
            call_command("migrate", interactive=False, verbosity=0)
            if reset and not sqlite_file:
                status.update("Emptying the database…")
                call_command("flush", interactive=False, verbosity=0)
            timer = _StepTimer(console)

            def step(what: str) -> None:
                timer.start(what)
                status.update(f"Loading {what}…")

            counts = build_demo(step=step)
            timer.start(None)
        console.print(f"[green]Demo ready[/green]: {counts['areas']} areas, "
                      f"{counts['partnerships']} partnerships, {counts['accounts']} accounts.")
        console.print(f"Sign in with any of these (password [bold]{DEMO_PASSWORD}[/bold]):")
        for account in DEMO_ACCOUNTS:
            console.print(f"  {account.email:32} {account.role}")
        console.print(f"Two-factor secret for the central, SRO and lead accounts: "
                      f"[bold]{DEMO_TOTP_SECRET}[/bold] (./dev totp prints the current code)")


class _StepTimer:
    """Prints how long each step of the build took, as the next one starts."""

    def __init__(self, console: Console):
        self.console = console
        self.current: str | None = None
        self.started = 0.0

    def start(self, what: str | None) -> None:
        now = time.perf_counter()
        if self.current is not None:
            self.console.print(f"  {self.current}: {now - self.started:.1f} s")
        self.current, self.started = what, now
