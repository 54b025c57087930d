"""Who may use the progress report pages (tests/core/test_url_permissions.py).

Everyone who may read partnership A reads its reports."""

from tests.url_expectations import READ_PARTNERSHIP_A, partnership_a

SLUG = {"slug": partnership_a}


def a_report_year(world):
    """Partnership A's draft report on 2023/24 (made once)."""
    import datetime as dt

    from cdphub.reporting.models import Report

    report, _ = Report.objects.get_or_create(partnership=world.partnership_a, year=2023,
                                             defaults={"data_date": dt.date(2024, 5, 1)})
    return report.year


YEAR = {**SLUG, "year": a_report_year}

EXPECTED = {
    "partnerships:reports": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:report": (YEAR, READ_PARTNERSHIP_A),
}
