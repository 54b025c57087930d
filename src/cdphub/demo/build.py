"""The demo: realistic, clearly synthetic data so anyone can try cdphub (``cdphub demo``).

Demo accounts exist only where ``CDPHUB_DEMO_ENABLED`` is on (never in production
settings). Their details are in the README.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdphub.accounts.models import TWO_FACTOR_ROLES, Membership, User
from cdphub.core.clock import today
from cdphub.demo.governance import build_governance_demo
from cdphub.demo.outcomes import build_outcomes_demo, load_newest_periods
from cdphub.demo.planning import build_planning_demo
from cdphub.demo.plans import build_plans_demo
from cdphub.demo.register import build_register_demo
from cdphub.demo.reports import build_reports_demo
from cdphub.framework import guidance
from cdphub.geography.loader import DATA_DIR, load_geography
from cdphub.geography.models import Area
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.recompute import recomputing_here
from cdphub.partnerships import actions as register
from cdphub.partnerships.changesets import change_set
from cdphub.partnerships.governance import create_terms
from cdphub.partnerships.models import Organisation, Partnership

# Shown in the README so anyone can try two-factor sign-in: add it to an authenticator app,
# or run ./dev totp for the current code.
DEMO_TOTP_SECRET = "CDPHUBDEMOTOTPSECRETKEY234567ABC"  # noqa: S105 - published demo secret
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published demo credential

# Multi-authority partnerships; every other upper-tier authority has its own partnership.
# Authorities replaced since 2022 appear under their 2022 codes: the demo records the change as
# an agreed footprint change (see REORGANISATIONS).
MULTI_AUTHORITY = {
    "Greater Manchester Combating Drugs Partnership": [
        "E08000001", "E08000002", "E08000003", "E08000004", "E08000005",
        "E08000006", "E08000007", "E08000008", "E08000009", "E08000010",
    ],
    "Berkshire West Combating Drugs Partnership": ["E06000037", "E06000038", "E06000041"],
}
# 2022 footprint code -> (date, codes that replaced it), from geography/data/area_changes.csv
REORGANISATIONS = {
    "E10000006": ("2023-04-01", ["E06000063", "E06000064"]),  # Cumbria
    "E10000023": ("2023-04-01", ["E06000065"]),  # North Yorkshire
    "E10000027": ("2023-04-01", ["E06000066"]),  # Somerset
    "E08000016": ("2025-04-01", ["E08000038"]),  # Barnsley
    "E08000019": ("2025-04-01", ["E08000039"]),  # Sheffield
}
FOOTPRINTS_FROM = "2022-08-01"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    job_title: str
    role: str
    partnership: str | None = None  # partnership name
    region: str | None = None  # region code
    organisation: str = ""


#: Metrics whose newest period the demo loads after the needs assessments were signed off.
NEWEST_LATER = ("drug_misuse_deaths",)
GM = "Greater Manchester Combating Drugs Partnership"
BERKSHIRE = "Berkshire West Combating Drugs Partnership"
DEMO_ACCOUNTS = [
    DemoAccount("central.admin@example.org", "Priya Shah", "Head of Local Delivery, JCDU",
                "central_admin"),
    DemoAccount("central.analyst@example.org", "Tom Okafor", "Senior Analyst, JCDU",
                "central_analyst"),
    DemoAccount("regional.adviser@example.org", "Helen Barker", "Regional Adviser, North West",
                "regional_adviser", region="E12000002"),
    DemoAccount("sro@example.org", "Andrew Lewis", "Director of Public Health",
                "sro", partnership=GM, organisation="Manchester City Council"),
    DemoAccount("lead@example.org", "Grace Miller", "Drug and Alcohol Strategy Manager",
                "partnership_lead", partnership=GM,
                organisation="Greater Manchester Combined Authority"),
    DemoAccount("data.lead@example.org", "Sam Patel", "Public Health Intelligence Lead",
                "data_lead", partnership=GM,
                organisation="Greater Manchester Combined Authority"),
    DemoAccount("member@example.org", "Chris Jordan", "Detective Inspector",
                "member", partnership=GM, organisation="Greater Manchester Police"),
    DemoAccount("member.berkshire@example.org", "Lucy Evans", "Treatment Service Manager",
                "member", partnership=BERKSHIRE, organisation="Change Grow Live"),
]


def demo_footprints() -> list[tuple[str, list[str], str]]:
    """(partnership name, authority codes on 1 August 2022, region code) for every demo
    partnership: together they cover each upper-tier authority exactly once."""
    with open(DATA_DIR / "utla2023_reference.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(DATA_DIR / "area_changes.csv", newline="", encoding="utf-8") as handle:
        changes = list(csv.DictReader(handle))
    old_name = {c["old_code"]: c["old_name"] for c in changes}
    region_of = {row["utla_code_2023"]: row["region_code"] for row in rows}
    replaced = {new: old for old, (_d, news) in REORGANISATIONS.items() for new in news}
    grouped = {code for codes in MULTI_AUTHORITY.values() for code in codes}
    result = [(name, codes, region_of[codes[0]]) for name, codes in MULTI_AUTHORITY.items()]
    seen = set()
    for row in rows:
        code = replaced.get(row["utla_code_2023"], row["utla_code_2023"])
        if code in grouped or code in seen:
            continue
        seen.add(code)
        name = old_name.get(code, row["utla_name"])
        result.append((f"{name} Combating Drugs Partnership", [code], row["region_code"]))
    return sorted(result)


# Which register record each demo account is: (position, sector) in its partnership.
_ACCOUNT_APPOINTMENT = {
    "sro": ("sro", None), "partnership_lead": ("partnership_lead", None),
    "data_lead": ("data_lead", None), "member": ("core_member", None),
}


def _link_person(user, partnership, account: DemoAccount) -> None:
    """Make the demo account the person who holds the matching role in the register."""
    position = _ACCOUNT_APPOINTMENT.get(account.role, (None, None))[0]
    appointments = partnership.appointments.filter(position=position, end_date__isnull=True)
    if account.role == "member":
        keyword = "police" if "Police" in account.organisation else "treatment_providers"
        appointments = appointments.filter(sector=keyword)
    appointment = appointments.select_related("person").first()
    if appointment is None:
        return
    with change_set():  # one entry in the History
        _link(user, appointment, account)


def _link(user, appointment, account: DemoAccount) -> None:
    person = appointment.person
    person.full_name, person.job_title = account.full_name, account.job_title
    person.email, person.user = account.email, user
    if account.organisation:
        person.organisation, _ = Organisation.objects.get_or_create(
            name=account.organisation, defaults={"sector": appointment.sector})
    person.save()
    if account.role == "sro":  # a director of public health: one of the expected roles
        appointment.sro_role, appointment.sector = "la_director", "local_authority_officials"
        appointment.save()


def _flagship_terms(partnership) -> None:
    """The partnership most demo accounts belong to has agreed terms of reference, so the
    demo shows a complete governance page (other partnerships show the gaps)."""
    if partnership.terms_of_reference.exists():
        return
    checklist = {content.key: (True, f"Section {n}") for n, content in
                 enumerate(guidance().terms_of_reference_contents, start=1)}
    checklist["local_outcomes"] = (False, "")
    create_terms(partnership=partnership, checklist=checklist, agreed_on=dt.date(2022, 9, 21),
                 review_due=dt.date(2026, 9, 30),
                 notes="Agreed at the Greater Manchester Drug and Alcohol Transformation Board.")


def _rationale(codes: list[str]) -> str:
    if len(codes) > 1:
        return ("The authorities share a police force, an integrated care system and "
                "commissioning arrangements; working across the wider footprint improves "
                "integration, as the guidance asks (chapter 3, Geography).")
    return "The partnership follows the upper-tier local authority boundary (chapter 3, Geography)."


def demo_totp_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def build_demo(step: Callable[[str], None]) -> dict[str, int]:
    """Build the demo in one transaction. The data loads and footprints in it each ask for a
    recomputation when the transaction commits; the demo recomputes everything itself at the
    end, so those requests are ignored (``recomputing_here``) rather than left queued."""
    with recomputing_here():
        return _build_demo(step)


@transaction.atomic
def _build_demo(step: Callable[[str], None]) -> dict[str, int]:
    if not settings.CDPHUB_DEMO_ENABLED:
        raise RuntimeError("Demo data is disabled in these settings (CDPHUB_DEMO_ENABLED).")

    step("geography")
    load_geography()

    step("partnerships and footprints")
    regions = {area.code: area for area in Area.objects.filter(area_type="region")}
    areas = {area.code: area for area in Area.objects.filter(area_type="utla")}
    start = dt.date.fromisoformat(FOOTPRINTS_FROM)
    partnerships = {}
    for name, codes, _region_code in demo_footprints():
        partnership = Partnership.objects.filter(name=name).first()
        if partnership is None:
            partnership = register.create_partnership(
                name=name, areas=[areas[c] for c in codes], valid_from=start,
                rationale=_rationale(codes))
        partnerships[name] = partnership
    admin = None
    for old, (date, news) in REORGANISATIONS.items():
        partnership = Partnership.objects.filter(coverages__area__code=old).first()
        if partnership is None or partnership.coverages.filter(area__code__in=news).exists():
            continue
        change = register.propose_footprint_change(
            partnership=partnership, add=[areas[c] for c in news], remove=[areas[old]],
            effective_from=dt.date.fromisoformat(date),
            rationale="Local government reorganisation: the authority was replaced "
                      f"on {date}.")
        register.agree_footprint_change(change=change, decided_by=admin,
                                        note="Agreed: statutory boundary change.")

    step("people and roles")
    refreshes = build_register_demo(today())["needs_assessment_refreshes"]

    step("governance and meetings")
    build_governance_demo(Partnership.objects.order_by("name"), random.Random(2022), today())
    _flagship_terms(partnerships[GM])

    step("outcomes data")
    sync_catalogue()
    build_outcomes_demo(today(), held_back=NEWEST_LATER)

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
        if account.partnership:
            _link_person(user, partnerships[account.partnership], account)
        if account.role in TWO_FACTOR_ROLES:
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name="Demo authenticator",
                                      key=demo_totp_key_hex(), confirmed=True, tolerance=1)
            static, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
            static.token_set.all().delete()
            StaticToken.objects.bulk_create(
                StaticToken(device=static, token=f"demo{n:04d}") for n in range(1, 11)
            )

    # After the demo accounts: Greater Manchester's SRO and lead sign and write as themselves.
    step("needs assessments")
    build_planning_demo(today(), refreshes)

    # Then the newest deaths figures arrive: the outcomes pages and draft assessments show
    # them; the signed-off assessments keep the figures they froze.
    step("outcomes data: the newest deaths figures")
    load_newest_periods(today(), NEWEST_LATER)

    # Last: the performance frameworks' baselines and targets are set against all the
    # figures the outcomes pages show.
    step("delivery plans")
    build_plans_demo(today())

    # After the plans: the reports are generated from everything above.
    step("progress reports")
    build_reports_demo(today())
    return {
        "areas": Area.objects.count(),
        "partnerships": Partnership.objects.count(),
        "accounts": len(DEMO_ACCOUNTS),
    }
