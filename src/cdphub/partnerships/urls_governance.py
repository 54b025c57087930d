"""Governance pages, under ``<slug>/governance/`` (names share the 'partnerships' namespace)."""

from django.urls import path

from . import views_governance as views

urlpatterns = [
    path("", views.governance, name="governance"),
    path("map.svg", views.governance_map, name="governance-map"),
    path("terms-of-reference/new/", views.tor_create, name="tor-create"),
    path("terms-of-reference/<int:version>/", views.tor_detail, name="tor-detail"),
    path("terms-of-reference/<int:version>/publish/", views.tor_publish, name="terms-publish"),
    path("terms-of-reference/<int:version>/document/", views.tor_document, name="tor-document"),
    path("sub-groups/new/", views.subgroup_create, name="subgroup-create"),
    path("sub-groups/<int:pk>/", views.subgroup_edit, name="subgroup-edit"),
    path("links/new/", views.link_create, name="link-create"),
]
