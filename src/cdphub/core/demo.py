"""The demo: realistic, clearly synthetic data so anyone can try cdphub (``cdphub demo``).

Demo accounts exist only where ``CDPHUB_DEMO_ENABLED`` is on (never in production
settings). Their details are in the README.
"""

from __future__ import annotations

import base64
import csv
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from cdphub.geography.loader import DATA_DIR

# Shown in the README so anyone can try two-factor sign-in: add it to an authenticator app,
# or run ./dev totp for the current code.
DEMO_TOTP_SECRET = "CDPHUBDEMOTOTPSECRETKEY234567ABC"  # noqa: S105 - published demo secret
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published demo credential

# Multi-authority partnerships; every other upper-tier authority has its own partnership.
MULTI_AUTHORITY = {
    "Greater Manchester Combating Drugs Partnership": [
        "E08000001", "E08000002", "E08000003", "E08000004", "E08000005",
        "E08000006", "E08000007", "E08000008", "E08000009", "E08000010",
    ],
    "Berkshire West Combating Drugs Partnership": ["E06000037", "E06000038", "E06000041"],
}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    job_title: str
    role: str
    partnership: str | None = None  # partnership name
    region: str | None = None  # region code


GM = "Greater Manchester Combating Drugs Partnership"
BERKSHIRE = "Berkshire West Combating Drugs Partnership"
DEMO_ACCOUNTS = [
    DemoAccount("central.admin@example.org", "Priya Shah", "Head of Local Delivery, JCDU",
                "central_admin"),
    DemoAccount("central.analyst@example.org", "Tom Okafor", "Senior Analyst, JCDU",
                "central_analyst"),
    DemoAccount("regional.adviser@example.org", "Helen Barker", "Regional Adviser, North West",
                "regional_adviser", region="E12000002"),
    DemoAccount("sro@example.org", "Andrew Lewis", "Director of Public Health, Manchester",
                "sro", partnership=GM),
    DemoAccount("lead@example.org", "Grace Miller", "Drug and Alcohol Strategy Manager",
                "partnership_lead", partnership=GM),
    DemoAccount("data.lead@example.org", "Sam Patel", "Public Health Intelligence Lead",
                "data_lead", partnership=GM),
    DemoAccount("member@example.org", "Chris Jordan", "Detective Inspector, GMP",
                "member", partnership=GM),
    DemoAccount("member.berkshire@example.org", "Lucy Evans", "Treatment Service Manager",
                "member", partnership=BERKSHIRE),
]


def demo_footprints() -> list[tuple[str, list[str], str]]:
    """(partnership name, authority codes, region code) for every demo partnership, covering
    each of the 153 upper-tier authorities exactly once."""
    with open(DATA_DIR / "utla2023_reference.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    region_of = {row["utla_code_2023"]: row["region_code"] for row in rows}
    grouped = {code for codes in MULTI_AUTHORITY.values() for code in codes}
    result = [(name, codes, region_of[codes[0]]) for name, codes in MULTI_AUTHORITY.items()]
    for row in rows:
        if row["utla_code_2023"] not in grouped:
            result.append((f"{row['utla_name']} Combating Drugs Partnership",
                           [row["utla_code_2023"]], row["region_code"]))
    return sorted(result)


def demo_totp_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


@transaction.atomic
def build_demo(step: Callable[[str], None]) -> dict[str, int]:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cdphub.accounts.models import TWO_FACTOR_ROLES, Membership, User
    from cdphub.geography.loader import load_geography
    from cdphub.geography.models import Area
    from cdphub.partnerships.models import Partnership

    if not settings.CDPHUB_DEMO_ENABLED:
        raise RuntimeError("Demo data is disabled in these settings (CDPHUB_DEMO_ENABLED).")

    step("geography")
    load_geography()

    step("partnerships")
    regions = {area.code: area for area in Area.objects.filter(area_type="region")}
    partnerships = {}
    for name, _codes, region_code in demo_footprints():
        partnerships[name], _ = Partnership.objects.update_or_create(
            slug=slugify(name.replace(" Combating Drugs Partnership", "")),
            defaults={"name": name, "region": regions[region_code]},
        )

    step("demo accounts")
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.update_or_create(
            email=account.email,
            defaults={"full_name": account.full_name, "job_title": account.job_title,
                      "is_demo": True},
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.filter(user=user).delete()
        Membership.objects.create(
            user=user, role=account.role,
            partnership=partnerships.get(account.partnership),
            region=regions.get(account.region),
        )
        if account.role in TWO_FACTOR_ROLES:
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name="Demo authenticator",
                                      key=demo_totp_key_hex(), confirmed=True, tolerance=1)
            static, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
            static.token_set.all().delete()
            StaticToken.objects.bulk_create(
                StaticToken(device=static, token=f"demo{n:04d}") for n in range(1, 11)
            )
    return {
        "areas": Area.objects.count(),
        "partnerships": Partnership.objects.count(),
        "accounts": len(DEMO_ACCOUNTS),
    }
