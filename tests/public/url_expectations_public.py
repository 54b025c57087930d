"""The public pages: everyone, signed in or not, reaches every one of them."""

from tests.public import records
from tests.url_expectations import EVERYONE, partnership_a

SLUG = {"slug": partnership_a}


def a_published_terms_version(world):
    # Without a document (the walk's media folder is not the test's): the page redirects to
    # the partnership's public page; tests/public/test_public_pages.py serves a document.
    return records.terms(world.partnership_a, document=False).version


def a_published_report_year(world):
    return records.report(world.partnership_a).year


def _published_assessment(world):
    records.assessment(world.partnership_a)
    return world.partnership_a.slug


EXPECTED = {
    "public:index": ({}, EVERYONE),
    "public:index-download": ({"fmt": "csv"}, EVERYONE),
    "public:partnership": (SLUG, EVERYONE),
    "public:metrics-download": ({**SLUG, "fmt": "xlsx"}, EVERYONE),
    "public:terms-of-reference": ({**SLUG, "version": a_published_terms_version}, EVERYONE),
    "public:needs-assessment": ({"slug": _published_assessment}, EVERYONE),
    "public:report": ({**SLUG, "year": a_published_report_year}, EVERYONE),
    "public:report-pdf": ({**SLUG, "year": a_published_report_year}, EVERYONE),
}
