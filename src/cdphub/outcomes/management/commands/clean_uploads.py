"""``cdphub clean_uploads``: remove the files interrupted uploads left behind.

    cdphub clean_uploads [--older-than MINUTES] [--dry-run]

Load files in the media store that no data load refers to, and upload temporary files in
``FILE_UPLOAD_TEMP_DIR``, once older than an hour (``cdphub.outcomes.uploads``). The worker
does the same after every upload; run this from a scheduler as well (hourly, say).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from cdphub.outcomes.uploads import GRACE, remove_orphan_uploads


class Command(BaseCommand):
    help = "Remove files left by interrupted uploads (older than an hour)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, metavar="MINUTES",
                            default=int(GRACE.total_seconds() // 60),
                            help="only files older than this (default 60)")
        parser.add_argument("--dry-run", action="store_true",
                            help="list what would be removed, remove nothing")

    def handle(self, *args, **options):
        if options["older_than"] < 10:
            raise CommandError("--older-than must be at least 10 minutes: a shorter wait could "
                               "remove a file that is still being uploaded.")
        removed = remove_orphan_uploads(older_than=dt.timedelta(minutes=options["older_than"]),
                                        dry_run=options["dry_run"])
        for name in removed.files:
            self.stdout.write(name)
        verb = "Would remove" if options["dry_run"] else "Removed"
        self.stdout.write(f"{verb} {len(removed.files):,} file"
                          f"{'' if len(removed.files) == 1 else 's'} ({removed.bytes:,} bytes).")
