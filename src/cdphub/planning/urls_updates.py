"""Quarterly updates of a plan's actions, under ``<slug>/plan/updates/`` (see planning/urls.py)."""

urlpatterns: list = []
