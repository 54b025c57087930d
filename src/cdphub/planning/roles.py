"""Permissions for the needs assessment and its registers.

Everyone who may read a partnership reads its assessments; its members write them (narrative,
findings, evidence, the data-sharing register); its SRO and leads record the partnership's
agreement, raise findings to priorities and publish; only the SRO signs off, with the second
factor (the SRO role has no effect without it). An evidence file marked "partnership only" is
downloaded only by the partnership's members; a publishable one by anyone who may read the
partnership.
"""

import rules

from cdphub.accounts.roles import (
    is_partnership_lead,
    is_partnership_member,
    is_partnership_sro,
)
from cdphub.partnerships.roles import can_view_partnership


@rules.predicate
def is_member_of_evidence_partnership(user, evidence) -> bool:
    return evidence is not None and is_partnership_member(user, evidence.partnership)


@rules.predicate
def is_publishable_evidence_of_readable_partnership(user, evidence) -> bool:
    return (evidence is not None and evidence.visibility == "publishable"
            and can_view_partnership(user, evidence.partnership))


rules.add_perm("planning.view_assessment", can_view_partnership)
rules.add_perm("planning.change_assessment", is_partnership_member)
rules.add_perm("planning.agree_assessment", is_partnership_lead)
rules.add_perm("planning.sign_off_assessment", is_partnership_sro)
rules.add_perm("planning.view_evidence",
               is_member_of_evidence_partnership | is_publishable_evidence_of_readable_partnership)
