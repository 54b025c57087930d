"""Permissions for partnership records."""

import rules

from cdphub.accounts.roles import (
    has_any_role,
    is_adviser_for_region_of,
    is_central,
    is_central_admin,
    is_partnership_lead,
    is_partnership_member,
)

can_view_partnership = is_central | is_adviser_for_region_of | is_partnership_member
can_edit_partnership = is_central_admin | is_partnership_lead

rules.add_perm("partnerships.view_partnership_list", has_any_role)
rules.add_perm("partnerships.view_partnership", can_view_partnership)
rules.add_perm("partnerships.change_partnership", can_edit_partnership)
