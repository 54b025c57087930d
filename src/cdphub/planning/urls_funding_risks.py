"""The funding streams register (``<slug>/plan/funding/``) and the risks and
disagreements log (``<slug>/plan/risks/``) (see planning/urls.py)."""

urlpatterns: list = []
