"""Meetings and actions, under ``<slug>/meetings/`` (names share the 'partnerships' namespace)."""

from django.urls import path

from . import views_meetings as views

urlpatterns = [
    path("", views.meetings, name="meetings"),
    path("new/", views.meeting_create, name="meeting-create"),
    path("<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("<int:pk>/withdraw/", views.meeting_withdraw, name="meeting-withdraw"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:pk>/", views.action_update, name="action-update"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action-edit"),
]
