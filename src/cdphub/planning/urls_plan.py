"""The delivery plan, its actions, the coverage check, versions and downloads, under
``<slug>/plan/`` (see planning/urls.py)."""

urlpatterns: list = []
