"""A partnership's own view of its support level and what was agreed, under
/partnerships/<slug>/support/ (names in the ``partnerships`` namespace)."""

urlpatterns: list = []
