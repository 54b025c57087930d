"""A stand-in for the assessment pages, used only while ``urls_assessment.py`` has none (the
findings and sign-off work was built beside the assessment pages, in parallel): the two URL
names the sign-off pages link to, showing the findings and the sign-off panel. Delete this
module, ``views_placeholder.py``, ``templates/planning/signoff_placeholder.html`` and
``tests/planning/url_expectations_placeholder.py`` once the assessment pages are merged."""

from django.urls import path

from . import views_placeholder as views

urlpatterns = [
    path("", views.index, name="needs-assessment"),
    path("<int:pk>/", views.detail, name="needs-assessment-detail"),
]
