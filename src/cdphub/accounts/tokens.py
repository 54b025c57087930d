"""Personal access tokens for the REST API: made and revoked by their owner on the account
page, presented as ``Authorization: Bearer <token>``.

A token looks like ``cdphub_1a2b3c4d_<43 random characters>``. The database keeps its
SHA-256 hash and its first 15 characters (``cdphub_1a2b3c4d``, to tell tokens apart), never
the token itself, so a copy of the database does not give anyone API access. 256 random bits
make a salted, slow hash unnecessary: nobody can guess their way to a token from its hash.

A token acts as its user, with the roles they hold *when it is used*: ending a role takes it
away from the user's tokens at once. Roles that need two-factor sign-in (central, SRO and
leads) are carried only by a token made in a session that had given the second factor
(``AccessToken.two_factor``); a token made before such a role was granted carries the user's
other roles only, as an unverified session would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .audit import record
from .models import AccessToken, AuditEvent

SCHEME = "cdphub"
DEFAULT_LIFETIME_DAYS = 365
LIFETIME_CHOICES_DAYS = (30, 90, 365)
# last_used_at is written at most this often per token, to spare the database a write on
# every API request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenError(Exception):
    """A token that cannot be used; the message says why and what to do."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, *, name: str, lifetime_days: int | None = DEFAULT_LIFETIME_DAYS,
                 two_factor: bool = False, request=None) -> tuple[AccessToken, str]:
    """Make a token for ``user``; returns the record and the token itself (shown once)."""
    prefix = f"{SCHEME}_{secrets.token_hex(4)}"
    token = f"{prefix}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    with transaction.atomic():
        access_token = AccessToken.objects.create(
            user=user, name=name.strip(), prefix=prefix, token_hash=hash_token(token),
            two_factor=two_factor,
            expires_at=now + dt.timedelta(days=lifetime_days) if lifetime_days else None,
        )
        record(AuditEvent.Kind.TOKEN_CREATED, request=request, actor=user,
               target=f"{access_token.name} ({prefix})", token=access_token.pk,
               expires_at=access_token.expires_at.isoformat() if access_token.expires_at else None,
               two_factor=two_factor)
    return access_token, token


def revoke_token(access_token: AccessToken, *, request=None) -> bool:
    """Revoke a token (False if it was revoked already)."""
    if access_token.revoked_at is not None:
        return False
    with transaction.atomic():
        access_token.revoked_at = timezone.now()
        access_token.save(update_fields=["revoked_at"])
        record(AuditEvent.Kind.TOKEN_REVOKED, request=request,
               target=f"{access_token.name} ({access_token.prefix})", token=access_token.pk)
    return True


def authenticate_token(token: str):
    """The user a token acts as, ready for permission checks; raises ``TokenError``.

    The user's ``is_verified()`` answers whether the token carries roles that need two-factor
    sign-in, as django-otp's middleware does for a session."""
    token = token.strip()
    if not token.startswith(f"{SCHEME}_"):
        raise TokenError("The Authorization header does not hold a cdphub personal access token "
                         "(they start 'cdphub_'). Make one on your account page.")
    access_token = (AccessToken.objects.select_related("user")
                    .filter(token_hash=hash_token(token)).first())
    if access_token is None:
        raise TokenError("This personal access token is not recognised. Check you copied all of "
                         "it, or make a new one on your account page.")
    now = timezone.now()
    if access_token.revoked_at is not None:
        raise TokenError(f"This personal access token ({access_token.prefix}) was revoked on "
                         f"{timezone.localtime(access_token.revoked_at):%d %B %Y}. Make a new "
                         "one on your account page.")
    if access_token.expires_at is not None and access_token.expires_at <= now:
        raise TokenError(f"This personal access token ({access_token.prefix}) expired on "
                         f"{timezone.localtime(access_token.expires_at):%d %B %Y}. Make a new "
                         "one on your account page.")
    user = access_token.user
    if not user.is_active:
        raise TokenError("The account this token belongs to has been deactivated.")
    if access_token.last_used_at is None or now - access_token.last_used_at >= LAST_USED_RESOLUTION:
        AccessToken.objects.filter(pk=access_token.pk).update(last_used_at=now)
        access_token.last_used_at = now
    verified = access_token.two_factor
    user.is_verified = lambda: verified
    user.cdphub_access_token = access_token
    return user
