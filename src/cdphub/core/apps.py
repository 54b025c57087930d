from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cdphub.core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import roles  # noqa: F401
