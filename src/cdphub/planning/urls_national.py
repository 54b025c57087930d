"""Every partnership's plan against the 15 commitments (central users and regional
advisers), under ``/partnerships/plans/`` (see planning/urls.py)."""

from django.urls import path

from . import views_national as views

urlpatterns = [
    path("", views.national_plans, name="national-plans"),
    path("plans.<str:fmt>", views.national_plans_download, name="national-plans-download"),
]
