"""Who may do what: ``rules`` predicates over Membership.

Every view names one of the permissions registered here (see ``cdphub.core.access``).
Memberships are read once per request and cached on the user object.
"""

from __future__ import annotations

import rules

from cdphub.core.roles import is_signed_in

from .models import CENTRAL_ROLES, LEAD_ROLES, PARTNERSHIP_ROLES, TWO_FACTOR_ROLES, Role


def all_memberships(user) -> list:
    """The user's current memberships, fetched once per request, whether or not this session
    has given the second factor they need."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_cdphub_memberships", None)
    if cached is None:
        cached = list(user.memberships.active().select_related("partnership", "region"))
        user._cdphub_memberships = cached
    return cached


def is_two_factor_verified(user) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def active_memberships(user) -> list:
    """The memberships in force for this session. Roles that need two-factor sign-in take
    effect only once the session has given the second factor, so a stolen password alone
    never carries a central, SRO or lead role."""
    memberships = all_memberships(user)
    if memberships and not is_two_factor_verified(user):
        return [m for m in memberships if m.role not in TWO_FACTOR_ROLES]
    return memberships


def pending_two_factor_roles(user) -> list:
    """Roles the user holds but cannot use until this session gives the second factor."""
    if is_two_factor_verified(user):
        return []
    return [m for m in all_memberships(user) if m.role in TWO_FACTOR_ROLES]


def roles_of(user) -> set[str]:
    return {m.role for m in active_memberships(user)}


def partnership_ids(user, roles=PARTNERSHIP_ROLES) -> set[int]:
    return {m.partnership_id for m in active_memberships(user) if m.role in roles}


def region_ids(user) -> set[int]:
    return {m.region_id for m in active_memberships(user) if m.role == Role.REGIONAL_ADVISER}


def needs_two_factor(user) -> bool:
    return any(m.role in TWO_FACTOR_ROLES for m in all_memberships(user))


@rules.predicate
def is_central(user) -> bool:
    return bool(roles_of(user) & CENTRAL_ROLES)


@rules.predicate
def is_central_admin(user) -> bool:
    return Role.CENTRAL_ADMIN in roles_of(user)


@rules.predicate
def is_regional_adviser(user) -> bool:
    return Role.REGIONAL_ADVISER in roles_of(user)


@rules.predicate
def is_partnership_member(user, partnership) -> bool:
    return partnership is not None and partnership.pk in partnership_ids(user)


@rules.predicate
def is_partnership_lead(user, partnership) -> bool:
    return partnership is not None and partnership.pk in partnership_ids(user, LEAD_ROLES)


@rules.predicate
def is_partnership_sro(user, partnership) -> bool:
    """The partnership's senior responsible owner (a role that needs the second factor)."""
    return partnership is not None and partnership.pk in partnership_ids(user, {Role.SRO})


@rules.predicate
def is_adviser_for_region_of(user, partnership) -> bool:
    return partnership is not None and partnership.region_id in region_ids(user)


@rules.predicate
def is_adviser_for_region(user, area) -> bool:
    return area is not None and area.pk in region_ids(user)


@rules.predicate
def has_any_role(user) -> bool:
    return bool(active_memberships(user))


@rules.predicate
def owns_token(user, token) -> bool:
    return token is not None and is_signed_in(user) and token.user_id == user.pk


rules.add_perm("accounts.view_audit_log", is_central_admin)
rules.add_perm("accounts.export_audit_log", is_central_admin)
rules.add_perm("accounts.manage_roles", is_central_admin)
rules.add_perm("accounts.view_people", is_central)
# The outbox of e-mail the outbox backend kept (development and the demo).
rules.add_perm("accounts.view_outbox", is_central_admin)
# Personal access tokens: anyone signed in makes their own; only the owner revokes one.
rules.add_perm("accounts.create_token", is_signed_in)
rules.add_perm("accounts.revoke_token", owns_token)
