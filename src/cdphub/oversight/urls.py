"""National and regional oversight under /oversight/ (namespace ``oversight``)."""

from . import urls_dashboard, urls_directory, urls_support

app_name = "oversight"

urlpatterns = [
    *urls_dashboard.urlpatterns,
    *urls_support.urlpatterns,
    *urls_directory.urlpatterns,
]
