"""Permissions for geography: published reference data, readable by anyone."""

import rules

rules.add_perm("geography.view_area", rules.always_allow)
