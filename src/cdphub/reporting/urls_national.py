"""Every partnership's progress reports (central users and regional advisers), under
``/partnerships/reports/`` (see config/urls.py)."""

from django.urls import path

from . import views_national as views

urlpatterns = [
    path("", views.national_reports, name="national-reports"),
    path("reports.<str:fmt>", views.national_reports_download, name="national-reports-download"),
]
