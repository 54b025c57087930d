"""The funding streams register (``<slug>/plan/funding/``) and the risks and
disagreements log (``<slug>/plan/risks/``) (see planning/urls.py)."""

from django.urls import path

from . import views_funding_risks as views

urlpatterns = [
    path("funding/", views.funding_list, name="plan-funding"),
    path("funding/funding.<str:fmt>", views.funding_download, name="plan-funding-download"),
    path("funding/add/", views.funding_add, name="plan-funding-add"),
    path("funding/<int:pk>/change/", views.funding_edit, name="plan-funding-edit"),
    path("funding/<int:pk>/withdraw/", views.funding_withdraw, name="plan-funding-withdraw"),
    path("risks/", views.risks_list, name="plan-risks"),
    path("risks/risks.<str:fmt>", views.risks_download, name="plan-risks-download"),
    path("risks/add/", views.risk_add, name="plan-risk-add"),
    path("risks/<int:pk>/change/", views.risk_edit, name="plan-risk-edit"),
    path("risks/<int:pk>/close/", views.risk_close, name="plan-risk-close"),
]
