"""The report pages under <slug>/reports/ (names in the 'partnerships' namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_list, name="reports"),
    path("<int:year>/", views.report_detail, name="report"),
]
