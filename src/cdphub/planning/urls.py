"""The planning app's pages under /partnerships/<slug>/ (added to the ``partnerships``
namespace in config/urls.py, as the outcomes pages are). Each area keeps its own module."""

from django.urls import include, path

urlpatterns = [
    # the assessment, its sections and its printable view
    path("needs-assessment/", include("cdphub.planning.urls_assessment")),
    # findings, priorities and the sign-off steps
    path("needs-assessment/", include("cdphub.planning.urls_signoff")),
    # the evidence register and the data-sharing register
    path("needs-assessment/", include("cdphub.planning.urls_registers")),
    # the partnership's priorities (raised from findings; the delivery plan is built on them)
    path("priorities/", include("cdphub.planning.urls_priorities")),
    # the delivery plan: the plan and its actions, the coverage check, versions and downloads
    path("plan/", include("cdphub.planning.urls_plan")),
    # quarterly updates of the plan's actions
    path("plan/updates/", include("cdphub.planning.urls_updates")),
    # the local performance framework (metrics, baselines, targets and progress)
    path("plan/framework/", include("cdphub.planning.urls_framework")),
    # the funding streams register and the risks and disagreements log
    path("plan/", include("cdphub.planning.urls_funding_risks")),
]

