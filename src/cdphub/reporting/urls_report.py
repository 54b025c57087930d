"""The report pages under <slug>/reports/ (names in the 'partnerships' namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_list, name="reports"),
    path("new/", views.report_start, name="report-start"),
    path("<int:year>/", views.report_detail, name="report"),
    path("<int:year>/narrative/<str:part>/", views.narrative, name="report-narrative"),
    path("<int:year>/data-date/", views.data_date, name="report-data-date"),
    path("<int:year>/case-studies/add/", views.case_study_add, name="report-case-study-add"),
    path("<int:year>/case-studies/<int:pk>/", views.case_study_edit,
         name="report-case-study-edit"),
    path("<int:year>/case-studies/<int:pk>/remove/", views.case_study_remove,
         name="report-case-study-remove"),
    path("<int:year>/sign-off/", views.sign_off, name="report-sign-off"),
    path("<int:year>/submit/", views.submit, name="report-submit"),
    path("<int:year>/publish/", views.publish, name="report-publish"),
    path("<int:year>/versions/", views.versions, name="report-versions"),
    path("<int:year>/versions/<int:version>/", views.version_html, name="report-version"),
    path("<int:year>/versions/<int:version>.pdf", views.version_pdf, name="report-version-pdf"),
]
