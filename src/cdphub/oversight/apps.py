from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "cdphub.oversight"
    verbose_name = "National and regional oversight"

    def ready(self) -> None:
        # inside the function: roles import models, which cannot load before the registry is
        # ready
        from . import roles  # noqa: F401
