from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cdphub.api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from . import roles  # noqa: F401
