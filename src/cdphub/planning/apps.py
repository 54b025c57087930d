from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "cdphub.planning"
    verbose_name = "Needs assessments and plans"

    def ready(self) -> None:
        # inside the function: roles and history import models, which cannot load before the
        # app registry is ready; history adds this app's records to a partnership's History;
        # annotations_framework adds the local target's progress to the outcomes overview
        from . import annotations_framework, attention, history, roles  # noqa: F401
