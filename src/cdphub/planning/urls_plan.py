"""The delivery plan, its actions, the coverage check, versions and downloads, under
``<slug>/plan/`` (see planning/urls.py)."""

from django.urls import path

from . import views_plan as views

urlpatterns = [
    path("", views.plan, name="plan"),
    path("new/", views.plan_start, name="plan-start"),
    path("coverage/", views.coverage, name="plan-coverage"),
    path("coverage.<str:fmt>", views.coverage_download, name="plan-coverage-download"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("<int:pk>/agree/", views.plan_agree, name="plan-agree"),
    path("<int:pk>/actions.<str:fmt>", views.plan_download, name="plan-download"),
    path("<int:pk>/actions/add/", views.action_add, name="plan-action-add"),
    path("<int:pk>/compare/", views.plan_compare, name="plan-compare"),
    path("<int:pk>/compare.<str:fmt>", views.plan_compare_download,
         name="plan-compare-download"),
    path("actions/<int:pk>/", views.action_detail, name="plan-action"),
    path("actions/<int:pk>/edit/", views.action_edit, name="plan-action-edit"),
    path("actions/<int:pk>/withdraw/", views.action_withdraw, name="plan-action-withdraw"),
    path("actions/<int:pk>/status/", views.action_status, name="plan-action-status"),
    path("actions/<int:pk>/milestones/add/", views.milestone_add, name="plan-milestone-add"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="plan-milestone-edit"),
]
