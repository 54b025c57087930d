"""Who may use the service-wide, account and geography pages."""

from tests.url_expectations import CENTRAL_ADMIN, EVERYONE, SIGNED_IN


def a_membership_of_member_b(world):
    from cdphub.accounts.models import Membership

    return Membership.objects.filter(user=world.member_b).first().pk


EXPECTED = {
    "core:home": ({}, EVERYONE),
    "core:accessibility": ({}, EVERYONE),
    "core:cookies": ({}, EVERYONE),
    "core:privacy": ({}, EVERYONE),
    "core:feedback": ({}, EVERYONE),
    "accounts:sign-in": ({}, EVERYONE),
    "accounts:sign-out": ({}, EVERYONE),
    "accounts:password-reset": ({}, EVERYONE),
    "accounts:password-reset-sent": ({}, EVERYONE),
    "accounts:password-reset-confirm": ({"uidb64": "MQ", "token": "set-password"}, EVERYONE),
    "accounts:password-reset-done": ({}, EVERYONE),
    "accounts:account": ({}, SIGNED_IN),
    "accounts:password-change": ({}, SIGNED_IN),
    "accounts:two-factor": ({}, SIGNED_IN),
    "accounts:two-factor-set-up": ({}, SIGNED_IN),
    "accounts:backup-codes": ({}, SIGNED_IN),
    "accounts:roles": ({}, CENTRAL_ADMIN),
    "accounts:revoke-role": ({"pk": a_membership_of_member_b}, CENTRAL_ADMIN),
    "accounts:audit-log": ({}, CENTRAL_ADMIN),
    "accounts:audit-log-csv": ({}, CENTRAL_ADMIN),
    "geography:index": ({}, EVERYONE),
    "geography:area": ({"code": "E10000006"}, EVERYONE),
}
