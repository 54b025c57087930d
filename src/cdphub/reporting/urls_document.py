"""urls_document"""

urlpatterns: list = []
