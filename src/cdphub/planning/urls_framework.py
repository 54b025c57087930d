"""The local performance framework, under ``<slug>/plan/framework/`` (see planning/urls.py)."""

from django.urls import path

from . import views_framework as views

urlpatterns = [
    path("", views.framework, name="plan-framework"),
    path("framework.<str:fmt>", views.framework_download, name="plan-framework-download"),
    path("add/", views.add, name="plan-framework-add"),
    path("agree/", views.agree, name="plan-framework-agree"),
    path("<int:pk>/", views.metric_page, name="plan-framework-metric"),
    path("<int:pk>/edit/", views.edit, name="plan-framework-edit"),
    path("<int:pk>/withdraw/", views.withdraw, name="plan-framework-withdraw"),
    path("<int:pk>/baseline/", views.baseline, name="plan-framework-baseline"),
    path("<int:pk>/targets/", views.targets, name="plan-framework-targets"),
]
