"""The public pages under /public/: no sign-in, published documents and published national
figures only."""

app_name = "public"

urlpatterns: list = []
