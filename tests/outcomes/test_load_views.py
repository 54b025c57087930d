"""The data-load pages: upload, progress and report, permissions, withdrawal; metric pages."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cdphub.accounts.models import AuditEvent, Membership, Role
from cdphub.outcomes.models import DataLoad, Observation
from tests.conftest import sign_in
from tests.outcomes.loading_helpers import (
    FINGERTIPS_93517,
    catalogue,
    cover,
    csv_bytes,
    load_bytes,
    local_metric,
    sha256,
    stand_in_metric,
)

pytestmark = pytest.mark.django_db

FY19 = "2019-04-01,2020-03-31"
GOOD = csv_bytes(f"continuity_of_care,E06000001,{FY19},,40,100",
                 f"continuity_of_care,E06000002,{FY19},Female,30,100")
BAD = csv_bytes(f"continuity_of_care,E06000001,{FY19},,40,100",
                f"continuity_of_care,E06000002,{FY19},,300,100")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def metrics(db):
    return catalogue()


def upload(client, data: bytes, name="figures.csv", **fields):
    return client.post(reverse("outcomes:load-new"), {
        "file": SimpleUploadedFile(name, data, content_type="text/csv"),
        "format": "long", "partnership": "", **fields})


def test_central_uploads_a_file_and_sees_it_loaded(client, world, metrics):
    sign_in(client, world.central_analyst)
    page = client.get(reverse("outcomes:load-new"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html and "govuk-radios" in html
    assert "National data (no partnership)" in html
    response = upload(client, GOOD, is_synthetic="on")
    load = DataLoad.objects.get()
    assert response.status_code == 302 and response["Location"] == load.get_absolute_url()
    # The test settings run tasks at once, so the load has finished by now.
    assert load.status == DataLoad.Status.COMPLETE
    assert (load.loaded_by, load.partnership, load.is_synthetic) == (world.central_analyst,
                                                                     None, True)
    assert load.checksum == sha256(GOOD) and load.observations_stored == 2
    html = client.get(load.get_absolute_url()).content.decode()
    assert "Loaded" in html and "govuk-tag--green" in html and sha256(GOOD) in html
    assert "2 figures stored" in html and "Synthetic data" in html
    assert "load-progress.js" not in html and "data-refresh-seconds" not in html
    listing = client.get(reverse("outcomes:loads")).content.decode()
    assert "figures.csv" in listing and "Synthetic" in listing


def test_a_bad_upload_shows_the_problems_and_stores_nothing(client, world, metrics):
    sign_in(client, world.central_admin)
    response = upload(client, BAD)
    load = DataLoad.objects.get()
    assert load.status == DataLoad.Status.FAILED
    assert Observation.objects.count() == 0
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Not loaded: the file has errors" in html and "govuk-tag--red" in html
    assert re.search(r">3</td><td class=\"govuk-table__cell\"><code>numerator</code>", html)
    assert "(300) is greater than the denominator (100)" in html
    report = client.get(reverse("outcomes:load-report", args=[load.pk]))
    assert report["Content-Type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Kind,Row,Column,Problem" and lines[1].startswith("Error,3,numerator,")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT,
                                     target=f"Validation report of load {load.pk}").exists()


def test_a_fingertips_upload_needs_a_metric(client, world, metrics):
    sign_in(client, world.central_admin)
    response = upload(client, FINGERTIPS_93517.read_bytes(), format="fingertips")
    assert response.status_code == 200
    assert "Choose the metric this Fingertips export is for." in response.content.decode()
    assert not DataLoad.objects.exists()
    metric = stand_in_metric()
    response = upload(client, FINGERTIPS_93517.read_bytes(), format="fingertips",
                      metric=metric.pk)
    load = DataLoad.objects.get()
    assert load.status == DataLoad.Status.COMPLETE and load.observations_stored == 13


def test_upload_refuses_other_files_and_files_over_the_limit(client, world, metrics,
                                                             monkeypatch):
    sign_in(client, world.central_admin)
    response = upload(client, b"%PDF", name="figures.pdf")
    assert "must be a CSV or an Excel workbook" in response.content.decode()
    monkeypatch.setattr("cdphub.outcomes.forms.MAX_LOAD_BYTES", 10)
    response = upload(client, GOOD)
    assert "must be smaller than 100MB" in response.content.decode()
    assert not DataLoad.objects.exists()


def test_a_lead_loads_only_their_own_partnerships_local_metrics(client, world, metrics):
    local_metric(world.partnership_a, key="naloxone_kits", method="count")
    cover(world.partnership_a, "E06000001", "E06000002")
    sign_in(client, world.sro_a)
    page = client.get(reverse("outcomes:load-new")).content.decode()
    assert "Greater Manchester CDP" in page and "Berkshire West CDP" not in page
    assert "National data" not in page
    refused = upload(client, GOOD, partnership=world.partnership_b.slug)
    assert "Choose one of your partnerships." in refused.content.decode()
    national = upload(client, GOOD, partnership="")
    assert "Choose the partnership the data is for." in national.content.decode()
    assert not DataLoad.objects.exists()
    upload(client, csv_bytes(f"naloxone_kits,E06000001,{FY19},,12,"),
           partnership=world.partnership_a.slug)
    load = DataLoad.objects.get()
    assert (load.partnership, load.status) == (world.partnership_a, DataLoad.Status.COMPLETE)
    # A national metric in a partnership's file is refused, row by row.
    upload(client, GOOD, partnership=world.partnership_a.slug)
    refused = DataLoad.objects.latest("pk")
    assert refused.status == DataLoad.Status.FAILED
    assert [(e["row"], e["column"]) for e in refused.errors] == [(2, "metric"), (3, "metric")]


def test_who_sees_which_loads(client, world, metrics):
    national = load_bytes(GOOD, name="national.csv")
    local_metric(world.partnership_a, key="kits_a", method="count")
    local_metric(world.partnership_b, key="kits_b", method="count")
    of_a = load_bytes(csv_bytes(f"kits_a,E06000001,{FY19},,1,"), name="a-only.csv",
                      partnership=world.partnership_a)
    of_b = load_bytes(csv_bytes(f"kits_b,E06000001,{FY19},,1,"), name="b-only.csv",
                      partnership=world.partnership_b)
    expected = {
        world.member_a: {"national.csv", "a-only.csv"},
        world.member_b: {"national.csv", "b-only.csv"},
        world.adviser: {"national.csv", "a-only.csv"},  # North West: partnership A's region
        world.central_analyst: {"national.csv", "a-only.csv", "b-only.csv"},
    }
    for user, names in expected.items():
        sign_in(client, user)
        html = client.get(reverse("outcomes:loads")).content.decode()
        shown = {n for n in ("national.csv", "a-only.csv", "b-only.csv") if n in html}
        assert shown == names, user
        for load in (national, of_a, of_b):
            status = client.get(load.get_absolute_url()).status_code
            assert status == (200 if load.file_name in names else 403), (user, load)


def test_a_running_load_page_refreshes_itself_without_inline_script(client, world):
    load = DataLoad.objects.create(file_name="big.csv", checksum="a" * 64, format="records",
                                   status=DataLoad.Status.RUNNING, progress_done=42,
                                   progress_total=100, progress_message="Checking 1,000 rows")
    sign_in(client, world.member_a)
    html = client.get(load.get_absolute_url()).content.decode()
    assert 'data-refresh-seconds="2"' in html
    assert re.search(r'<progress id="load-progress"[^>]* max="100" value="42">', html)
    assert "Checking 1,000 rows" in html
    assert re.search(r'<script type="module" src="/static/cdphub/load-progress.js">', html)
    assert "<noscript>" in html and "Refresh the page" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"


def test_withdrawing_from_the_page(client, world, metrics):
    first = load_bytes(GOOD, name="first.csv")
    second = load_bytes(GOOD, name="second.csv")
    sign_in(client, world.central_admin)
    page = client.get(second.get_absolute_url()).content.decode()
    assert "Withdraw load" in page and "Figures this load replaced" in page
    assert "first.csv" in page
    assert "Replaced by later loads" in client.get(first.get_absolute_url()).content.decode()
    url = reverse("outcomes:load-withdraw", args=[second.pk])
    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 200
    assert "Enter why you are withdrawing this load." in missing.content.decode()
    assert "govuk-error-summary" in missing.content.decode()
    done = client.post(url, {"reason": "The extract was wrong"}, follow=True)
    assert "2 figures it had replaced are used again" in done.content.decode()
    second.refresh_from_db()
    assert second.status == DataLoad.Status.WITHDRAWN and second.withdrawn_by == world.central_admin
    assert set(Observation.objects.filter(is_current=True).values_list("load", flat=True)) == {
        first.pk}
    assert "Withdraw load" not in client.get(second.get_absolute_url()).content.decode()


def test_members_and_leads_cannot_withdraw(client, world, metrics):
    load = load_bytes(GOOD)
    Membership.objects.create(user=world.member_a, role=Role.DATA_LEAD,
                              partnership=world.partnership_a)
    for user in (world.member_a, world.sro_a, world.adviser):
        sign_in(client, user)
        assert "Withdraw load" not in client.get(load.get_absolute_url()).content.decode()
        response = client.post(reverse("outcomes:load-withdraw", args=[load.pk]),
                               {"reason": "no"})
        assert response.status_code == 403
    load.refresh_from_db()
    assert load.status == DataLoad.Status.COMPLETE


def test_navigation_links(client, world):
    html = client.get(reverse("core:home")).content.decode()
    assert ">Metrics<" in html and ">Data loads<" not in html
    sign_in(client, world.member_a)
    html = client.get(reverse("core:home")).content.decode()
    assert ">Metrics<" in html and ">Data loads<" in html
    sign_in(client, world.no_role)
    assert ">Data loads<" not in client.get(reverse("core:home")).content.decode()


def test_metric_catalogue_pages_are_public(client, metrics):
    html = client.get(reverse("outcomes:metrics")).content.decode()
    for label in ("Reducing drug use", "Reducing drug-related crime",
                  "Reducing drug-related deaths and harm", "Reducing drug supply",
                  "Increasing engagement in drug treatment", "Improving drug recovery outcomes"):
        assert label in html
    assert "Continuity of care" in html or "continuity" in html.lower()
    page = client.get(reverse("outcomes:metric", args=["drug_misuse_deaths"]))
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("Deaths related to drug misuse", "Reducing drug-related deaths and harm",
                 "Lower is better", "Upper-tier local authorities", "Sex", "drug_misuse_deaths"):
        assert text.lower() in html.lower(), text
    assert client.get(reverse("outcomes:metric", args=["no_such_metric"])).status_code == 404
