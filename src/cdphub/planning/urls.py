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
]

