from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cdphub.core"
    verbose_name = "Core"

    def ready(self) -> None:
        # inside the function: permissions are registered once the app registry is ready, as in every app
        from . import roles  # noqa: F401
