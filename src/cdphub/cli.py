"""The ``cdphub`` command.

Any Django management command passes straight through (``cdphub migrate``,
``cdphub runserver``, ``cdphub check --deploy`` …). Commands that need no database are
dispatched before Django is imported, so they start fast on an analyst's laptop.
"""

from __future__ import annotations

import os
import sys

# Commands that never touch the database: module path of a ``main(argv)`` function.
STANDALONE_COMMANDS: dict[str, str] = {
    "stats": "cdphub.stats.cli",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in STANDALONE_COMMANDS:
        import importlib

        module = importlib.import_module(STANDALONE_COMMANDS[argv[1]])
        return int(module.main(argv[2:]) or 0)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdphub.config.settings.base")
    from django.core.management import execute_from_command_line

    argv[0] = "cdphub"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
