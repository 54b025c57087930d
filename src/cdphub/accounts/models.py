"""Users, their roles and the security audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    """Every role in cdphub. Central and regional roles are national or regional in scope;
    the rest are held in one partnership (README, "Security model")."""

    CENTRAL_ADMIN = "central_admin", "Central administrator (JCDU)"
    CENTRAL_ANALYST = "central_analyst", "Central analyst (JCDU)"
    REGIONAL_ADVISER = "regional_adviser", "Regional adviser"
    SRO = "sro", "Senior responsible owner"
    PARTNERSHIP_LEAD = "partnership_lead", "Partnership lead"
    DATA_LEAD = "data_lead", "Data and digital lead"
    PUBLIC_INVOLVEMENT_LEAD = "public_involvement_lead", "Public involvement lead"
    MEMBER = "member", "Partnership member"


CENTRAL_ROLES = frozenset({Role.CENTRAL_ADMIN, Role.CENTRAL_ANALYST})
REGIONAL_ROLES = frozenset({Role.REGIONAL_ADVISER})
PARTNERSHIP_ROLES = frozenset(
    {Role.SRO, Role.PARTNERSHIP_LEAD, Role.DATA_LEAD, Role.PUBLIC_INVOLVEMENT_LEAD, Role.MEMBER}
)
LEAD_ROLES = frozenset(
    {Role.SRO, Role.PARTNERSHIP_LEAD, Role.DATA_LEAD, Role.PUBLIC_INVOLVEMENT_LEAD}
)
# Roles that must sign in with a second factor (issue #2: central and SRO/lead roles).
TWO_FACTOR_ROLES = CENTRAL_ROLES | LEAD_ROLES


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person who signs in. Identified by email address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    is_demo = models.BooleanField(
        default=False, help_text="Created by the demo loader; never present in production."
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class Membership(models.Model):
    """One role held by one user, in one partnership (partnership roles), one region
    (regional advisers) or nationally (central roles)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=40, choices=Role.choices)
    partnership = models.ForeignKey(
        "partnerships.Partnership", null=True, blank=True, on_delete=models.CASCADE,
        related_name="memberships",
    )
    region = models.ForeignKey(
        "geography.Area", null=True, blank=True, on_delete=models.PROTECT,
        related_name="regional_memberships", limit_choices_to={"area_type": "region"},
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["role", "created_at"]
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role__in=sorted(r.value for r in CENTRAL_ROLES),
                      partnership__isnull=True, region__isnull=True)
                    | Q(role__in=sorted(r.value for r in REGIONAL_ROLES),
                        partnership__isnull=True, region__isnull=False)
                    | Q(role__in=sorted(r.value for r in PARTNERSHIP_ROLES),
                        partnership__isnull=False, region__isnull=True)
                ),
                violation_error_message="A central role has no partnership or region; a "
                "regional adviser has a region; a partnership role has a partnership.",
            ),
            # One active holding of a role per scope. Three partial indexes, none over a NULL
            # column, so SQLite enforces them as PostgreSQL does.
            models.UniqueConstraint(
                fields=["user", "role", "partnership"],
                condition=Q(ended_at__isnull=True, partnership__isnull=False),
                name="membership_unique_active_partnership_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(ended_at__isnull=True, region__isnull=False),
                name="membership_unique_active_regional_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(ended_at__isnull=True, partnership__isnull=True, region__isnull=True),
                name="membership_unique_active_central_role",
            ),
        ]

    def __str__(self) -> str:
        scope = self.partnership or self.region or "England"
        return f"{self.user} — {self.get_role_display()} — {scope}"

    @property
    def scope_label(self) -> str:
        if self.partnership_id:
            return str(self.partnership)
        if self.region_id:
            return self.region.name
        return "England (all partnerships)"


class AuditEvent(models.Model):
    """A security event. Deliberately free of foreign keys (as in opensafely job-server): the
    record outlives the user, partnership or object it names, and can never be cascaded away."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_OUT = "sign_out", "Signed out"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        SIGN_IN_THROTTLED = "sign_in_throttled", "Sign-in refused (too many failures)"
        TWO_FACTOR_VERIFIED = "two_factor_verified", "Two-factor code accepted"
        TWO_FACTOR_FAILED = "two_factor_failed", "Two-factor code rejected"
        TWO_FACTOR_SET_UP = "two_factor_set_up", "Two-factor authentication set up"
        BACKUP_CODES_ISSUED = "backup_codes_issued", "Backup codes issued"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        ROLE_GRANTED = "role_granted", "Role granted"
        ROLE_REVOKED = "role_revoked", "Role revoked"
        EXPORT = "export", "Data exported"
        TOKEN_CREATED = "token_created", "Personal access token created"
        TOKEN_REVOKED = "token_revoked", "Personal access token revoked"
        RECORD_WITHDRAWN = "record_withdrawn", "Record withdrawn"
        SIGNED_OFF = "signed_off", "Signed off"
        FILE_DOWNLOADED = "file_downloaded", "Stored file downloaded"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=40, choices=Kind.choices, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_email = models.CharField(max_length=254, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    target = models.CharField(max_length=300, blank=True)
    partnership_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "actor_email", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.actor_email}"


class AccessTokenQuerySet(models.QuerySet):
    def usable(self, now):
        """Tokens not revoked and not expired at ``now``."""
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now),
                           revoked_at__isnull=True)


class AccessToken(models.Model):
    """A personal access token for the REST API (``cdphub.accounts.tokens``).

    Only the SHA-256 hash of the token is stored: the token itself is shown once, when it is
    made. A token acts as its user with the roles they hold at the time of each request;
    roles that need two-factor sign-in only if the token was made in a session that had
    given the second factor (``two_factor``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="access_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(
        max_length=20, help_text="The start of the token, shown so its owner can tell tokens apart.")
    token_hash = models.CharField("SHA-256 hash of the token", max_length=64, unique=True)
    two_factor = models.BooleanField(
        default=False, help_text="Made in a session that had given the second factor: the token "
        "carries the roles that need two-factor sign-in.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def status(self, now) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class SignInCounter(models.Model):
    """Recent password checks for one email address, for the per-account sign-in limit
    (``cdphub.accounts.throttle``). Each check is counted here *before* the password is
    checked, under a lock on this row, so parallel attempts cannot all slip under the
    limit; a successful sign-in or a password reset deletes the row. Kept apart from the
    audit log, which only ever grows."""

    email = models.CharField(max_length=254, unique=True)
    checks = models.JSONField(
        default=list, blank=True,
        help_text="When each recent failed (or still running) password check began, oldest "
                  "first, in ISO 8601; only the last few, up to the limit, are kept.")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.email}: {len(self.checks)} recent password checks"


class OutboxMessage(models.Model):
    """An e-mail as the outbox backend (``accounts.outbox.OutboxBackend``) stored it instead of
    sending it: the demo and development settings use it, so that central administrators can
    read what cdphub sent (reminders, invitations, password resets) without a mail server.
    Production sends through SMTP and stores nothing here."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_email = models.CharField(max_length=254)
    #: The addresses the message went to, comma-separated (likewise cc and bcc).
    to = models.TextField()
    cc = models.TextField(blank=True)
    bcc = models.TextField(blank=True)
    subject = models.CharField(max_length=998)
    body = models.TextField("plain text")
    html_body = models.TextField("HTML version", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} (to {self.to})"
