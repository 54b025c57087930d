from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cdphub.api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # inside the function: roles imports models, which cannot load before the app registry is ready
        from . import roles  # noqa: F401  # inside the function: registers its rules once the apps are loaded
