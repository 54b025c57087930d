"""Who may use the progress report pages (tests/core/test_url_permissions.py).

Everyone who may read partnership A reads its reports and their submitted versions; its
members write them; only its SRO signs one off (with the second factor: the walk's
``without_second_factor`` sends the SRO to give it first); its SRO and leads submit and
publish; central users and regional advisers see every partnership's reports."""

from tests.url_expectations import (
    LEADS_A,
    MEMBERS_A,
    NATIONAL,
    READ_PARTNERSHIP_A,
    only,
    partnership_a,
)

SLUG = {"slug": partnership_a}
MEMBERS_OF_A = only(*MEMBERS_A)
LEADS_OF_A = only(*LEADS_A)
SRO_OF_A = only("sro_a")


def a_report(world):
    """Partnership A's draft report on 2023/24 (made once)."""
    import datetime as dt

    from cdphub.reporting.models import Report

    report, _ = Report.objects.get_or_create(partnership=world.partnership_a, year=2023,
                                             defaults={"data_date": dt.date(2024, 5, 1)})
    return report


def a_report_year(world):
    return a_report(world).year


def a_case_study(world):
    from cdphub.reporting.models import CaseStudy

    case, _ = CaseStudy.objects.get_or_create(report=a_report(world), title="Sam's story",
                                              defaults={"text": "Sam found work."})
    return case.pk


def a_submitted_version(world):
    """A stored submission of A's report (its files are stand-ins: the walk only reads)."""
    from django.utils import timezone

    from cdphub.reporting import build
    from cdphub.reporting.models import Submission

    report = a_report(world)
    submission = report.submissions.filter(version=1).first()
    if submission is None:
        now = timezone.now()
        submission = Submission.objects.create(
            report=report, version=1, data_date=report.data_date, signed_off_at=now,
            submitted_at=now, snapshot=build.build(report), html="<!doctype html><title>Report</title>",
            pdf=b"%PDF-1.7 stand-in")
    return submission.version


YEAR = {**SLUG, "year": a_report_year}
CASE = {**YEAR, "pk": a_case_study}
VERSION = {**YEAR, "version": a_submitted_version}

EXPECTED = {
    "partnerships:reports": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:report-start": (SLUG, MEMBERS_OF_A),
    "partnerships:report": (YEAR, READ_PARTNERSHIP_A),
    "partnerships:report-narrative": ({**YEAR, "part": "foreword"}, MEMBERS_OF_A),
    "partnerships:report-data-date": (YEAR, MEMBERS_OF_A),
    "partnerships:report-case-study-add": (YEAR, MEMBERS_OF_A),
    "partnerships:report-case-study-edit": (CASE, MEMBERS_OF_A),
    "partnerships:report-case-study-remove": (CASE, MEMBERS_OF_A),
    "partnerships:report-sign-off": (YEAR, SRO_OF_A),
    "partnerships:report-submit": (YEAR, LEADS_OF_A),
    "partnerships:report-publish": (YEAR, LEADS_OF_A),
    "partnerships:report-versions": (YEAR, READ_PARTNERSHIP_A),
    "partnerships:report-version": (VERSION, READ_PARTNERSHIP_A),
    "partnerships:report-version-pdf": (VERSION, READ_PARTNERSHIP_A),
    "partnerships:national-reports": ({}, NATIONAL),
    "partnerships:national-reports-download": ({"fmt": "csv"}, NATIONAL),
}
