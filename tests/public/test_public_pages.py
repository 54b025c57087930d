"""The public pages: what anyone may read, and nothing else; search; the cache."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cdphub.core import public_cache
from cdphub.geography.models import Area
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import ComputedValue, Metric
from cdphub.partnerships import actions, governance
from cdphub.partnerships.actions import RegisterError
from cdphub.partnerships.models import Coverage, Organisation, Person, TermsOfReference
from cdphub.planning.models import Evidence, Finding, Plan, PlanAction, Priority
from tests.conftest import make_user, sign_in
from tests.partnerships.test_register_views import date_fields
from tests.public import records

MANCHESTER = "E08000003"
LANCASHIRE = "E10000017"
ENGLAND = "E92000001"
HIDDEN_VALUE = 987.6
SHOWN_VALUE = 432.1
LOCAL_NAME = "Naloxone kits handed out (local)"
SECRET = "Partnership-only evidence title"
PUBLISHABLE = "Publishable evidence title"


@pytest.fixture
def public(world, settings):
    settings.CDPHUB_TODAY = "2024-05-01"
    a = world.partnership_a
    Coverage.objects.create(partnership=a, area=Area.objects.get(code=MANCHESTER),
                            valid_from=dt.date(2022, 1, 1))
    Coverage.objects.create(partnership=world.partnership_b,
                            area=Area.objects.get(code=LANCASHIRE),
                            valid_from=dt.date(2022, 1, 1))
    return world


def get(client, name, **kwargs):
    return client.get(reverse(f"public:{name}", kwargs=kwargs))


def page(client, world):
    response = get(client, "partnership", slug=world.partnership_a.slug)
    assert response.status_code == 200
    return response.content.decode()


# --------------------------------------------------------------------------- search


def test_every_partnership_is_listed_with_its_region_and_authorities(client, public):
    html = get(client, "index").content.decode()
    assert "Greater Manchester CDP" in html and "Berkshire West CDP" in html
    assert "North West" in html and "Manchester" in html and "Lancashire" in html


@pytest.mark.parametrize("query", ["manch", "MANCHESTER", "E08000003", "greater"])
def test_search_finds_a_partnership_by_part_of_an_authority_name_or_its_code(client, public,
                                                                             query):
    html = client.get(reverse("public:index"), {"q": query}).content.decode()
    assert "Greater Manchester CDP" in html
    assert "Berkshire West CDP" not in html


def test_search_finds_a_partnership_by_a_district_within_its_county(client, public):
    district = Area.objects.filter(parent__code=LANCASHIRE, area_type="lad").first()
    assert district is not None
    html = client.get(reverse("public:index"), {"q": district.name[:5].lower()}).content.decode()
    assert "Berkshire West CDP" in html
    assert f"{district.name} (in Lancashire)" in html


def test_a_search_that_finds_nothing_says_so_and_how_to_try_again(client, public):
    html = client.get(reverse("public:index"), {"q": "Atlantis"}).content.decode()
    assert "No partnership covers a council, town or district matching" in html
    assert "Greater Manchester CDP" not in html


def test_the_list_downloads_with_the_search_applied(client, public):
    response = client.get(reverse("public:index-download", args=["csv"]), {"q": "manch"})
    text = response.content.decode("utf-8-sig")
    assert "Greater Manchester CDP" in text and "Berkshire West CDP" not in text
    assert get(client, "index-download", fmt="pdf").status_code == 404


# --------------------------------------------------------------------------- documents


def test_anonymous_visitors_reach_every_public_page(client, public):
    a = public.partnership_a
    terms = records.terms(a)
    records.report(a)
    records.assessment(a)
    for name, kwargs in [("index", {}), ("partnership", {"slug": a.slug}),
                         ("needs-assessment", {"slug": a.slug}),
                         ("report", {"slug": a.slug, "year": records.YEAR}),
                         ("report-pdf", {"slug": a.slug, "year": records.YEAR}),
                         ("terms-of-reference", {"slug": a.slug, "version": terms.version}),
                         ("metrics-download", {"slug": a.slug, "fmt": "csv"})]:
        assert get(client, name, **kwargs).status_code == 200, name


@pytest.mark.parametrize("status", ["draft", "signed_off", "submitted"])
def test_a_report_that_is_not_published_never_appears(client, public, status):
    a = public.partnership_a
    records.report(a, status=status, published=False)
    html = page(client, public)
    assert "No progress report has been published yet." in html
    assert reverse("public:report", args=[a.slug, records.YEAR]) not in html
    assert get(client, "report", slug=a.slug, year=records.YEAR).status_code == 404
    assert get(client, "report-pdf", slug=a.slug, year=records.YEAR).status_code == 404


def test_a_published_report_is_served_as_stored_with_its_styles_and_no_scripts(client, public):
    a = public.partnership_a
    records.report(a)
    assert reverse("public:report-pdf", args=[a.slug, records.YEAR]) in page(client, public)
    response = get(client, "report", slug=a.slug, year=records.YEAR)
    assert b"Published report text" in response.content
    csp = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp and "script-src 'none'" in csp
    pdf = get(client, "report-pdf", slug=a.slug, year=records.YEAR)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content == records.PDF
    submission = a.reports.get().published_submission()
    assert pdf["ETag"] == f'"{submission.pdf_sha256}"'
    # Other pages keep the strict policy.
    assert "unsafe-inline" not in get(client, "index")["Content-Security-Policy"]


def test_unpublished_terms_of_reference_never_appear(client, public):
    a = public.partnership_a
    terms = records.terms(a, published=False)
    html = page(client, public)
    assert "has not published its terms of reference" in html
    assert get(client, "terms-of-reference", slug=a.slug, version=terms.version
               ).status_code == 404
    governance.publish_terms(terms, by=public.sro_a)
    html = page(client, public)
    assert f"Version {terms.version}, agreed on 20 September 2022" in html
    response = get(client, "terms-of-reference", slug=a.slug, version=terms.version)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_only_an_agreed_version_can_be_published_and_publishing_is_in_the_history(public):
    a = public.partnership_a
    draft = records.terms(a, published=False, agreed=False)
    with pytest.raises(RegisterError, match="Only an agreed version"):
        governance.publish_terms(draft, by=public.sro_a)
    draft.refresh_from_db()
    assert draft.published_at is None
    agreed = records.terms(a, published=False)
    governance.publish_terms(agreed, by=public.sro_a)
    record = agreed.history.order_by("-history_date").first()
    assert record.published_at is not None and record.history_user == public.sro_a
    governance.unpublish_terms(agreed, by=public.sro_a)
    agreed.refresh_from_db()
    assert agreed.published_at is None


def test_the_publish_button_is_for_the_sro_and_leads_of_the_partnership_only(client, public):
    a, b = public.partnership_a, public.partnership_b
    terms = records.terms(a, published=False, document=False)
    url = reverse("partnerships:terms-publish", args=[a.slug, terms.version])
    sign_in(client, public.member_a)
    assert client.post(url).status_code == 403
    sign_in(client, public.sro_a)
    detail = client.get(reverse("partnerships:tor-detail", args=[a.slug, terms.version]))
    assert b"Publish on the public page" in detail.content
    # Partnership B's version through A's address: not found, and nothing changes.
    other = records.terms(b, published=False, document=False, version=7)
    assert client.post(reverse("partnerships:terms-publish", args=[a.slug, 7])).status_code == 404
    other.refresh_from_db()
    assert other.published_at is None
    assert client.post(url).status_code == 302
    assert TermsOfReference.objects.get(pk=terms.pk).published_at is not None


def test_an_unpublished_assessment_never_appears(client, public):
    a = public.partnership_a
    records.assessment(a, published=False, title="Secret needs assessment")
    html = page(client, public)
    assert "Secret needs assessment" not in html
    assert get(client, "needs-assessment", slug=a.slug).status_code == 404


def test_a_published_assessment_shows_findings_priorities_and_publishable_evidence_only(
        client, public):
    a = public.partnership_a
    assessment = records.assessment(a)
    finding = Finding.objects.create(assessment=assessment, section_key="drug_use",
                                     statement="Crack use is rising")
    Priority.objects.create(partnership=a, title="Reach crack users", finding=finding)
    for title, visibility in ((SECRET, "partnership"), (PUBLISHABLE, "publishable")):
        finding.evidence.add(Evidence.objects.create(
            partnership=a, title=title, evidence_type="jsna", dated=dt.date(2023, 1, 1),
            visibility=visibility))
    html = page(client, public)
    assert "Joint needs assessment 2023" in html and "signed off on 1 March 2023" in html
    assert "Crack use is rising" in html and "Reach crack users" in html
    detail = get(client, "needs-assessment", slug=a.slug).content.decode()
    assert PUBLISHABLE in detail
    assert SECRET not in detail and SECRET not in html
    assert Evidence.Visibility.PARTNERSHIP == "partnership"


def _plan(a, status, title):
    org = Organisation.objects.create(name=f"Org {title}")
    owner = Person.objects.create(partnership=a, full_name="Owner", organisation=org)
    plan = Plan.objects.create(partnership=a, title=title, status=status,
                               agreed_on=dt.date(2024, 4, 1) if status == "agreed" else None,
                               starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2027, 3, 31))
    priority = Priority.objects.create(partnership=a, title=f"Priority {title}")
    PlanAction.objects.create(plan=plan, priority=priority, title="Act", owner=owner,
                              commitments=["treatment_services"], lead_organisation=org,
                              starts_on=dt.date(2024, 4, 1), due_on=dt.date(2025, 3, 31),
                              status="on_track")
    return plan


def test_a_draft_plan_never_appears_an_agreed_one_is_summarised(client, public):
    a = public.partnership_a
    _plan(a, "draft", "Draft plan title")
    html = page(client, public)
    assert "Draft plan title" not in html and "No delivery plan has been agreed yet." in html
    _plan(a, "agreed", "Agreed plan title")
    html = page(client, public)
    assert "Agreed plan title" in html and "Draft plan title" not in html
    assert "cover 1 of the 15 local commitments" in html
    assert "1 action" in html


def test_an_email_address_shows_only_with_the_persons_agreement(client, public):
    a = public.partnership_a
    for name, email, agreed in (("Sam Sro", "sam@example.org", False),
                                ("Pat Lead", "pat@example.org", True)):
        person = actions.find_or_create_person(partnership=a, full_name=name, email=email,
                                               email_public=agreed)
        actions.appoint(partnership=a, person=person,
                        position="sro" if not agreed else "partnership_lead",
                        sector="local_authority_officials", start_date=dt.date(2022, 8, 1),
                        sro_role="la_chief_executive" if not agreed else "")
    html = page(client, public)
    assert "Sam Sro" in html and "Pat Lead" in html
    assert "sam@example.org" not in html
    assert "pat@example.org" in html


def test_the_person_form_records_the_agreement_to_show_the_email(client, public):
    a = public.partnership_a
    sign_in(client, public.member_a)
    form = client.get(reverse("partnerships:appoint", args=[a.slug])).content.decode()
    assert "Only with the person&#x27;s agreement" in form or "Only with the person's agreement" \
        in form
    response = client.post(reverse("partnerships:appoint", args=[a.slug]), {
        "full_name": "Kim Member", "email": "kim@example.org", "email_public": "on",
        "position": "core_member", "sector": "local_authority_officials",
        **date_fields("start_date", dt.date(2022, 8, 1))})
    assert response.status_code == 302
    person = Person.objects.filter(partnership=a, email="kim@example.org").first()
    assert person is not None and person.email_public


# --------------------------------------------------------------------------- figures


@pytest.fixture
def figures(public):
    sync_catalogue()
    a = public.partnership_a
    headline = Metric.objects.filter(kind="headline", partnership__isnull=True).order_by(
        "order").first()
    manchester = Area.objects.get(code=MANCHESTER)
    england = Area.objects.get(code=ENGLAND)
    period = {"period_start": dt.date(2023, 4, 1), "period_end": dt.date(2024, 3, 31),
              "period_label": "2023/24"}
    ComputedValue.objects.create(metric=headline, area=manchester, value=HIDDEN_VALUE,
                                 numerator=3.0, suppressed=True, **period)
    ComputedValue.objects.create(metric=headline, area=england, value=SHOWN_VALUE,
                                 numerator=1000.0, **period)
    local = Metric.objects.create(
        key="public-local", kind="local", partnership=a, outcome="reduce_deaths_harm",
        name=LOCAL_NAME, definition="d", source="s", unit="kits", geography="utla",
        frequency="quarterly", period_type="quarter", multiplier=1, method="count",
        polarity="high", order=10_000)
    ComputedValue.objects.create(metric=local, area=manchester, value=555.0, numerator=555.0,
                                 **period)
    ComputedValue.objects.create(metric=local, partnership=a, value=555.0, numerator=555.0,
                                 **period)
    return headline


def test_a_hidden_figure_shows_as_hidden_never_as_its_number(client, public, figures):
    html = page(client, public)
    assert figures.name in html
    assert "Hidden (small numbers)" in html
    assert "987" not in html
    assert "432.1" in html  # England's figure for the same period
    csv = get(client, "metrics-download", slug=public.partnership_a.slug, fmt="csv")
    assert b"987" not in csv.content


def test_a_local_metric_never_appears(client, public, figures):
    html = page(client, public)
    assert LOCAL_NAME not in html and "555" not in html
    csv = get(client, "metrics-download", slug=public.partnership_a.slug, fmt="csv")
    assert LOCAL_NAME.encode() not in csv.content


def test_the_partnerships_own_figure_of_a_national_metric_comes_first_another_never(
        client, public, figures):
    period = {"period_start": dt.date(2023, 4, 1), "period_end": dt.date(2024, 3, 31),
              "period_label": "2023/24"}
    ComputedValue.objects.create(metric=figures, partnership=public.partnership_a,
                                 value=246.8, numerator=2000.0, **period)
    ComputedValue.objects.create(metric=figures, partnership=public.partnership_b,
                                 value=864.2, numerator=3000.0, **period)
    html = page(client, public)
    assert "(the whole partnership)" in html
    body = html[html.index(figures.name):]
    # the partnership's own row before its council's (hidden) one, never another's figure
    assert body.index("246.8") < body.index("Hidden (small numbers)")
    assert "864.2" not in html
    csv = get(client, "metrics-download", slug=public.partnership_a.slug, fmt="csv")
    assert b"246.8" in csv.content and b"864.2" not in csv.content


# --------------------------------------------------------------------------- the cache


def test_public_pages_are_cached_for_everyone_and_marked_public(client, public):
    first = get(client, "index")
    assert first["Cache-Control"] == "public, max-age=60"
    assert "X-Public-Cache" not in first
    second = get(client, "index")
    assert second["X-Public-Cache"] == "hit" and second.content == first.content
    sign_in(client, public.central_admin)
    signed_in = get(client, "index")
    assert signed_in.content == first.content
    assert signed_in["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in signed_in


def test_publishing_makes_the_cached_page_stale_at_once(client, public):
    a = public.partnership_a
    terms = records.terms(a, published=False)
    assert "has not published its terms" in page(client, public)
    assert "has not published its terms" in page(client, public)  # from the cache
    governance.publish_terms(terms, by=public.sro_a)
    assert "has not published its terms" not in page(client, public)


def test_a_cached_page_expires_after_its_time_even_without_a_change(client, public, settings):
    settings.CDPHUB_PUBLIC_CACHE_SECONDS = 60
    get(client, "index")
    key = public_cache.page_key(reverse("public:index"), public_cache.version())
    assert cache.get(key) is not None
    # The entry was stored with the timeout: LocMem keeps its expiry beside the value.
    expiry = cache._expire_info[cache.make_and_validate_key(key)]
    assert 0 < expiry - timezone.now().timestamp() <= 60


def test_other_pages_are_not_cached_and_stay_private_when_signed_in(client, public):
    user = make_user("someone@example.org")
    sign_in(client, user)
    response = client.get(reverse("core:home"))
    assert "X-Public-Cache" not in response
    assert "private" in response["Cache-Control"]
