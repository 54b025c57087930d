"""Who may use each URL, for the URL × role walk (tests/core/test_url_permissions.py).

Each feature keeps its own table in a ``url_expectations*.py`` module beside its tests;
``all_expectations()`` merges them. An entry is ``url name: (kwargs, outcomes)``; a kwarg may be
a callable taking the test ``world`` (to create the object the URL names). ``outcomes`` says,
for each kind of user, what a user holding that role gets once signed in with the second factor
if the role needs one; ``without_second_factor`` says what they get before giving it.
"""

from __future__ import annotations

import importlib
from pathlib import Path

ALLOWED, SIGN_IN, FORBIDDEN = "allowed", "sign-in", "forbidden"
SECOND_FACTOR = "second-factor"  # sent to give (or set up) the second factor first

# Every kind of user the walk signs in as: one of each role (partnership roles in partnership A,
# the regional adviser for A's region) plus a member of B and someone signed in with no role.
LEADS_A = ("sro_a", "partnership_lead_a", "data_lead_a", "involvement_lead_a")
MEMBERS_A = ("member_a", *LEADS_A)  # every partnership role of A
CENTRAL_USERS = ("central_analyst", "central_admin")
WITH_A_ROLE = (*MEMBERS_A, "member_b", "adviser", *CENTRAL_USERS)
SIGNED_IN_USERS = ("no_role", *WITH_A_ROLE)
USERS = ("anonymous", *SIGNED_IN_USERS)
# Roles that need two-factor sign-in (README, "Security model": central, SRO and lead roles).
NEEDS_SECOND_FACTOR = frozenset({*LEADS_A, *CENTRAL_USERS})


def only(*users: str) -> dict[str, str]:
    """A page for the users named: anyone else signed in is refused, visitors sign in first."""
    unknown = set(users) - set(SIGNED_IN_USERS)
    assert not unknown, f"not users of the walk: {sorted(unknown)}"
    return {user: ALLOWED if user in users else SIGN_IN if user == "anonymous" else FORBIDDEN
            for user in USERS}


EVERYONE = dict.fromkeys(USERS, ALLOWED)
SIGNED_IN = only(*SIGNED_IN_USERS)
ANY_ROLE = only(*WITH_A_ROLE)
CENTRAL_ADMIN = only("central_admin")
CENTRAL = only(*CENTRAL_USERS)
# National views: central users and regional advisers.
NATIONAL = only("adviser", *CENTRAL_USERS)
# Partnership A's pages: everyone with a role in A, the adviser for its region (North West) and
# central users may read them; a member of partnership B may not.
READ_PARTNERSHIP_A = only(*MEMBERS_A, "adviser", *CENTRAL_USERS)
# Changing partnership A's records: everyone with a role in A and central administrators.
EDIT_PARTNERSHIP_A = only(*MEMBERS_A, "central_admin")
# What only A's SRO and leads (and central administrators) do: propose a footprint change,
# define a local metric.
LEAD_PARTNERSHIP_A = only(*LEADS_A, "central_admin")

# Every signed-in user of the walk has set up an authenticator app. In a session that has not
# yet given its code, the set-up page sends anyone (whatever their roles) to give the code
# rather than add another app.
ASKS_FOR_THE_CODE_OF_THE_APP_ALREADY_SET_UP = frozenset({"accounts:two-factor-set-up"})
# Until a session has given the second factor, a user whose role needs one may use the pages
# open to everyone (except the home page, which sends them on to the second step), the
# second-factor pages themselves, and nothing else.
SECOND_FACTOR_PAGES = frozenset({"accounts:two-factor", "accounts:backup-codes"})
PUBLIC_PAGES_THAT_ASK_FOR_THE_SECOND_FACTOR = frozenset({"core:home"})


def without_second_factor(name: str, outcomes: dict[str, str], user: str) -> str:
    """What ``user`` gets at URL ``name`` in a session that has not given the second factor."""
    if name in ASKS_FOR_THE_CODE_OF_THE_APP_ALREADY_SET_UP:
        return SECOND_FACTOR
    if user not in NEEDS_SECOND_FACTOR:
        return outcomes[user]  # none of their roles needs it
    if name in SECOND_FACTOR_PAGES:
        return ALLOWED
    if outcomes["anonymous"] == ALLOWED and name not in PUBLIC_PAGES_THAT_ASK_FOR_THE_SECOND_FACTOR:
        return ALLOWED
    return SECOND_FACTOR


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
        for name, (_kwargs, outcomes) in table.items():
            assert set(outcomes) == set(USERS), f"{name} does not say what every user gets"
        merged.update(table)
    return merged
