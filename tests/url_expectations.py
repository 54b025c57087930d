"""Who may use each URL, for the URL × role walk (tests/core/test_url_permissions.py).

Each feature keeps its own table in a ``url_expectations*.py`` module beside its tests;
``all_expectations()`` merges them. An entry is ``url name: (kwargs, outcomes)``; a kwarg may be
a callable taking the test ``world`` (to create the object the URL names).
"""

from __future__ import annotations

import importlib
from pathlib import Path

ALLOWED, SIGN_IN, FORBIDDEN = "allowed", "sign-in", "forbidden"
USERS = ["anonymous", "member_a", "member_b", "adviser", "central_admin"]


def expect(anonymous, member_a, member_b, adviser, central_admin):
    return dict(zip(USERS, [anonymous, member_a, member_b, adviser, central_admin], strict=True))


EVERYONE = expect(ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
SIGNED_IN = expect(SIGN_IN, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
CENTRAL_ADMIN = expect(SIGN_IN, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED)
# Partnership A's pages: its members, the adviser for its region (North West) and central
# users may read them; a member of partnership B may not.
READ_PARTNERSHIP_A = expect(SIGN_IN, ALLOWED, FORBIDDEN, ALLOWED, ALLOWED)
# Changing partnership A's records: its members and central administrators only.
EDIT_PARTNERSHIP_A = expect(SIGN_IN, ALLOWED, FORBIDDEN, FORBIDDEN, ALLOWED)
# National views: central users and regional advisers.
NATIONAL = expect(SIGN_IN, FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED)
CENTRAL = expect(SIGN_IN, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED)


def partnership_a(world):
    return world.partnership_a.slug


def all_expectations() -> dict:
    merged: dict = {}
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("url_expectations*.py")):
        if path == Path(__file__).resolve():
            continue
        module_name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        table = importlib.import_module(module_name).EXPECTED
        overlap = merged.keys() & table.keys()
        assert not overlap, f"{module_name} repeats {sorted(overlap)}"
        merged.update(table)
    return merged
