"""The public pages under /public/: no sign-in, published documents and published national
figures only."""

from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("download.<str:fmt>", views.index_download, name="index-download"),
    path("<slug:slug>/", views.partnership, name="partnership"),
    path("<slug:slug>/metrics.<str:fmt>", views.metrics_download, name="metrics-download"),
    path("<slug:slug>/terms-of-reference/<int:version>/", views.terms_document,
         name="terms-of-reference"),
    path("<slug:slug>/needs-assessment/", views.needs_assessment, name="needs-assessment"),
    path("<slug:slug>/reports/<int:year>/", views.report, name="report"),
    path("<slug:slug>/reports/<int:year>.pdf", views.report_pdf, name="report-pdf"),
]
