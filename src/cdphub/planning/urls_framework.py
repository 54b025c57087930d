"""The local performance framework, under ``<slug>/plan/framework/`` (see planning/urls.py)."""

urlpatterns: list = []
