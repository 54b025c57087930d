from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "cdphub.reporting"
    verbose_name = "Progress reports"

    def ready(self) -> None:
        # inside the function: roles and history import models, which cannot load before the
        # app registry is ready; history adds reports to a partnership's History
        from . import history, roles  # noqa: F401
