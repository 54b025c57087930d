"""The progress report pages (reporting/views.py): the list of reports by year, starting one,
the report's page and its workflow, the narrative with its history, the data date, case
studies with consent, sign-off by the SRO (second factor), submission, publication and the
stored versions, served byte for byte. Attacker tests: another partnership's report or case
study through A's URLs is not found and nothing changes; a member of B cannot write to A."""

import datetime as dt
import hashlib

import pytest
from django.urls import reverse

from cdphub.reporting import actions
from cdphub.reporting.models import CaseStudy, Report, Submission
from tests.conftest import sign_in

TODAY = dt.date(2024, 5, 20)


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


def url(name, world, *args, slug=None):
    return reverse(f"partnerships:{name}", args=[slug or world.partnership_a.slug, *args])


def started(world, year=2023, partnership=None, by=None):
    return actions.start_report(partnership=partnership or world.partnership_a, year=year,
                                by=by or world.member_a)


def ready(world):
    report = started(world)
    actions.change_narrative(report=report, by=world.member_a, foreword="A good year.",
                             foreword_signatory="Alex Jones, SRO")
    return Report.objects.get(pk=report.pk)


def date_fields(name, day: dt.date) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


# --------------------------------------------------------------------------- the list and start


def test_the_list_shows_each_year_its_status_and_the_years_due_without_a_report(client, world):
    started(world, year=2023)
    sign_in(client, world.member_a)
    page = client.get(url("reports", world)).content.decode()
    assert "2023/24" in page and "Draft" in page
    # 2022/23 was due on 30 April 2023 and has no report
    assert 'data-testid="missing"' in page and "No report has been started for 2022/23" in page
    assert "Start a report" in page
    assert "30 April 2024" in page  # 2023/24's due date


def test_readers_who_are_not_members_are_not_offered_to_start_a_report(client, world):
    sign_in(client, world.adviser)
    page = client.get(url("reports", world)).content.decode()
    assert "Start a report" not in page


def test_a_member_starts_a_report_for_the_year_chosen(client, world):
    sign_in(client, world.member_a)
    form = client.get(url("report-start", world)).context["form"]
    assert form["year"].value() == 2023  # the last completed year, by default
    assert form["data_date"].value() == TODAY
    assert [value for value, _ in form.fields["year"].choices] == [2024, 2023, 2022]
    response = client.post(url("report-start", world),
                           {"year": "2022", **date_fields("data_date", dt.date(2024, 5, 1))})
    report = Report.objects.get(partnership=world.partnership_a)
    assert (report.year, report.data_date, report.created_by) == (2022, dt.date(2024, 5, 1),
                                                                   world.member_a)
    assert response.status_code == 302 and response.url == url("report", world, 2022)
    # the year that has a report is no longer offered
    assert 'value="2022"' not in client.get(url("report-start", world)).content.decode()


def test_starting_with_a_data_date_in_the_future_names_the_field_and_changes_nothing(
        client, world):
    sign_in(client, world.member_a)
    response = client.post(url("report-start", world),
                           {"year": "2023", **date_fields("data_date", TODAY + dt.timedelta(1))})
    assert response.status_code == 200
    assert "The data date cannot be in the future." in response.content.decode()
    assert response.context["form"].errors["data_date"]
    assert not Report.objects.exists()


# --------------------------------------------------------------------------- the report page


def test_a_draft_shows_its_workflow_problems_and_the_live_document(client, world):
    report = started(world)
    sign_in(client, world.member_a)
    page = client.get(url("report", world, report.year)).content.decode()
    assert 'data-testid="live"' in page and "Write the foreword." in page
    assert url("report-narrative", world, report.year, "foreword") in page
    assert url("report-case-study-add", world, report.year) in page
    assert url("report-sign-off", world, report.year) not in page  # not the SRO


def test_the_sro_is_offered_to_sign_off_a_report_with_no_problems(client, world):
    report = ready(world)
    sign_in(client, world.sro_a)
    page = client.get(url("report", world, report.year)).content.decode()
    assert url("report-sign-off", world, report.year) in page


def test_another_partnerships_report_year_is_not_found_through_a_url(client, world):
    started(world, year=2022, partnership=world.partnership_b, by=world.member_b)
    sign_in(client, world.member_a)
    assert client.get(url("report", world, 2022)).status_code == 404
    response = client.post(url("report-narrative", world, 2022, "foreword"),
                           {"text": "Hijacked"})
    assert response.status_code == 404
    assert Report.objects.get(partnership=world.partnership_b).foreword == ""


# --------------------------------------------------------------------------- the narrative


