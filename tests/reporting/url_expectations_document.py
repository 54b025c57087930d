"""Who may open a progress report as a document (HTML) and as a PDF
(tests/core/test_url_permissions.py): everyone who may read partnership A's reports."""

from tests.reporting.url_expectations_reports import YEAR
from tests.url_expectations import READ_PARTNERSHIP_A

EXPECTED = {
    "partnerships:report-document": (YEAR, READ_PARTNERSHIP_A),
    "partnerships:report-pdf": (YEAR, READ_PARTNERSHIP_A),
}
