"""The needs assessment's own pages, under ``<slug>/needs-assessment/`` (see planning/urls.py;
names in the ``partnerships`` namespace)."""

from django.urls import path

from . import views_assessment as views

urlpatterns = [
    path("", views.index, name="needs-assessment"),
    path("start/", views.start, name="needs-assessment-start"),
    path("<int:pk>/", views.detail, name="needs-assessment-detail"),
    path("<int:pk>/sections/<slug:key>/", views.section_edit, name="needs-assessment-section"),
    path("<int:pk>/figures.<str:fmt>", views.figures_download,
         name="needs-assessment-figures-download"),
]
