from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "cdphub.public"
    verbose_name = "Public pages"
