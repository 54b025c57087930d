from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "cdphub.geography"
    verbose_name = "Geography"

    def ready(self) -> None:
        # inside the function: permissions are registered once the app registry is ready, as in every app
        from . import roles  # noqa: F401
