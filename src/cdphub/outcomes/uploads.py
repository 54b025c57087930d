"""Removing what interrupted uploads leave behind.

An uploaded data file passes through two places:

* while the request lasts, a file over ``FILE_UPLOAD_MAX_MEMORY_SIZE`` streams into
  ``FILE_UPLOAD_TEMP_DIR`` (Django's ``TemporaryUploadedFile``, named ``tmp….upload.csv``),
  which Django deletes when the request ends — unless the server is killed first;
* ``store.create_load`` then copies it into the media store (``loads/YYYY/MM/``) and records
  the ``DataLoad`` that refers to it — a crash between the two leaves a file no load refers to.

``remove_orphan_uploads`` deletes both kinds once they are an hour old (an upload in progress
keeps writing its file, and a load is recorded within moments of its file being stored). It
runs in the background worker after every upload (``sweep_orphan_uploads``), and as
``cdphub clean_uploads`` for a scheduler.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks import task

from .models import DataLoad

logger = logging.getLogger(__name__)

LOADS_FOLDER = "loads"
GRACE = dt.timedelta(hours=1)


@dataclass
class Removed:
    files: list[str] = field(default_factory=list)
    bytes: int = 0

    def add(self, name: str, size: int) -> None:
        self.files.append(name)
        self.bytes += size


def remove_orphan_uploads(*, older_than: dt.timedelta = GRACE, dry_run: bool = False
                          ) -> Removed:
    """Delete the media store's load files that no ``DataLoad`` refers to, and upload
    temporary files left in ``FILE_UPLOAD_TEMP_DIR``, when older than ``older_than``."""
    cutoff = timezone.now() - older_than
    removed = Removed()
    referenced = set(DataLoad.objects.exclude(file="").values_list("file", flat=True))
    for name in _stored_files(LOADS_FOLDER):
        if name in referenced:
            continue
        try:
            if default_storage.get_modified_time(name) > cutoff:
                continue
            size = default_storage.size(name)
            if not dry_run:
                default_storage.delete(name)
        except FileNotFoundError:  # removed meanwhile (another worker's sweep)
            continue
        removed.add(name, size)
    folder = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)
    if folder:
        for path in Path(folder).glob("*.upload*"):
            try:
                stat = path.stat()
                if dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC) > cutoff:
                    continue
                if not dry_run:
                    path.unlink()
            except FileNotFoundError:
                continue
            removed.add(str(path), stat.st_size)
    if removed.files and not dry_run:
        logger.warning("Removed %d files left by interrupted uploads (%d bytes): %s",
                       len(removed.files), removed.bytes, ", ".join(removed.files[:20]))
    return removed


def _stored_files(folder: str):
    """Every file under ``folder`` of the media store (any storage backend)."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_files(f"{folder}/{sub}")


@task()
def sweep_orphan_uploads() -> dict:
    """``remove_orphan_uploads`` in the background worker (enqueued after every upload)."""
    removed = remove_orphan_uploads()
    return {"files": len(removed.files), "bytes": removed.bytes}
