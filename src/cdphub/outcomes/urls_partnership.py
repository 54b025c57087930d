"""A partnership's outcomes pages, under /partnerships/<slug>/outcomes/ (names in the
``partnerships`` namespace)."""

from django.urls import path

from . import views_dashboard as views

urlpatterns = [
    path("", views.overview, name="outcomes"),
    path("overview.<str:fmt>", views.overview_download, name="outcomes-download"),
    path("<slug:key>/", views.metric_page, name="outcome-metric"),
    path("<slug:key>/<slug:table>.<str:fmt>", views.metric_download,
         name="outcome-metric-download"),
]
