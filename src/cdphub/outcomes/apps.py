from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "cdphub.outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        from . import recompute, roles  # noqa: F401  # inside the function: registers receivers and rules once the apps are loaded
