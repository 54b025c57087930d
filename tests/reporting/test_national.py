"""Every partnership's progress reports (reporting/views_national.py): statuses, first
submission dates and late flags by region and year, the counts, the year and region filters,
the regional adviser's restriction to their region, and the CSV/XLSX download."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cdphub.reporting.models import Report, Submission
from tests.conftest import sign_in

TODAY = dt.date(2024, 5, 20)  # 2022/23 and 2023/24 are due; 2024/25 is not


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


def submitted(partnership, year, on: dt.date, status="submitted"):
    report = Report.objects.create(partnership=partnership, year=year, status=status,
                                   data_date=dt.date(year + 1, 4, 1))
    at = timezone.make_aware(dt.datetime(on.year, on.month, on.day, 12))
    Submission.objects.create(report=report, version=1, data_date=report.data_date,
                              signed_off_at=at, submitted_at=at, snapshot={},
                              html="<p>report</p>", pdf=b"%PDF-")
    return report


@pytest.fixture
def reports(world):
    submitted(world.partnership_a, 2023, dt.date(2024, 4, 20))  # on time
    submitted(world.partnership_b, 2023, dt.date(2024, 5, 10))  # late
    Report.objects.create(partnership=world.partnership_b, year=2024, data_date=TODAY)  # draft
    return world


def rows(response):
    return {(row.partnership.slug, row.year.start_year): row for row in response.context["rows"]}


def test_central_users_see_every_partnership_by_year_with_late_flags(client, reports):
    world = reports
    sign_in(client, world.central_analyst)
    response = client.get(reverse("partnerships:national-reports"))
    found = rows(response)
    a, b = world.partnership_a.slug, world.partnership_b.slug
    assert {year for _, year in found} == {2022, 2023, 2024}
    assert (found[a, 2023].late, found[a, 2023].submitted_on) == (False, dt.date(2024, 4, 20))
    assert found[b, 2023].late and found[b, 2023].status == "Submitted to central government"
    assert found[a, 2022].late and found[a, 2022].status == "No report"  # due, none
    assert found[b, 2024].not_due_yet and not found[b, 2024].late
    totals = response.context["totals"]
    assert (totals.submitted, totals.late, totals.not_due_yet) == (2, 3, 2)
    page = re.sub(r"<[^>]+>", "", response.content.decode())
    assert "2 submitted, 3 late, 2 not due yet" in page
    groups = {g.region: (g.submitted, g.late) for g in response.context["groups"]}
    assert groups[world.partnership_a.region.name] == (1, 1)
    assert groups[world.partnership_b.region.name] == (1, 2)


def test_filtering_by_year_and_region(client, reports):
    world = reports
    sign_in(client, world.central_analyst)
    response = client.get(reverse("partnerships:national-reports"), {"year": "2023"})
    assert {year for _, year in rows(response)} == {2023}
    assert response.context["totals"].late == 1
    response = client.get(reverse("partnerships:national-reports"),
                          {"region": world.partnership_b.region.code})
    assert {slug for slug, _ in rows(response)} == {world.partnership_b.slug}


def test_a_regional_adviser_sees_only_their_regions_partnerships(client, reports):
    world = reports
    sign_in(client, world.adviser)
    response = client.get(reverse("partnerships:national-reports"))
    assert {slug for slug, _ in rows(response)} == {world.partnership_a.slug}
    assert world.partnership_b.name not in response.content.decode()
    # asking for another region shows nothing of it
    response = client.get(reverse("partnerships:national-reports"),
                          {"region": world.partnership_b.region.code})
    assert rows(response) == {}
    download = client.get(reverse("partnerships:national-reports-download", args=["csv"]))
    assert world.partnership_b.name not in download.content.decode("utf-8-sig")


def test_members_of_partnerships_cannot_see_it(client, reports):
    sign_in(client, reports.member_a)
    assert client.get(reverse("partnerships:national-reports")).status_code == 403


def test_the_download_has_a_row_per_partnership_and_year(client, reports):
    world = reports
    sign_in(client, world.central_analyst)
    response = client.get(reverse("partnerships:national-reports-download", args=["csv"]),
                          {"year": "2023"})
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = next(line for line in lines if "Partnership code" in line)
    data = [dict(zip(header, line, strict=False)) for line in lines[lines.index(header) + 1:]
            if line]
    by_slug = {row["Partnership code"]: row for row in data}
    assert set(by_slug) == {world.partnership_a.slug, world.partnership_b.slug}
    assert by_slug[world.partnership_a.slug]["Reporting year"] == "2023/24"
    assert by_slug[world.partnership_a.slug]["First submitted on"] == "2024-04-20"
    assert by_slug[world.partnership_b.slug]["Late"] != by_slug[world.partnership_a.slug]["Late"]
    xlsx = client.get(reverse("partnerships:national-reports-download", args=["xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content))
    values = [cell for row in book["Progress reports"].iter_rows(values_only=True)
              for cell in row]
    assert world.partnership_b.name in values and "2024/25" in values
    assert client.get(reverse("partnerships:national-reports-download",
                              args=["pdf"])).status_code == 404
