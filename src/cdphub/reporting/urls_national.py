"""urls_national"""

urlpatterns: list = []
