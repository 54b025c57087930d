"""Permissions for pages anyone may see and pages for anyone signed in."""

import rules

from cdphub.accounts.roles import is_signed_in

rules.add_perm("core.view_public", rules.always_allow)
rules.add_perm("core.view_signed_in", is_signed_in)
