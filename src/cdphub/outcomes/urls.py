from django.urls import path

from . import views, views_dashboard

app_name = "outcomes"

urlpatterns = [
    path("metrics/", views.metric_list, name="metrics"),
    path("commitments/", views_dashboard.commitments, name="commitments"),
    path("commitments.<str:fmt>", views_dashboard.commitments_download,
         name="commitments-download"),
    path("metrics/<slug:key>/", views.metric_detail, name="metric"),
    path("local/<slug:slug>/new/", views.local_metric_create, name="local-metric-create"),
    path("loads/", views.load_list, name="loads"),
    path("loads/new/", views.load_new, name="load-new"),
    path("loads/<int:pk>/", views.load_detail, name="load"),
    path("loads/<int:pk>/report.csv", views.load_report, name="load-report"),
    path("loads/<int:pk>/withdraw/", views.load_withdraw, name="load-withdraw"),
]
