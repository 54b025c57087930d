"""The Roles pages under ``account/roles/``: their names are in the 'accounts' namespace
(``config/urls.py`` adds them to it)."""

from django.urls import path

from . import views_roles

urlpatterns = [
    path("roles/", views_roles.roles, name="roles"),
    path("roles/<int:pk>/revoke/", views_roles.revoke, name="revoke-role"),
]
