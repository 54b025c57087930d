"""The directory of SROs and leads."""

urlpatterns: list = []
