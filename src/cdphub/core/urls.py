"""The service-wide pages, in the 'core' namespace. ``config/urls.py`` adds the home page
(``accounts.views.home``) to this namespace: it reads memberships, which core must not."""

from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("accessibility/", views.accessibility, name="accessibility"),
    path("cookies/", views.cookies, name="cookies"),
    path("privacy/", views.privacy, name="privacy"),
    path("feedback/", views.feedback, name="feedback"),
]
