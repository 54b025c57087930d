"""Every partnership's plan against the 15 commitments (central users and regional
advisers), under ``/partnerships/plans/`` (see planning/urls.py)."""

urlpatterns: list = []
