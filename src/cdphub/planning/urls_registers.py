"""The evidence register and the data-sharing register, under ``<slug>/needs-assessment/``
(see planning/urls.py; names share the 'partnerships' namespace)."""

from django.urls import path

from . import views_registers as views

urlpatterns = [
    path("evidence/", views.evidence_list, name="evidence"),
    path("evidence.<str:fmt>", views.evidence_download, name="evidence-download"),
    path("evidence/add/", views.evidence_create, name="evidence-create"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence-detail"),
    path("evidence/<int:pk>/change/", views.evidence_edit, name="evidence-edit"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence-withdraw"),
    path("evidence/<int:pk>/file/", views.evidence_file, name="evidence-file"),
    path("data-sharing/", views.data_sharing, name="data-sharing"),
    path("data-sharing/data-held.<str:fmt>", views.holdings_download,
         name="data-holdings-download"),
    path("data-sharing/agreements.<str:fmt>", views.agreements_download,
         name="sharing-agreements-download"),
    path("data-sharing/data-held/add/", views.holding_create, name="data-holding-create"),
    path("data-sharing/data-held/<int:pk>/", views.holding_edit, name="data-holding-edit"),
    path("data-sharing/agreements/add/", views.agreement_create, name="sharing-agreement-create"),
    path("data-sharing/agreements/<int:pk>/", views.agreement_edit,
         name="sharing-agreement-edit"),
]
