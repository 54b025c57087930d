"""Permissions for pages anyone may see and pages for anyone signed in."""

import rules


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


rules.add_perm("core.view_public", rules.always_allow)
rules.add_perm("core.view_signed_in", is_signed_in)
