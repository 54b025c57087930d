"""The partnership's priorities, under ``<slug>/priorities/`` (see planning/urls.py)."""

from django.urls import path

from . import views_signoff as views

urlpatterns = [
    path("", views.priorities, name="priorities"),
    path("priorities.<str:fmt>", views.priorities_download, name="priorities-download"),
    path("<int:pk>/edit/", views.priority_edit, name="priority-edit"),
    path("<int:pk>/status/", views.priority_status, name="priority-status"),
]
