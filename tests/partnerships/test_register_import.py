"""Bulk onboarding from a CSV in the shape of the return (Appendix 1): every bad row and
column reported, nothing written on any error, everything written otherwise; the same
through the web page and the ``cdphub register`` command."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cdphub.accounts.models import AuditEvent
from cdphub.geography.models import Area
from cdphub.partnerships import actions, returns
from cdphub.partnerships.models import (
    Appointment,
    Coverage,
    Organisation,
    Partnership,
    Person,
    Position,
)
from tests.conftest import sign_in
from tests.partnerships.test_returns import read_csv, read_xlsx

VALID_FROM = dt.date(2024, 4, 1)


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.CDPHUB_TODAY = "2024-05-01"


def good_row(**changes) -> dict[str, str]:
    row = {
        "partnership_name": "Bolton Combating Drugs Partnership",
        "authority_codes": "E08000001",
        "authority_names": "Bolton",
        "footprint_rationale": "Follows the borough boundary.",
        "sro_name": "Ann Lee", "sro_job_title": "Chief Executive",
        "sro_organisation": "Bolton Council", "sro_email": "ann.lee@example.org",
        "sro_role": "la_chief_executive",
        "partnership_lead_name": "Sam Cole", "partnership_lead_job_title": "Commissioner",
        "partnership_lead_organisation": "Bolton Council",
        "partnership_lead_email": "sam.cole@example.org",
        "core_partners_agreed": "Zoe Park | Greater Manchester Police | zoe.park@example.org; "
                                "Bea Cole | Bolton NHS Trust | bea.cole@example.org",
    }
    row.update(changes)
    return row


def second_row(**changes) -> dict[str, str]:
    return good_row(**{
        "partnership_name": "Bury Combating Drugs Partnership", "authority_codes": "E08000002",
        "authority_names": "Bury", "sro_name": "Raj Shah", "sro_email": "raj.shah@example.org",
        "sro_organisation": "Bury Council", "partnership_lead_name": "",
        "partnership_lead_job_title": "", "partnership_lead_organisation": "",
        "partnership_lead_email": "", **changes})


def csv_file(rows: list[dict[str, str]], header=returns.IMPORT_HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in header})
    return buffer.getvalue().encode("utf-8-sig")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Partnership, Coverage, Appointment, Person, Organisation)}


def rejected(data: bytes, **options) -> list[returns.RowError]:
    before = counts()
    with pytest.raises(returns.ImportRejected) as caught:
        returns.run_import(data, valid_from=options.get("valid_from", VALID_FROM))
    assert counts() == before, "nothing is written when any row is invalid"
    return caught.value.errors


def assert_reported(errors, row: int, column: str, *fragments: str) -> None:
    matching = [e for e in errors if e.row == row and e.column == column]
    assert matching, f"no error for row {row}, column {column}: {errors}"
    for fragment in fragments:
        assert any(fragment in e.message for e in matching), (fragment, matching)


# --- each kind of bad row -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("changes, column, fragments", [
    ({"partnership_name": ""}, "partnership_name", ["Enter the partnership's name"]),
    ({"authority_codes": ""}, "authority_codes", ["Enter the GSS code"]),
    ({"authority_codes": "E06999999"}, "authority_codes", ["'E06999999' is not the GSS code"]),
    ({"authority_codes": "E12000002"}, "authority_codes",
     ["North West (E12000002) is a region, not an English upper-tier local authority"]),
    ({"authority_codes": "E10000006"}, "authority_codes",
     ["Cumbria (E10000006) is not an upper-tier local authority on 1 April 2024",
      "Cumberland (E06000063)"]),
    ({"authority_codes": "E08000001;E08000001"}, "authority_codes",
     ["Bolton (E08000001) is also listed earlier in this row"]),
    ({"sro_email": "ann.lee-at-example.org"}, "sro_email", ["correct format"]),
    ({"sro_name": "", "sro_job_title": "", "sro_organisation": "", "sro_email": "",
      "sro_role": ""}, "sro_name", ["senior responsible owner"]),
    ({"sro_job_title": ""}, "sro_job_title", ["Enter the SRO's job title"]),
    ({"sro_role": ""}, "sro_role", ["Enter the role the SRO holds", "la_chief_executive"]),
    ({"sro_role": "mayor"}, "sro_role", ["'mayor' is not one of the roles"]),
    ({"sro_role": "other"}, "sro_role", ["exception"]),
    ({"partnership_lead_email": ""}, "partnership_lead_email",
     ["Enter the partnership lead's email address", "leave all four"]),
    ({"partnership_lead_email": "sam@"}, "partnership_lead_email", ["correct format"]),
    ({"core_partners_agreed": "Zoe Park, Greater Manchester Police"}, "core_partners_agreed",
     ["Core partner 1", "Name | Organisation | email"]),
    ({"core_partners_agreed": "Zoe Park | GMP | zoe.park"}, "core_partners_agreed",
     ["correct format"]),
    ({"partnership_name": "x" * 201}, "partnership_name", ["200 characters"]),
])
def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_imported(changes, column,
                                                                         fragments):
    errors = rejected(csv_file([second_row(), good_row(**changes)]))

    assert_reported(errors, 3, column, *fragments)
    assert {e.row for e in errors} == {3}, "the good row is not reported"


@pytest.mark.django_db
def test_a_partnership_name_used_twice_in_the_file(world):
    errors = rejected(csv_file([good_row(), second_row(partnership_name=good_row()[
        "partnership_name"].upper())]))

    assert_reported(errors, 3, "partnership_name", "Row 2 has the same name")


@pytest.mark.django_db
def test_a_partnership_already_registered(world):
    errors = rejected(csv_file([good_row(partnership_name=world.partnership_a.name)]))

    assert_reported(errors, 2, "partnership_name", "There is already a partnership called")


@pytest.mark.django_db
def test_an_authority_covered_by_a_registered_partnership_names_it():
    actions.create_partnership(name="Existing CDP", areas=Area.objects.filter(code="E08000001"),
                               valid_from=dt.date(2022, 8, 1))

    errors = rejected(csv_file([good_row()]))

    assert_reported(errors, 2, "authority_codes",
                    "Bolton (E08000001) is already covered by Existing CDP")


@pytest.mark.django_db
def test_an_authority_listed_in_two_rows():
    errors = rejected(csv_file([good_row(), second_row(authority_codes="E08000002;E08000001")]))

    assert_reported(errors, 3, "authority_codes", "Bolton (E08000001) is also listed in row 2")


@pytest.mark.django_db
def test_unknown_and_missing_columns_are_reported_on_the_header_row():
    header = [name for name in returns.IMPORT_HEADER if name != "footprint_rationale"]
    errors = rejected(csv_file([good_row()], header=[*header, "notes"]))

    assert_reported(errors, 1, "notes", "'notes' is not a column of the return")
    assert_reported(errors, 1, "footprint_rationale", "Add a column headed 'Footprint rationale'")
    assert {e.row for e in errors} == {1}


@pytest.mark.django_db
def test_a_file_without_the_sro_role_column_says_which_roles_to_use():
    errors = rejected(csv_file([good_row(partnership_name="")], header=returns.HEADER))

    assert_reported(errors, 1, "sro_role", "Add a column headed 'SRO role'", "pcc (Police and "
                    "crime commissioner)")
    assert_reported(errors, 2, "partnership_name")  # the rows are still checked


@pytest.mark.django_db
@pytest.mark.parametrize("data, fragment", [
    (b"", "The file is empty"),
    ("partnership_name\n".encode("utf-16"), "not UTF-8"),
    (csv_file([]), "no partnerships"),
])
def test_a_file_that_is_not_a_return(data, fragment):
    errors = rejected(data)

    assert any(fragment in e.message for e in errors), errors


@pytest.mark.django_db
def test_rows_count_as_a_spreadsheet_counts_them():
    """Header row 1; a blank line still takes a row number; a cell with a line break in it is
    one row."""
    data = csv_file([good_row(footprint_rationale="Line one\nline two")]) + b"\r\n" + \
        csv_file([second_row(sro_email="bad")]).split(b"\r\n", 1)[1]

    errors = rejected(data)

    assert_reported(errors, 4, "sro_email")


# --- later rows, and rules met only when writing ------------------------------------------


@pytest.mark.django_db
def test_a_bad_later_row_stops_the_whole_import():
    errors = rejected(csv_file([good_row(), second_row(), second_row(
        partnership_name="Bad CDP", authority_codes="E08000003", sro_email="nope")]))

    assert_reported(errors, 4, "sro_email")
    assert not Partnership.objects.exists()


@pytest.mark.django_db
def test_a_rule_broken_while_writing_undoes_every_row_and_names_the_row():
    """Someone registers Bury between the check and the import: the first row's records are
    rolled back too, and the problem is reported against the second row."""
    report = returns.read_import(csv_file([good_row(), second_row()]), valid_from=VALID_FROM)
    assert report.is_valid
    actions.create_partnership(name="Bury Meanwhile CDP", areas=Area.objects.filter(
        code="E08000002"), valid_from=dt.date(2022, 8, 1))
    before = counts()

    with pytest.raises(returns.ImportRejected) as caught:
        returns.import_rows(report.rows, valid_from=VALID_FROM)

    assert_reported(caught.value.errors, 3, "authority_codes", "Bury Meanwhile CDP")
    assert counts() == before
    assert not Partnership.objects.filter(name__startswith="Bolton").exists()


# --- a good file --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_valid_file_imports_everything():
    third = good_row(partnership_name="Bury and Rochdale CDP", authority_codes="E08000005",
                     authority_names="Rochdale", sro_name="Ann Lee", sro_email="ann.lee@example.org",
                     partnership_lead_name="", partnership_lead_job_title="",
                     partnership_lead_organisation="", partnership_lead_email="",
                     core_partners_agreed="")

    created = returns.run_import(csv_file([good_row(), second_row(), third]),
                                 valid_from=VALID_FROM)

    assert [p.name for p in created] == ["Bolton Combating Drugs Partnership",
                                         "Bury Combating Drugs Partnership",
                                         "Bury and Rochdale CDP"]
    bolton = created[0]
    assert [c.area.code for c in bolton.coverages.all()] == ["E08000001"]
    assert bolton.coverages.get().valid_from == VALID_FROM
    assert bolton.footprint_rationale == "Follows the borough boundary."
    assert bolton.region.code == "E12000002"
    sro = bolton.appointments.get(position=Position.SRO)
    assert (sro.person.full_name, sro.person.job_title, sro.person.organisation.name,
            sro.person.email, sro.sro_role, sro.start_date) == (
        "Ann Lee", "Chief Executive", "Bolton Council", "ann.lee@example.org",
        "la_chief_executive", VALID_FROM)
    assert bolton.appointments.get(position=Position.PARTNERSHIP_LEAD).person.full_name == \
        "Sam Cole"
    agreed = bolton.appointments.filter(position=Position.CORE_MEMBER, agreed_proposal=True)
    assert sorted(a.person.full_name for a in agreed) == ["Bea Cole", "Zoe Park"]
    # People belong to their partnership: Ann Lee is SRO of two partnerships, with a record
    # in each (so neither partnership can change the other's).
    ann = Person.objects.filter(email="ann.lee@example.org")
    assert sorted(ann.values_list("partnership__name", flat=True)) == [
        "Bolton Combating Drugs Partnership", "Bury and Rochdale CDP"]
    assert Organisation.objects.filter(name="Bolton Council").count() == 1
    row = returns.build_return(bolton).as_row()
    assert row["sro_name"] == "Ann Lee"
    assert row["public_involvement_lead_name"] == ""


@pytest.mark.django_db
def test_the_footprint_starts_today_by_default():
    created = returns.run_import(csv_file([good_row()]))

    assert created[0].coverages.get().valid_from == dt.date(2024, 5, 1)


@pytest.mark.django_db
def test_export_then_import_into_an_empty_register_reproduces_the_export():
    returns.run_import(csv_file([good_row(), second_row(
        footprint_rationale='Commas, "quotes"; and semicolons', sro_name="=Not A Formula")]))
    exported = returns.to_csv(returns.build_rows(Partnership.objects.all()))
    sro_roles = {p.name: p.appointments.get(position=Position.SRO).sro_role
                 for p in Partnership.objects.all()}
    for model in (Appointment, Coverage, Partnership, Person, Organisation):
        model.objects.all().delete()

    # The return does not say which role the SRO holds; the import needs it.
    rows = read_csv(exported)
    for row in rows:
        row["sro_role"] = sro_roles[row["partnership_name"]]
    returns.run_import(returns.to_csv(rows, returns.IMPORT_HEADER))

    assert returns.to_csv(returns.build_rows(Partnership.objects.all())) == exported


@pytest.mark.django_db
def test_the_template_has_the_import_header_and_one_example_that_imports():
    rows = list(csv.reader(io.StringIO(returns.template_csv().decode("utf-8-sig"))))

    assert tuple(rows[0]) == returns.IMPORT_HEADINGS  # headings in words
    assert len(rows) == 2
    assert [p.name for p in returns.run_import(returns.template_csv())] == [
        "Example Combating Drugs Partnership"]


# --- the web page -------------------------------------------------------------------------


def upload(client, data: bytes, name: str = "partnerships.csv", **fields):
    return client.post(reverse("partnerships:register-import"),
                       {"file": SimpleUploadedFile(name, data, content_type="text/csv"),
                        **fields})


@pytest.mark.django_db
def test_the_import_page_shows_the_report_and_imports_nothing(client, world):
    sign_in(client, world.central_admin)
    before = counts()

    response = upload(client, csv_file([good_row(), second_row(sro_email="bad")]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "The file has 1 problem. Nothing was imported" in page
    assert "1 problem in partnerships.csv" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in page
    assert '<td class="govuk-table__cell">SRO email address</td>' in page  # in words
    assert counts() == before


@pytest.mark.django_db
def test_the_import_page_lists_the_partnerships_created(client, world):
    sign_in(client, world.central_admin)

    response = upload(client, csv_file([good_row(), second_row()]),
                      **{"valid_from_0": "1", "valid_from_1": "4", "valid_from_2": "2024"})

    page = response.content.decode()
    assert "govuk-panel--confirmation" in page
    assert "Bolton Combating Drugs Partnership" in page
    assert "Bury Combating Drugs Partnership" in page
    bolton = Partnership.objects.get(name="Bolton Combating Drugs Partnership")
    assert reverse("partnerships:return", args=[bolton.slug]) in page
    assert bolton.coverages.get().valid_from == VALID_FROM


@pytest.mark.django_db
@pytest.mark.parametrize("name, data, message", [
    ("partnerships.xlsx", b"PK\x03\x04", "The selected file must be a CSV"),
    ("partnerships.csv", b"x" * (5 * 1024 * 1024 + 1), "smaller than 5MB"),
])
def test_the_import_page_refuses_other_files(client, world, name, data, message):
    sign_in(client, world.central_admin)

    response = upload(client, data, name)

    assert message in response.content.decode()
    assert Partnership.objects.count() == 2


@pytest.mark.django_db
def test_the_template_download(client, world):
    sign_in(client, world.central_admin)

    response = client.get(reverse("partnerships:register-template"))

    assert response["Content-Type"].startswith("text/csv")
    assert response.content == returns.template_csv()


# --- the command line ---------------------------------------------------------------------


@pytest.mark.django_db
def test_cli_import_of_a_bad_file_prints_the_report_and_fails(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file([good_row(), second_row(authority_codes="E06999999")]))
    out = io.StringIO()

    with pytest.raises(CommandError, match="bad.csv has 1 problem: nothing was imported"):
        call_command("register", "import", str(path), stdout=out)

    report = out.getvalue()
    assert "Problems in bad.csv" in report
    assert "authority_codes" in report and "E06999999" in report
    assert not Partnership.objects.exists()


@pytest.mark.django_db
def test_cli_import_of_a_good_file(tmp_path):
    path = tmp_path / "good.csv"
    path.write_bytes(csv_file([good_row(), second_row()]))
    out = io.StringIO()

    call_command("register", "import", str(path), "--valid-from", "2024-04-01", stdout=out)

    assert "Imported 2 partnerships" in out.getvalue()
    assert "Bury Combating Drugs Partnership" in out.getvalue()
    assert Coverage.objects.filter(valid_from=VALID_FROM).count() == 2


def test_cli_refuses_a_malformed_date(tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("register", "import", str(tmp_path / "x.csv"), "--valid-from", "1/4/2024")


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_cli_export_writes_one_row_per_partnership(world, tmp_path, file_format):
    returns.run_import(csv_file([good_row()]))
    path = tmp_path / f"register.{file_format}"

    call_command("register", "export", "--format", file_format, "--output", str(path),
                 stdout=io.StringIO())

    rows = read_csv(path.read_bytes()) if file_format == "csv" else read_xlsx(
        path.read_bytes())[1][1:]
    assert len(rows) == Partnership.objects.count() == 3
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert event.detail["via"] == "command line"
    assert event.detail["partnerships"] == 3
