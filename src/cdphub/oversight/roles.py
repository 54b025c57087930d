"""Permissions for national and regional oversight.

Central users see every partnership; regional advisers see their region's, on the same pages
filtered. Support levels and engagement logs are read and written by central users and the
partnership's regional adviser; the partnership's SRO and leads read their own partnership's
level and what was agreed. The directory of SROs and leads is for central users and regional
advisers.
"""

import rules

from cdphub.accounts.roles import (
    is_adviser_for_region_of,
    is_central,
    is_partnership_lead,
    is_regional_adviser,
)

rules.add_perm("oversight.view_oversight", is_central | is_regional_adviser)
rules.add_perm("oversight.view_directory", is_central | is_regional_adviser)
rules.add_perm("oversight.view_support", is_central | is_adviser_for_region_of)
rules.add_perm("oversight.change_support", is_central | is_adviser_for_region_of)
rules.add_perm("oversight.view_own_support",
               is_central | is_adviser_for_region_of | is_partnership_lead)
