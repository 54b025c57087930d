"""See planning/urls.py."""

urlpatterns: list = []