def test_writing_the_foreword_saves_it_and_shows_its_history(client, world):
    report = started(world)
    sign_in(client, world.member_a)
    target = url("report-narrative", world, report.year, "foreword")
    response = client.post(target, {"text": "First words.", "foreword_signatory": "Alex, SRO"})
    assert response.status_code == 302
    client.post(target, {"text": "Better words.", "foreword_signatory": "Alex, SRO"})
    report.refresh_from_db()
    assert (report.foreword, report.foreword_signatory) == ("Better words.", "Alex, SRO")
    page = client.get(target).content.decode()
    history = page.split('data-testid="history"')[1]
    assert history.index("Better words.") < history.index("First words.")
    assert "Written" in history and "Changed" in history


def test_an_empty_narrative_is_refused_on_its_field(client, world):
    report = started(world)
    sign_in(client, world.member_a)
    response = client.post(url("report-narrative", world, report.year, "vision"), {"text": ""})
    assert response.context["form"].errors["text"] == ["Enter the partnership's vision."]


def test_an_unknown_part_of_the_narrative_is_not_found(client, world):
    report = started(world)
    sign_in(client, world.member_a)
    assert client.get(url("report-narrative", world, report.year, "partnership")
                      ).status_code == 404


def test_a_member_of_another_partnership_cannot_write_to_a(client, world):
    report = started(world)
    sign_in(client, world.member_b)
    response = client.post(url("report-narrative", world, report.year, "foreword"),
                           {"text": "Not mine to write."})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.foreword == ""


def test_changing_a_signed_off_report_warns_that_it_needs_signing_off_again(client, world):
    report = ready(world)
    actions.sign_off(report=report, by=world.sro_a)
    sign_in(client, world.member_a)
    page = client.get(url("report-narrative", world, report.year, "vision")).content.decode()
    assert 'data-testid="reopen-warning"' in page and "sign it off again" in page
    client.post(url("report-narrative", world, report.year, "vision"), {"text": "Hope."})
    report.refresh_from_db()
    assert (report.status, report.signed_off_at) == ("draft", None)


# --------------------------------------------------------------------------- the data date


def test_the_data_date_is_changed_and_a_date_before_the_year_is_refused(client, world):
    report = started(world)
    sign_in(client, world.member_a)
    target = url("report-data-date", world, report.year)
    response = client.post(target, date_fields("data_date", dt.date(2023, 3, 1)))
    assert "on or after the start of the year" in " ".join(
        response.context["form"].errors["data_date"])
    report.refresh_from_db()
    assert report.data_date == TODAY
    client.post(target, date_fields("data_date", dt.date(2024, 4, 30)))
    report.refresh_from_db()
    assert report.data_date == dt.date(2024, 4, 30)


# --------------------------------------------------------------------------- case studies


CASE = {"title": "Sam's story", "text": "Sam found work.", "quotes_person": "on",
        "person_named_as": "Sam, 34", "consent_method": "written",
        **date_fields("consent_given_on", dt.date(2024, 5, 1)),
        "consent_note": "Signed form kept by the service."}


def test_a_case_study_with_consent_is_added_changed_and_removed(client, world):
    report = started(world)
    sign_in(client, world.member_a)
    assert client.post(url("report-case-study-add", world, report.year), CASE).status_code == 302
    case = CaseStudy.objects.get(report=report)
    assert (case.person_named_as, case.consent_given_on, case.consent_method,
            case.consent_recorded_by) == ("Sam, 34", dt.date(2024, 5, 1), "written",
                                          world.member_a)
    page = client.get(url("report", world, report.year)).content.decode()
    assert "consent given 1 May 2024" in page
    client.post(url("report-case-study-edit", world, report.year, case.pk),
                {**CASE, "title": "Sam's new start"})
    case.refresh_from_db()
    assert case.title == "Sam's new start"
    assert "Remove the case study" in client.get(
        url("report-case-study-remove", world, report.year, case.pk)).content.decode()
    assert CaseStudy.objects.filter(pk=case.pk).exists()  # GET only asks
    client.post(url("report-case-study-remove", world, report.year, case.pk))
    assert not CaseStudy.objects.filter(pk=case.pk).exists()


def test_a_person_quoted_without_a_name_is_refused_on_that_field(client, world):
    report = started(world)
    sign_in(client, world.member_a)
    response = client.post(url("report-case-study-add", world, report.year),
                           {**CASE, "person_named_as": ""})
    assert response.status_code == 200
    assert "Say how the person is named" in response.context["form"].errors[
        "person_named_as"][0]
    assert not CaseStudy.objects.exists()


def test_consent_given_in_the_future_is_refused_on_its_field(client, world):
    report = started(world)
    sign_in(client, world.member_a)
    response = client.post(url("report-case-study-add", world, report.year),
                           {**CASE, **date_fields("consent_given_on", TODAY + dt.timedelta(3))})
    assert response.context["form"].errors["consent_given_on"] == [
        "The date consent was given cannot be in the future."]
    assert not CaseStudy.objects.exists()


