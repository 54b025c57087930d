from django.urls import include, path

from cdphub.accounts import urls as accounts_urls
from cdphub.api.api import api
from cdphub.core import urls as core_urls
from cdphub.outcomes import urls_partnership as outcomes_partnership_urls
from cdphub.oversight import urls_partnership as oversight_partnership_urls
from cdphub.partnerships import urls as partnerships_urls
from cdphub.partnerships import urls_roles
from cdphub.partnerships.views import home
from cdphub.planning import urls as planning_urls
from cdphub.planning import urls_national as planning_national_urls
from cdphub.reporting import urls as reporting_urls
from cdphub.reporting import urls_national as reporting_national_urls

# Some pages keep the URL names they have always had but live in a higher layer than the app
# that owns their namespace, which must not import that layer (see docs/architecture.md):
# the home page reads memberships (accounts) and what needs attention (partnerships), the Roles
# pages offer the partnerships (partnerships), and a partnership's outcomes pages belong to
# outcomes, a peer of the register that the register does not import, and its needs assessment
# to planning, above both. They join their
# namespaces here.
core_patterns = [path("", home, name="home"), *core_urls.urlpatterns]
accounts_patterns = [*accounts_urls.urlpatterns, *urls_roles.urlpatterns]
partnerships_patterns = [
    # every partnership's delivery plan (before the <slug> patterns; "plans" is reserved)
    path("plans/", include(planning_national_urls)),
    # every partnership's progress reports: submissions and which are late ("reports" is
    # reserved too)
    path("reports/", include(reporting_national_urls)),
    *partnerships_urls.urlpatterns,
    path("<slug:slug>/outcomes/", include(outcomes_partnership_urls)),
    path("<slug:slug>/", include(planning_urls)),
    path("<slug:slug>/", include(reporting_urls)),
    path("<slug:slug>/support/", include(oversight_partnership_urls)),
]

urlpatterns = [
    path("", include((core_patterns, core_urls.app_name))),
    path("account/", include((accounts_patterns, accounts_urls.app_name))),
    path("areas/", include("cdphub.geography.urls")),
    path("partnerships/", include((partnerships_patterns, partnerships_urls.app_name))),
    path("outcomes/", include("cdphub.outcomes.urls")),
    path("oversight/", include("cdphub.oversight.urls")),
    path("practice/", include("cdphub.practice.urls")),
    path("public/", include("cdphub.public.urls")),
    path("api/v1/", api.urls),
]

handler400 = "cdphub.core.views.error_400"
handler403 = "cdphub.core.views.error_403"
handler404 = "cdphub.core.views.error_404"
handler500 = "cdphub.core.views.error_500"
