"""Permissions for partnership records.

Members edit their own partnership's register; the SRO and leads also propose footprint
changes; central administrators register partnerships and agree footprint changes; central
users read everything and regional advisers read their region.
"""

import rules

from cdphub.accounts.roles import (
    has_any_role,
    is_adviser_for_region_of,
    is_central,
    is_central_admin,
    is_partnership_lead,
    is_partnership_member,
    is_regional_adviser,
)

can_view_partnership = is_central | is_adviser_for_region_of | is_partnership_member
can_edit_partnership = is_central_admin | is_partnership_member
can_propose_footprint = is_central_admin | is_partnership_lead

rules.add_perm("partnerships.view_partnership_list", has_any_role)
rules.add_perm("partnerships.view_partnership", can_view_partnership)
rules.add_perm("partnerships.change_partnership", can_edit_partnership)
rules.add_perm("partnerships.propose_footprint_change", can_propose_footprint)
# Publishing a version of the terms of reference on the public page: the SRO and leads.
rules.add_perm("partnerships.publish_terms", is_partnership_lead)
rules.add_perm("partnerships.decide_footprint_change", is_central_admin)
rules.add_perm("partnerships.add_partnership", is_central_admin)
rules.add_perm("partnerships.view_national_register", is_central | is_regional_adviser)
rules.add_perm("partnerships.export_national_register", is_central)
