"""``cdphub recompute``: recompute every metric's values now (after a change made outside the
register's actions and the load pipeline, such as an edit in the Django admin)."""

from django.core.management.base import BaseCommand

from cdphub.outcomes.compute import recompute_all


class Command(BaseCommand):
    help = "Recompute every metric's computed values (figures, comparisons, trends, disclosure)."

    def handle(self, *args, **options) -> None:
        written = recompute_all()
        self.stdout.write(f"Recomputed {len(written):,} metrics: {sum(written.values()):,} "
                          "values written.")
