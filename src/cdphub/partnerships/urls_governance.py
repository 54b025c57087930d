"""URL patterns for this part of the register (names share the 'partnerships' namespace)."""

urlpatterns: list = []
