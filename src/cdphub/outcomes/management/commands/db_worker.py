"""``cdphub db_worker``: django-tasks' database worker, which also looks after loads whose
worker died.

Exactly django-tasks-db's ``db_worker`` (same options: ``--no-reload``, ``--interval`` …),
plus: when it starts, and then every sixth of ``CDPHUB_LOAD_LEASE`` from a thread of its
own, it looks for running loads whose lease has run out and queues them again or marks them
stopped (``cdphub.outcomes.leases.recover_stopped_loads``). It takes the name of
django-tasks-db's command because ``cdphub.outcomes`` comes first in ``INSTALLED_APPS``.
"""

from __future__ import annotations

import os
import threading

from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from cdphub.outcomes.leases import recover_quietly, renew_every


def watch_loads(stop: threading.Event) -> None:
    """Every sixth of the lease until ``stop``: deal with loads whose worker died."""
    try:
        while not stop.wait(renew_every()):
            recover_quietly()
            connection.close()  # this thread's own connection: a fresh one each time
    finally:
        connection.close()


class Command(db_worker.Command):
    help = (db_worker.Command.help + ", and deal with data loads whose worker died (queue "
            "them again or mark them stopped).")

    def handle(self, *args, **options):
        # With --reload the parent process only watches files: the loads are looked after
        # by the child that runs the tasks.
        stop = threading.Event()
        if not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            recover_quietly()  # each load it deals with is logged as a warning
            threading.Thread(target=watch_loads, args=(stop,), daemon=True,
                             name="cdphub-load-watch").start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