def test_another_partnerships_case_study_is_not_found_and_not_changed(client, world):
    report_a = started(world)
    report_b = started(world, partnership=world.partnership_b, by=world.member_b)
    theirs = actions.add_case_study(report=report_b, by=world.member_b, title="B's story",
                                    text="Their text.")
    sign_in(client, world.member_a)
    edit = url("report-case-study-edit", world, report_a.year, theirs.pk)
    remove = url("report-case-study-remove", world, report_a.year, theirs.pk)
    assert client.get(edit).status_code == 404
    assert client.post(edit, {**CASE, "title": "Hijacked"}).status_code == 404
    assert client.post(remove).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "B's story"


# --------------------------------------------------------------------------- the steps


def test_only_the_sro_signs_off_and_the_page_lists_the_problems_first(client, world):
    report = started(world)
    sign_in(client, world.member_a)
    assert client.post(url("report-sign-off", world, report.year)).status_code == 403
    sign_in(client, world.sro_a)
    page = client.get(url("report-sign-off", world, report.year)).content.decode()
    assert 'data-testid="problems"' in page and "Write the foreword." in page
    client.post(url("report-sign-off", world, report.year))
    report.refresh_from_db()
    assert report.status == "draft"


def test_the_sro_needs_the_second_factor_to_sign_off(client, world):
    report = ready(world)
    sign_in(client, world.sro_a, verified=False)
    response = client.post(url("report-sign-off", world, report.year))
    assert response.status_code in (302, 403)
    report.refresh_from_db()
    assert report.status == "draft"


def test_sign_off_submit_publish_and_the_stored_versions(client, world):
    report = ready(world)
    sign_in(client, world.sro_a)
    assert client.post(url("report-sign-off", world, report.year)).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.signed_off_by) == ("signed_off", world.sro_a)
    page = client.get(url("report-submit", world, report.year)).content.decode()
    assert "data-report-submit" in page and "report-submit.js" in page
    assert client.post(url("report-submit", world, report.year)).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    submission = Submission.objects.get(report=report, version=1)
    # what was submitted is what the report's page shows
    page = client.get(url("report", world, report.year)).content.decode()
    assert 'data-testid="frozen"' in page and "A good year." in page
    assert client.post(url("report-publish", world, report.year)).status_code == 302
    submission.refresh_from_db()
    assert submission.published_at is not None

    versions = client.get(url("report-versions", world, report.year)).content.decode()
    assert submission.html_sha256 in versions and submission.pdf_sha256 in versions

    html = client.get(url("report-version", world, report.year, 1))
    assert html.content == submission.html.encode("utf-8")
    assert html["ETag"] == f'"{submission.html_sha256}"'
    policy = html["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "script-src 'none'" in policy
    # the service's own pages do not allow inline styles
    assert "unsafe-inline" not in client.get(
        url("report", world, report.year))["Content-Security-Policy"]
    pdf = client.get(url("report-version-pdf", world, report.year, 1))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert hashlib.sha256(pdf.content).hexdigest() == submission.pdf_sha256
    assert ('filename="greater-manchester-progress-report-2023-24-v1.pdf"'
            in pdf["Content-Disposition"])

    # a later change starts version 2; version 1 is served exactly as before
    client.post(url("report-narrative", world, report.year, "foreword"),
                {"text": "A changed year.", "foreword_signatory": "Alex Jones, SRO"})
    report.refresh_from_db()
    assert (report.status, report.version) == ("draft", 2)
    again = client.get(url("report-version", world, report.year, 1))
    assert again.content == html.content
    assert hashlib.sha256(again.content).hexdigest() == submission.html_sha256
    assert client.get(url("report-version-pdf", world, report.year, 1)).content == pdf.content
    assert client.get(url("report-version", world, report.year, 2)).status_code == 404
    page = client.get(url("report", world, report.year)).content.decode()
    assert "A changed year." in page and 'data-testid="live"' in page


def test_a_member_cannot_submit_or_publish_and_a_draft_is_not_submitted(client, world):
    report = ready(world)
    sign_in(client, world.member_a)
    assert client.post(url("report-submit", world, report.year)).status_code == 403
    assert client.post(url("report-publish", world, report.year)).status_code == 403
    sign_in(client, world.sro_a)
    response = client.post(url("report-submit", world, report.year))
    assert "Only a report the SRO has signed off can be submitted." in response.content.decode()
    assert not Submission.objects.exists()


def test_another_partnerships_submission_is_not_served_through_a(client, world):
    report_b = started(world, partnership=world.partnership_b, by=world.member_b)
    actions.change_narrative(report=report_b, by=world.member_b, foreword="B's year.",
                             foreword_signatory="B's SRO")
    Report.objects.filter(pk=report_b.pk).update(status="signed_off",
                                                 signed_off_at=dt.datetime(2024, 5, 1,
                                                                           tzinfo=dt.UTC))
    actions.submit(report=report_b, by=world.member_b)
    sign_in(client, world.member_a)
    assert client.get(url("report-version", world, report_b.year, 1)).status_code == 404
    assert client.get(url("report-version-pdf", world, report_b.year, 1)).status_code == 404
