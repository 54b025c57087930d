"""The stand-in assessment pages (planning/urls_placeholder.py), walked only while the
assessment pages are not merged: delete with the stand-in."""

from cdphub.planning import urls_assessment
from tests.planning.url_expectations_signoff import SLUG, an_assessment
from tests.url_expectations import READ_PARTNERSHIP_A

EXPECTED = {} if urls_assessment.urlpatterns else {
    "partnerships:needs-assessment": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:needs-assessment-detail": ({**SLUG, "pk": an_assessment}, READ_PARTNERSHIP_A),
}
