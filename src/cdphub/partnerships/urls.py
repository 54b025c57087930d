from django.urls import include, path

from . import views

app_name = "partnerships"
urlpatterns = [
    path("", views.partnership_list, name="list"),
    path("new/", views.create, name="create"),
    path("milestones/", views.national_milestones, name="national-milestones"),
    path("footprint-changes/", views.footprint_changes, name="footprint-changes"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/board-summary/", views.board_summary, name="board-summary"),
    path("<slug:slug>/footprint/", views.footprint, name="footprint"),
    path("<slug:slug>/footprint/rationale/", views.edit_rationale, name="footprint-rationale"),
    path("<slug:slug>/footprint/propose/", views.propose_footprint_change,
         name="footprint-propose"),
    path("<slug:slug>/footprint/<int:pk>/decide/", views.decide_footprint_change,
         name="footprint-decide"),
    path("<slug:slug>/people/", views.people, name="people"),
    path("<slug:slug>/people/add/", views.appoint, name="appoint"),
    path("<slug:slug>/people/<int:pk>/end/", views.end_appointment, name="end-appointment"),
    path("<slug:slug>/sro-exception/", views.sro_exception, name="sro-exception"),
    path("<slug:slug>/coverage/", views.coverage, name="coverage"),
    path("<slug:slug>/milestones/", views.milestones, name="milestones"),
    path("<slug:slug>/milestones/record/", views.record_milestone, name="record-milestone"),
    path("<slug:slug>/history/", views.history, name="history"),
    # Governance (terms of reference, sub-groups, links, map) and meetings live in their own
    # modules; their URL names share this namespace.
    path("<slug:slug>/governance/", include("cdphub.partnerships.urls_governance")),
    path("<slug:slug>/meetings/", include("cdphub.partnerships.urls_meetings")),
    # The return to central government (Appendix 1) for one partnership.
    path("<slug:slug>/return/", include("cdphub.partnerships.urls_return")),
    # A partnership's outcomes pages (<slug>/outcomes/) share this namespace too; they are
    # added in config/urls.py, since the register does not import the outcomes app's views.
]
# National register export and bulk import: before the <slug> patterns would be better, but
# slugs never take these reserved words (see actions.RESERVED_SLUGS).
urlpatterns.insert(4, path("register/", include("cdphub.partnerships.urls_register")))
