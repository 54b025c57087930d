"""Permissions for progress reports.

Everyone who may read a partnership reads its reports (drafts included) and their versions;
its members start reports and write the narrative and case studies; only its SRO signs a
report off, with the second factor (the SRO role has no effect without it); its SRO and leads
submit a signed-off report to central government and publish a submitted one. Central users
see every partnership's submissions, and which are late; regional advisers their region's.
"""

import rules

from cdphub.accounts.roles import (
    is_central,
    is_partnership_lead,
    is_partnership_member,
    is_partnership_sro,
    is_regional_adviser,
)
from cdphub.partnerships.roles import can_view_partnership

rules.add_perm("reporting.view_report", can_view_partnership)
rules.add_perm("reporting.change_report", is_partnership_member)
rules.add_perm("reporting.sign_off_report", is_partnership_sro)
rules.add_perm("reporting.submit_report", is_partnership_lead)
rules.add_perm("reporting.publish_report", is_partnership_lead)
rules.add_perm("reporting.view_submissions", is_central | is_regional_adviser)
