"""Permissions for outcomes data.

Central analysts and administrators load national data; a partnership's data and digital
lead (and other leads) load data for their own partnership's local metrics.
"""

import rules

from cdphub.accounts.roles import is_central, is_partnership_lead, is_signed_in

rules.add_perm("outcomes.view_metric", rules.always_allow)
rules.add_perm("outcomes.view_loads", is_signed_in)
rules.add_perm("outcomes.load_national_data", is_central)
rules.add_perm("outcomes.load_partnership_data", is_central | is_partnership_lead)
rules.add_perm("outcomes.withdraw_load", is_central)
