"""The return to central government (Appendix 1) for one partnership, under
``partnerships/<slug>/return/`` (names share the 'partnerships' namespace)."""

from django.urls import path

from . import views_return

urlpatterns = [
    path("", views_return.partnership_return, name="return"),
    path("csv/", views_return.partnership_return_csv, name="return-csv"),
    path("xlsx/", views_return.partnership_return_xlsx, name="return-xlsx"),
]
