"""The return to central government (Appendix 1): its columns, one partnership's row, the
page, and the CSV and XLSX exports for one partnership and for the national register."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cdphub.accounts.models import AuditEvent
from cdphub.geography.models import Area
from cdphub.partnerships import actions, returns
from cdphub.partnerships.models import Organisation, Partnership, Person
from tests.conftest import sign_in

TODAY = "2024-05-01"
FOOTPRINT_FROM = dt.date(2022, 8, 1)


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.CDPHUB_TODAY = TODAY


def person(partnership: Partnership, name: str, *, email: str = "", job_title: str = "",
           organisation: str = "") -> Person:
    org = Organisation.objects.get_or_create(name=organisation)[0] if organisation else None
    return Person.objects.create(partnership=partnership, full_name=name, email=email,
                                 job_title=job_title, organisation=org)


def register_partnership(name: str = "Bolton and Bury Combating Drugs Partnership",
                         codes: tuple[str, ...] = ("E08000001", "E08000002")) -> Partnership:
    """A partnership with an SRO, a data lead (the other two leads vacant) and core members:
    two that agreed the proposal, one that did not and one whose role has ended."""
    partnership = actions.create_partnership(
        name=name, areas=Area.objects.filter(code__in=codes), valid_from=FOOTPRINT_FROM,
        rationale="The two boroughs share a police division and a treatment provider.")
    slug = partnership.slug

    def appoint(who: Person, position: str, **extra):
        return actions.appoint(partnership=partnership, person=who, position=position,
                               sector=extra.pop("sector", "local_authority_officials"),
                               start_date=FOOTPRINT_FROM, **extra)

    appoint(person(partnership, "Ann Lee", email=f"ann.lee@{slug}.example.org", job_title="Chief Executive",
                   organisation=f"{name} Council"), "sro", sro_role="la_chief_executive")
    appoint(person(partnership, "Dev Rao", email=f"dev.rao@{slug}.example.org", job_title="Analyst",
                   organisation=f"{name} Council"), "data_lead")
    appoint(person(partnership, "Zoe Park", email=f"zoe.park@{slug}.example.org",
                   organisation=f"{name} Police"), "core_member", sector="police",
            agreed_proposal=True)
    appoint(person(partnership, "Bea Cole", email=f"bea.cole@{slug}.example.org",
                   organisation=f"{name} NHS Trust"), "core_member", sector="nhs",
            agreed_proposal=True)
    appoint(person(partnership, "Not Agreed", email=f"no@{slug}.example.org"), "core_member", sector="nhs")
    ended = appoint(person(partnership, "Gone Away", email=f"gone@{slug}.example.org"), "core_member",
                    sector="nhs", agreed_proposal=True)
    actions.end_appointment(appointment=ended, end_date=dt.date(2023, 1, 31))
    return partnership


# --- the columns and one row --------------------------------------------------------------


def test_the_columns_are_exactly_the_fields_appendix_1_lists():
    assert returns.HEADER == (
        "partnership_name", "authority_codes", "authority_names", "footprint_rationale",
        "sro_name", "sro_job_title", "sro_organisation", "sro_email",
        "partnership_lead_name", "partnership_lead_job_title", "partnership_lead_organisation",
        "partnership_lead_email",
        "public_involvement_lead_name", "public_involvement_lead_job_title",
        "public_involvement_lead_organisation", "public_involvement_lead_email",
        "data_lead_name", "data_lead_job_title", "data_lead_organisation", "data_lead_email",
        "core_partners_agreed",
    )
    assert all(column.source for column in returns.COLUMNS)


def test_import_layout_adds_only_the_sros_role():
    assert set(returns.IMPORT_HEADER) - set(returns.HEADER) == {"sro_role"}


@pytest.mark.django_db
def test_a_partnerships_row_holds_each_field_with_vacant_roles_blank():
    partnership = register_partnership()

    row = returns.build_return(partnership).as_row()

    council = "Bolton and Bury Combating Drugs Partnership Council"
    mail = "bolton-and-bury.example.org"
    assert row == {
        "partnership_name": "Bolton and Bury Combating Drugs Partnership",
        "authority_codes": "E08000001;E08000002",
        "authority_names": "Bolton; Bury",
        "footprint_rationale": "The two boroughs share a police division and a treatment "
                               "provider.",
        "sro_name": "Ann Lee", "sro_job_title": "Chief Executive", "sro_organisation": council,
        "sro_email": f"ann.lee@{mail}",
        "partnership_lead_name": "", "partnership_lead_job_title": "",
        "partnership_lead_organisation": "", "partnership_lead_email": "",
        "public_involvement_lead_name": "", "public_involvement_lead_job_title": "",
        "public_involvement_lead_organisation": "", "public_involvement_lead_email": "",
        "data_lead_name": "Dev Rao", "data_lead_job_title": "Analyst",
        "data_lead_organisation": council, "data_lead_email": f"dev.rao@{mail}",
        "core_partners_agreed":
            f"Bea Cole | Bolton and Bury Combating Drugs Partnership NHS Trust | bea.cole@{mail}; "
            f"Zoe Park | Bolton and Bury Combating Drugs Partnership Police | zoe.park@{mail}",
    }
    assert list(row) == list(returns.HEADER)


@pytest.mark.django_db
def test_a_partnership_with_nobody_appointed_has_every_role_blank(world):
    row = returns.build_return(world.partnership_a).as_row()

    assert row["partnership_name"] == "Greater Manchester CDP"
    assert all(row[name] == "" for name in returns.HEADER if name != "partnership_name")


@pytest.mark.django_db
def test_rows_for_the_register_take_the_same_queries_however_many_partnerships():
    register_partnership("First CDP", ("E08000001",))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            returns.build_rows(Partnership.objects.all())
        return len(captured)

    one = queries()
    register_partnership("Second CDP", ("E08000002",))
    register_partnership("Third CDP", ("E08000003",))
    assert queries() == one


# --- the page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_return_page_shows_the_fields_and_the_vacancies(client, world):
    partnership = register_partnership()
    sign_in(client, world.central_analyst)

    response = client.get(reverse("partnerships:return", args=[partnership.slug]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="govuk-summary-list"' in page
    for text in ("Bolton (E08000001)", "Bury (E08000002)", "share a police division",
                 "Ann Lee", "Chief Executive", "ann.lee@bolton-and-bury.example.org",
                 "Dev Rao", "Zoe Park", "Bea Cole"):
        assert text in page
    assert "Not Agreed" not in page and "Gone Away" not in page
    assert page.count("govuk-tag--orange\">Vacant") == 2  # partnership and public involvement leads
    assert reverse("partnerships:return-csv", args=[partnership.slug]) in page
    assert reverse("partnerships:return-xlsx", args=[partnership.slug]) in page


@pytest.mark.django_db
def test_the_return_is_a_section_of_the_partnerships_pages(client, world):
    sign_in(client, world.member_a)

    response = client.get(reverse("partnerships:detail", args=[world.partnership_a.slug]))

    assert reverse("partnerships:return", args=[world.partnership_a.slug]) in \
        response.content.decode()


# --- the downloads ------------------------------------------------------------------------


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames) == returns.HEADINGS  # words (docs/downloads.md)
    return [dict(zip(returns.HEADER, row.values(), strict=True)) for row in reader]


def read_xlsx(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return workbook, list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.mark.django_db
def test_one_partnerships_csv_has_its_row(client, world):
    partnership = register_partnership()
    sign_in(client, world.central_admin)

    response = client.get(reverse("partnerships:return-csv", args=[partnership.slug]))

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert ".csv" in response["Content-Disposition"]
    assert read_csv(response.content) == [returns.build_return(partnership).as_row()]


@pytest.mark.django_db
def test_one_partnerships_xlsx_has_the_header_and_its_row(client, world):
    partnership = register_partnership()
    sign_in(client, world.central_admin)

    response = client.get(reverse("partnerships:return-xlsx", args=[partnership.slug]))

    _workbook, rows = read_xlsx(response.content)
    assert rows[0] == returns.HEADINGS
    assert len(rows) == 2
    assert rows[1][0] == partnership.name
    assert rows[1][returns.HEADER.index("sro_email")] == "ann.lee@bolton-and-bury.example.org"


@pytest.mark.django_db
def test_the_register_csv_has_one_row_per_partnership(client, world):
    register_partnership()
    sign_in(client, world.central_admin)

    response = client.get(reverse("partnerships:register-csv"))

    rows = read_csv(response.content)
    assert [row["partnership_name"] for row in rows] == list(
        Partnership.objects.order_by("name").values_list("name", flat=True))
    assert len(rows) == 3


@pytest.mark.django_db
def test_the_register_xlsx_has_a_bold_frozen_header_and_an_about_sheet(client, world):
    register_partnership()
    sign_in(client, world.central_analyst)

    response = client.get(reverse("partnerships:register-xlsx"))

    assert response["Content-Type"] == returns_xlsx_type()
    workbook, rows = read_xlsx(response.content)
    sheet = workbook.worksheets[0]
    assert rows[0] == returns.HEADINGS
    assert len(rows) == 1 + Partnership.objects.count()
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 12
    about = workbook["About"]
    text = [[cell for cell in row if cell is not None]
            for row in about.iter_rows(values_only=True)]
    assert ["Exported on", dt.datetime(2024, 5, 1)] in text
    sources = {row[0]: row[2] for row in text if len(row) == 3}
    assert set(returns.HEADINGS) <= set(sources)
    assert "core partners that have agreed the proposal" in sources["Core partners agreed"]


def returns_xlsx_type() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.django_db
def test_a_value_that_looks_like_a_formula_stays_text(client, world):
    partnership = actions.create_partnership(
        name="=HYPERLINK(\"http://example.com\")", areas=Area.objects.filter(code="E08000001"),
        valid_from=FOOTPRINT_FROM)
    rows = [returns.build_return(partnership).as_row()]

    assert read_csv(returns.to_csv(rows))[0]["partnership_name"].startswith("'=")
    workbook = load_workbook(io.BytesIO(returns.to_xlsx(rows)))
    cell = workbook.worksheets[0]["A2"]
    assert cell.data_type == "s" and cell.value == partnership.name


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", [
    ("partnerships:return-csv", ["bolton-and-bury"]),
    ("partnerships:return-xlsx", ["bolton-and-bury"]),
    ("partnerships:register-csv", []),
    ("partnerships:register-xlsx", []),
])
def test_every_export_is_audited(client, world, name, args):
    partnership = register_partnership()
    sign_in(client, world.central_admin)

    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert event.actor_email == world.central_admin.email
    assert "Appendix 1" in event.target
    if args:
        assert event.partnership_id == partnership.pk


@pytest.mark.django_db
def test_the_register_export_page_links_to_the_downloads(client, world):
    sign_in(client, world.central_analyst)

    page = client.get(reverse("partnerships:register-export")).content.decode()

    assert reverse("partnerships:register-csv") in page
    assert reverse("partnerships:register-xlsx") in page
    assert reverse("partnerships:register-import") not in page  # analysts do not import


@pytest.mark.django_db
def test_central_analysts_export_the_register_and_regional_advisers_may_not(client, world):
    sign_in(client, world.central_analyst)
    assert client.get(reverse("partnerships:register-csv")).status_code == 200
    sign_in(client, world.adviser)
    assert client.get(reverse("partnerships:register-csv")).status_code == 403
    assert not AuditEvent.objects.filter(actor_email=world.adviser.email,
                                         kind=AuditEvent.Kind.EXPORT).exists()


@pytest.mark.django_db
def test_a_member_of_another_partnership_cannot_download_its_return(client, world):
    sign_in(client, world.member_b)

    response = client.get(reverse("partnerships:return-csv", args=[world.partnership_a.slug]))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).exists()


@pytest.mark.django_db
def test_the_demo_datas_export_has_one_row_per_partnership(shared_demo):
    workbook, rows = read_xlsx(returns.to_xlsx(returns.build_rows(Partnership.objects.all())))
    names = [row[0] for row in rows[1:]]
    assert rows[0] == returns.HEADINGS
    assert len(names) == Partnership.objects.count() > 100
    assert len(set(names)) == len(names)
    manchester = dict(zip(returns.HEADER,
                          rows[1 + names.index("Greater Manchester Combating Drugs Partnership")],
                          strict=True))
    assert len(manchester["authority_codes"].split(";")) == 10
