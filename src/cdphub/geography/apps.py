from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "cdphub.geography"
    verbose_name = "Geography"

    def ready(self) -> None:
        from . import roles  # noqa: F401
