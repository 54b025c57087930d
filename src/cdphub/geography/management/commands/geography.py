"""``cdphub geography load``: load England, regions, police force areas and authorities."""

from django.core.management.base import BaseCommand
from rich.console import Console

from cdphub.geography.loader import load_geography


class Command(BaseCommand):
    help = "Geography reference data. 'cdphub geography load' loads the shipped areas."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="Load (or refresh) the shipped geography reference data.")

    def handle(self, *args, action, **options):
        console = Console(stderr=True)
        with console.status("Loading geography…") as status:
            summary = load_geography(step=lambda message: status.update(f"Loading {message}…"))
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.by_type.items()))
        console.print(
            f"[green]Geography loaded[/green]: {summary.created} created, "
            f"{summary.updated} updated ({counts})."
        )
