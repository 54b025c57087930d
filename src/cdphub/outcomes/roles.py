"""Permissions for outcomes data.

Central analysts and administrators load national data; a partnership's data and digital
lead (and other leads) load data for their own partnership's local metrics. A load of
partnership X is seen by X's members, the adviser for X's region and central users; national
loads by anyone with a role.
"""

import rules

from cdphub.accounts.models import LEAD_ROLES
from cdphub.accounts.roles import (
    has_any_role,
    is_adviser_for_region_of,
    is_central,
    is_central_admin,
    is_partnership_lead,
    is_partnership_member,
    partnership_ids,
)


@rules.predicate
def leads_a_partnership(user) -> bool:
    return bool(partnership_ids(user, LEAD_ROLES))


@rules.predicate
def can_see_load(user, load) -> bool:
    if load is None:
        return False
    if load.partnership_id is None:
        return True  # national data
    partnership = load.partnership
    return bool(is_central(user) or is_partnership_member(user, partnership)
                or is_adviser_for_region_of(user, partnership))


rules.add_perm("outcomes.view_metric", rules.always_allow)
rules.add_perm("outcomes.view_loads", has_any_role)
rules.add_perm("outcomes.view_load", has_any_role & can_see_load)
rules.add_perm("outcomes.add_load", is_central | leads_a_partnership)
rules.add_perm("outcomes.load_national_data", is_central)
rules.add_perm("outcomes.load_partnership_data", is_central | is_partnership_lead)
rules.add_perm("outcomes.withdraw_load", is_central)
rules.add_perm("outcomes.define_local_metric", is_central_admin | is_partnership_lead)
