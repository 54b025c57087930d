"""The best-practice library under /practice/."""

app_name = "practice"

urlpatterns: list = []
