"""A partnership's progress reports under /partnerships/<slug>/reports/ (added to the
``partnerships`` namespace in config/urls.py, as the planning pages are). Each area keeps its
own module."""

from django.urls import include, path

urlpatterns = [
    # the list of reports, a report's page, its narrative, case studies, sign-off, submission,
    # publication and versions
    path("reports/", include("cdphub.reporting.urls_report")),
    # the report as a standalone document (HTML) and as a PDF
    path("reports/", include("cdphub.reporting.urls_document")),
]
