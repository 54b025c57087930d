from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "cdphub.practice"
    verbose_name = "Best-practice library"

    def ready(self) -> None:
        from . import roles  # noqa: F401
