"""The national dashboard and the regional summary."""

urlpatterns: list = []
