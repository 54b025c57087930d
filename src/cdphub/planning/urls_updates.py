"""Quarterly updates of a plan's actions, under ``<slug>/plan/updates/`` (see planning/urls.py)."""

from django.urls import path

from . import views_updates as views

urlpatterns = [
    path("", views.plan_updates, name="plan-updates"),
    path("updates.<str:fmt>", views.updates_download, name="plan-updates-download"),
    path("<int:pk>/record/", views.record, name="plan-update-record"),
]
