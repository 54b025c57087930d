"""The demo data: partnership footprints covering England once, and the demo accounts."""

from __future__ import annotations

import base64
import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

import cdphub
from cdphub.accounts.models import TWO_FACTOR_ROLES, AuditEvent, Membership, User
from cdphub.demo.build import DEMO_ACCOUNTS, DEMO_PASSWORD, build_demo, demo_footprints
from cdphub.partnerships.models import Partnership

REPO_ROOT = Path(cdphub.__file__).resolve().parents[2]
REFERENCE = Path(cdphub.__file__).resolve().parent / "geography" / "data" / \
    "utla2023_reference.csv"
GM_NAME = "Greater Manchester Combating Drugs Partnership"
BERKSHIRE_NAME = "Berkshire West Combating Drugs Partnership"


def reference_rows() -> list[dict[str, str]]:
    with open(REFERENCE, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def readme_secret() -> str:
    """The two-factor secret the README publishes for the demo accounts."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    found = set(re.findall(r"`([A-Z2-7]{16,})`", readme))
    assert len(found) == 1, f"expected one base32 secret in the README, found {found}"
    return found.pop()


def readme_password() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"password is \*\*`([^`]+)`\*\*|password \*\*`([^`]+)`\*\*", readme)
    assert match, "the README gives the demo password"
    return match.group(1) or match.group(2)


# --- footprints (no database) -------------------------------------------------------------


def test_footprints_cover_every_authority_exactly_once():
    """On 1 August 2022 the footprints use that day's authorities: Cumbria, North Yorkshire and
    Somerset counties, and Barnsley and Sheffield under their old codes."""
    footprints = demo_footprints()
    codes = [code for _name, authority_codes, _region in footprints for code in authority_codes]
    counts = Counter(codes)
    current = {row["utla_code_2023"] for row in reference_rows()}
    replaced = {"E06000063": "E10000006", "E06000064": "E10000006", "E06000065": "E10000023",
                "E06000066": "E10000027"}
    expected = {replaced.get(code, code) for code in current}

    assert len(reference_rows()) == 153
    assert set(counts) == expected
    assert len(codes) == 153 - 1  # Cumberland and Westmorland and Furness were one county
    assert [code for code, n in counts.items() if n > 1] == []


def test_built_demo_covers_todays_153_authorities_once(demo):
    from cdphub.geography.models import Area
    from cdphub.partnerships.models import Coverage

    open_codes = list(Coverage.objects.filter(valid_to__isnull=True)
                      .values_list("area__code", flat=True))
    today_codes = set(Area.objects.of_type("utla").current().values_list("code", flat=True))
    assert len(open_codes) == len(set(open_codes)) == 153
    assert set(open_codes) == today_codes
    cumbria = Partnership.objects.get(name="Cumbria Combating Drugs Partnership")
    spans = {(c.area.code, str(c.valid_from), str(c.valid_to)) for c in cumbria.coverages.all()}
    assert spans == {("E10000006", "2022-08-01", "2023-03-31"),
                     ("E06000063", "2023-04-01", "None"), ("E06000064", "2023-04-01", "None")}


def test_footprint_names_are_unique():
    names = [name for name, _codes, _region in demo_footprints()]
    assert len(names) == len(set(names))
    assert all(name.endswith("Combating Drugs Partnership") for name in names)


def test_greater_manchester_has_its_ten_authorities():
    footprints = {name: (codes, region) for name, codes, region in demo_footprints()}
    codes, region = footprints[GM_NAME]
    rows = {row["utla_code_2023"]: row for row in reference_rows()}

    assert len(codes) == 10
    assert region == "E12000002"
    assert {rows[c]["utla_name"] for c in codes} == {
        "Bolton", "Bury", "Manchester", "Oldham", "Rochdale", "Salford", "Stockport",
        "Tameside", "Trafford", "Wigan"}
    assert {rows[c]["pfa_name"] for c in codes} == {"Greater Manchester"}


def test_berkshire_west_has_its_three_authorities():
    footprints = {name: (codes, region) for name, codes, region in demo_footprints()}
    codes, region = footprints[BERKSHIRE_NAME]
    rows = {row["utla_code_2023"]: row for row in reference_rows()}

    assert len(codes) == 3
    assert region == "E12000008"
    assert {rows[c]["utla_name"] for c in codes} == {"Reading", "West Berkshire", "Wokingham"}


def test_every_footprint_lies_in_its_region():
    region_of = {row["utla_code_2023"]: row["region_code"] for row in reference_rows()}
    region_of.update({"E10000006": "E12000002", "E10000023": "E12000003",
                      "E10000027": "E12000009"})
    for name, codes, region in demo_footprints():
        assert {region_of[c] for c in codes} == {region}, name


def test_single_authority_partnerships_are_named_after_their_authority():
    rows = {row["utla_code_2023"]: row["utla_name"] for row in reference_rows()}
    rows.update({"E10000006": "Cumbria", "E10000023": "North Yorkshire",
                 "E10000027": "Somerset"})
    singles = [(name, codes) for name, codes, _ in demo_footprints() if len(codes) == 1]
    assert len(singles) == 153 - 10 - 3 - 1
    for name, (code,) in singles:
        assert name == f"{rows[code]} Combating Drugs Partnership"


# --- building the demo --------------------------------------------------------------------


@pytest.fixture
def demo(shared_demo, db):
    """The demo as ``build_demo`` leaves it (built once per run: ``tests/conftest.py``)."""
    return shared_demo.counts, shared_demo.steps


def test_build_demo_creates_the_partnerships(demo):
    counts, steps = demo
    footprints = demo_footprints()

    assert Partnership.objects.count() == len(footprints) == counts["partnerships"]
    assert {p.name for p in Partnership.objects.all()} == {name for name, _, _ in footprints}
    gm = Partnership.objects.get(name=GM_NAME)
    assert gm.region.code == "E12000002"
    assert gm.slug == "greater-manchester"
    berkshire = Partnership.objects.get(name=BERKSHIRE_NAME)
    assert berkshire.region.code == "E12000008"
    for name, _codes, region in footprints:
        assert Partnership.objects.get(name=name).region.code == region
    assert steps, "build_demo reports its progress"


def test_build_demo_creates_the_demo_accounts(demo):
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.is_demo is True
        assert user.full_name == account.full_name
        assert user.check_password(DEMO_PASSWORD)
        memberships = list(Membership.objects.active().filter(user=user))
        assert [m.role for m in memberships] == [account.role]
        membership = memberships[0]
        if account.partnership:
            assert membership.partnership.name == account.partnership
        else:
            assert membership.partnership is None
        if account.region:
            assert membership.region.code == account.region
        else:
            assert membership.region is None
    assert User.objects.filter(is_demo=True).count() == len(DEMO_ACCOUNTS)


def test_demo_password_is_the_one_in_the_readme(demo):
    password = readme_password()
    for account in DEMO_ACCOUNTS:
        assert User.objects.get(email=account.email).check_password(password)


def test_two_factor_demo_accounts_have_the_readme_secret(demo):
    secret = readme_secret()
    key = base64.b32decode(secret)
    two_factor = [a for a in DEMO_ACCOUNTS if a.role in TWO_FACTOR_ROLES]
    assert len(two_factor) >= 5

    for account in DEMO_ACCOUNTS:
        devices = TOTPDevice.objects.filter(user__email=account.email)
        if account.role in TWO_FACTOR_ROLES:
            assert devices.count() == 1, account.email
            device = devices.get()
            assert device.confirmed is True
            assert device.bin_key == key
            # A code computed from the published secret is accepted.
            token = TOTP(key, step=device.step, t0=device.t0, digits=device.digits).token()
            assert device.verify_token(f"{token:06d}")
            tokens = set(StaticToken.objects.filter(device__user=device.user)
                         .values_list("token", flat=True))
            assert tokens == {f"demo{n:04d}" for n in range(1, 11)}
        else:
            assert not devices.exists(), account.email


def test_demo_two_factor_sign_in_works_end_to_end(demo):
    client = Client()
    sro = next(a for a in DEMO_ACCOUNTS if a.role == "sro")
    response = client.post(reverse("accounts:sign-in"),
                           {"email": sro.email, "password": readme_password()})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor"))
    key = base64.b32decode(readme_secret())
    token = f"{TOTP(key).token():06d}"

    response = client.post(reverse("accounts:two-factor"), {"token": token})

    assert response.status_code == 302
    assert DEVICE_ID_SESSION_KEY in client.session
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TWO_FACTOR_VERIFIED).count() == 1
    gm = Partnership.objects.get(name=GM_NAME)
    assert client.get(reverse("partnerships:detail", args=[gm.slug])).status_code == 200


@pytest.mark.one_database  # the build's queries are those of the demo the PostgreSQL pass builds
def test_building_the_demo_twice_duplicates_nothing(demo):
    counts, _ = demo
    users = User.objects.count()

    again = build_demo(step=lambda s: None)

    assert again == counts
    assert User.objects.count() == users
    assert Partnership.objects.count() == counts["partnerships"]
    for account in DEMO_ACCOUNTS:
        assert Membership.objects.filter(user__email=account.email).count() == 1
        if account.role in TWO_FACTOR_ROLES:
            assert TOTPDevice.objects.filter(user__email=account.email).count() == 1
            assert StaticToken.objects.filter(device__user__email=account.email).count() == 10


def test_readme_lists_every_demo_account():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([a-z.]+@example\.org)`", readme))
    assert listed == {account.email for account in DEMO_ACCOUNTS}
