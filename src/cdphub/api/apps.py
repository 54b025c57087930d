from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cdphub.api"
    verbose_name = "REST API"
