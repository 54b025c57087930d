"""Permissions for the needs assessment and its registers, and the delivery plan.

Everyone who may read a partnership reads its assessments; its members write them (narrative,
findings, evidence, the data-sharing register); its SRO and leads record the partnership's
agreement, raise findings to priorities and publish; only the SRO signs off, with the second
factor (the SRO role has no effect without it). An evidence file marked "partnership only" is
downloaded only by the partnership's members; a publishable one by anyone who may read the
partnership.

The delivery plan: everyone who may read the partnership reads its plan, coverage check,
performance framework, funding and risks; its members write them; its SRO and leads record
the plan's agreement at a meeting. An action's quarterly update is recorded by the action's
owner (the person's cdphub account, while they are a member) or by the partnership's SRO or
leads on their behalf. Central users see every partnership's plans on the national matrix,
regional advisers their region's; central administrators read the outbox of sent e-mail.
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


@rules.predicate
def owns_action(user, action) -> bool:
    return (action is not None and action.owner is not None and user.is_authenticated
            and action.owner.user_id == user.pk
            and is_partnership_member(user, action.plan.partnership))


@rules.predicate
def leads_action_partnership(user, action) -> bool:
    return action is not None and is_partnership_lead(user, action.plan.partnership)


rules.add_perm("planning.view_plan", can_view_partnership)
rules.add_perm("planning.change_plan", is_partnership_member)
rules.add_perm("planning.agree_plan", is_partnership_lead)
rules.add_perm("planning.record_update", owns_action | leads_action_partnership)
rules.add_perm("planning.view_national_plans", is_central | is_regional_adviser)
