"""The report as a standalone document and as a PDF, under <slug>/reports/ (names in the
'partnerships' namespace)."""

from django.urls import path

from . import views_document

urlpatterns = [
    path("<int:year>/document/", views_document.report_document, name="report-document"),
    path("<int:year>/report.pdf", views_document.report_pdf, name="report-pdf"),
]
