"""Writes that change who may do what. Every role change goes through here and is audited."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from .audit import record
from .models import AuditEvent, Membership, User


class RoleError(Exception):
    """A role change that cannot be made; the message says why and what to do."""


@transaction.atomic
def find_or_invite_user(email: str, full_name: str = "") -> tuple[User, bool]:
    """The user with this email, or a new account (with a random password they will replace
    through the invitation email)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(
        email=email, password=secrets.token_urlsafe(32), full_name=full_name or email
    )
    return user, True


def grant_role(*, actor, user, role, partnership=None, region=None, request=None) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, role=role, partnership=partnership, region=region, granted_by=actor
            )
    except IntegrityError as error:
        raise RoleError(
            f"{user} already has the role {role} there. Nothing was changed."
        ) from error
    record(
        AuditEvent.Kind.ROLE_GRANTED, request=request, actor=actor,
        target=f"user:{user.pk} {user.email}", partnership_id=getattr(partnership, "pk", None),
        role=role, region=getattr(region, "code", None), membership_id=membership.pk,
    )
    return membership


@transaction.atomic
def revoke_role(*, actor, membership: Membership, request=None) -> Membership:
    if membership.ended_at is not None:
        raise RoleError("That role has already ended. Nothing was changed.")
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    record(
        AuditEvent.Kind.ROLE_REVOKED, request=request, actor=actor,
        target=f"user:{membership.user_id} {membership.user.email}",
        partnership_id=membership.partnership_id, role=membership.role,
        region=getattr(membership.region, "code", None), membership_id=membership.pk,
    )
    return membership
