"""Support levels and the engagement log, under /oversight/ (central users and regional
advisers)."""

urlpatterns: list = []
