"""End-to-end journeys through the foundation in a real browser, with axe on every page."""

from __future__ import annotations

import re

from cdphub.accounts.models import AuditEvent, Membership
from cdphub.demo.build import DEMO_PASSWORD, DEMO_TOTP_SECRET

from .conftest import totp_code


def test_public_pages_read_without_signing_in(web, demo):
    web.goto("/")
    assert web.page.get_by_role("heading", level=1).inner_text() == "Combating Drugs Partnerships"
    nav = web.page.get_by_role("navigation", name="Menu")
    assert nav.get_by_role("link", name="Sign in").is_visible()
    assert nav.get_by_role("link", name="Partnerships").count() == 0
    for path in ["/accessibility/", "/cookies/", "/privacy/", "/feedback/"]:
        web.goto(path)
    web.goto("/areas/")
    assert "153 upper-tier local authorities" in web.page.inner_text("main")
    web.page.get_by_role("link", name="Cumbria (E10000006)").click()
    web.check()
    assert web.page.get_by_role("heading", level=1).inner_text() == "Cumbria"
    assert "replaced on 1 April 2023" in web.page.inner_text("main")
    web.page.get_by_role("link", name="Cumberland (E06000063)").click()
    web.check()
    main = web.page.inner_text("main")
    assert "Allerdale" not in main  # districts of a unitary are not listed as children
    assert "Cumbria" in main and "Police force area" in main


def test_member_signs_in_and_reaches_their_partnership(web, demo):
    web.sign_in("member@example.org", DEMO_PASSWORD)
    web.check()
    assert web.page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    nav = web.page.get_by_role("navigation", name="Menu")
    assert nav.get_by_role("link", name="Partnerships").is_visible()
    assert nav.get_by_role("link", name="Roles").count() == 0  # central administrators only
    web.page.get_by_role("link", name="Greater Manchester Combating Drugs Partnership", exact=True).click()
    web.check()
    assert web.page.url.endswith("/partnerships/greater-manchester/")
    web.goto("/partnerships/")
    rows = web.page.locator("tbody tr")
    assert rows.count() == 1  # a member sees only their own partnership
    web.goto("/partnerships/berkshire-west/", status=403)
    assert "You do not have permission" in web.page.inner_text("h1")
    web.goto("/account/")
    assert "Partnership member" in web.page.inner_text("main")
    web.page.get_by_role("button", name="Sign out").click()
    web.check()
    assert "You have signed out" in web.page.inner_text("main")
    kinds = set(AuditEvent.objects.filter(actor_email="member@example.org")
                .values_list("kind", flat=True))
    assert {"sign_in", "sign_out"} <= kinds


def test_sign_in_errors_are_summarised_and_linked(web, demo):
    web.goto("/account/sign-in/")
    web.page.get_by_role("button", name="Sign in").click()
    web.check()
    summary = web.page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert web.page.title().startswith("Error: ")
    links = summary.locator("a")
    assert links.count() == 2
    links.first.click()
    assert web.page.evaluate("document.activeElement.id") == "id_email"
    web.page.get_by_label("Email address").fill("member@example.org")
    web.page.get_by_label("Password").fill("not the password")
    web.page.get_by_role("button", name="Sign in").click()
    web.check()
    assert "Enter a correct email address and password" in web.page.inner_text(".govuk-error-summary")


def test_sro_needs_a_security_code(web, demo):
    web.page.goto(web.base_url + "/account/sign-in/?next=/partnerships/greater-manchester/")
    web.page.get_by_label("Email address").fill("sro@example.org")
    web.page.get_by_label("Password").fill(DEMO_PASSWORD)
    web.page.get_by_role("button", name="Sign in").click()
    assert "/account/two-factor/" in web.page.url
    web.check()
    # Before the second factor, partnership pages send the SRO back to the code page.
    web.page.goto(web.base_url + "/partnerships/greater-manchester/")
    assert "/account/two-factor/" in web.page.url
    web.page.get_by_label("Security code").fill("000000" if totp_code(DEMO_TOTP_SECRET) != "000000"
                                                else "111111")
    web.page.get_by_role("button", name="Continue").click()
    web.check()
    assert "The security code is not right" in web.page.inner_text(".govuk-error-summary")
    web.page.wait_for_timeout(1500)  # django-otp locks the app for a second after a wrong code
    web.page.get_by_label("Security code").fill(totp_code(DEMO_TOTP_SECRET))
    web.page.get_by_role("button", name="Continue").click()
    web.check()
    assert web.page.url.endswith("/partnerships/greater-manchester/")
    assert AuditEvent.objects.filter(kind="two_factor_verified", actor_email="sro@example.org").exists()


def test_central_admin_grants_a_role_and_sees_it_audited(web, demo):
    web.sign_in("central.admin@example.org", DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    web.check()
    nav = web.page.get_by_role("navigation", name="Menu")
    nav.get_by_role("link", name="Roles").click()
    web.check()
    web.page.get_by_role("button", name="Give role").click()  # empty form: errors
    web.check()
    assert web.page.locator(".govuk-error-summary").is_visible()
    web.page.get_by_label("Email address of the person").fill("new.member@example.org")
    web.page.get_by_label("Full name").fill("Nia Roberts")
    web.page.get_by_label("Partnership member").check()
    web.page.get_by_label("Partnership", exact=True).select_option(
        label="Greater Manchester Combating Drugs Partnership")
    web.page.get_by_role("button", name="Give role").click()
    web.check()
    assert "Nia Roberts is now Partnership member" in web.page.inner_text(".govuk-notification-banner")
    assert Membership.objects.filter(user__email="new.member@example.org", role="member").exists()
    nav.get_by_role("link", name="Audit log").click()
    web.check()
    table = web.page.inner_text("table")
    assert "Role granted" in table and "new.member@example.org" in table
    with web.page.expect_download() as download:
        web.page.get_by_role("link", name="Download CSV").click()
    content = open(download.value.path(), encoding="utf-8-sig").read()
    assert content.splitlines()[0].startswith("Time,Event,Event code,Actor email")
    assert "Role granted,role_granted" in content
    assert AuditEvent.objects.filter(kind="export", actor_email="central.admin@example.org").exists()


def test_lead_without_an_app_sets_up_two_factor(web, demo):
    from cdphub.accounts.models import Role, User

    user = User.objects.create_user(email="new.lead@example.org", password=DEMO_PASSWORD,
                                    full_name="Ola Nowak")
    Membership.objects.create(user=user, role=Role.PARTNERSHIP_LEAD,
                              partnership_id=Membership.objects.get(
                                  user__email="lead@example.org").partnership_id)
    web.sign_in("new.lead@example.org", DEMO_PASSWORD)
    assert "/account/two-factor/set-up/" in web.page.url
    web.check()
    assert web.page.locator("figure svg").count() == 1  # the QR code
    secret = web.page.inner_text("#totp-secret").replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    web.page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    web.page.get_by_role("button", name="Continue").click()
    web.check()
    assert "Two-factor authentication is set up" in web.page.inner_text("main")
    assert web.page.locator("#backup-codes li").count() == 10
