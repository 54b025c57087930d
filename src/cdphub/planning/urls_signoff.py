"""Findings and the sign-off steps of an assessment, under ``<slug>/needs-assessment/`` (see
planning/urls.py)."""

from django.urls import path

from . import views_signoff as views

urlpatterns = [
    path("<int:pk>/findings/add/<str:section>/", views.finding_add, name="finding-add"),
    path("<int:pk>/findings/<int:fpk>/edit/", views.finding_edit, name="finding-edit"),
    path("<int:pk>/findings/<int:fpk>/remove/", views.finding_remove, name="finding-remove"),
    path("<int:pk>/findings/<int:fpk>/raise/", views.finding_raise, name="finding-raise"),
    path("<int:pk>/agree/", views.agree, name="needs-assessment-agree"),
    path("<int:pk>/return-to-draft/", views.return_to_draft,
         name="needs-assessment-return-to-draft"),
    path("<int:pk>/sign-off/", views.sign_off, name="needs-assessment-sign-off"),
    path("<int:pk>/publish/", views.publish, name="needs-assessment-publish"),
]
