"""The national register in the shape of the return (Appendix 1): export for central users and
bulk import for central administrators, under ``partnerships/register/`` (names share the
'partnerships' namespace)."""

from django.urls import path

from . import views_return

urlpatterns = [
    path("", views_return.register_export, name="register-export"),
    path("csv/", views_return.register_csv, name="register-csv"),
    path("xlsx/", views_return.register_xlsx, name="register-xlsx"),
    path("import/", views_return.register_import, name="register-import"),
    path("import/template/", views_return.register_template, name="register-template"),
]
