from django.urls import include, path

from cdphub.api.api import api

urlpatterns = [
    path("", include("cdphub.core.urls")),
    path("account/", include("cdphub.accounts.urls")),
    path("areas/", include("cdphub.geography.urls")),
    path("partnerships/", include("cdphub.partnerships.urls")),
    path("outcomes/", include("cdphub.outcomes.urls")),
    path("api/v1/", api.urls),
]

handler400 = "cdphub.core.views.error_400"
handler403 = "cdphub.core.views.error_403"
handler404 = "cdphub.core.views.error_404"
handler500 = "cdphub.core.views.error_500"
