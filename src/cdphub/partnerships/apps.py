from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "cdphub.partnerships"
    verbose_name = "Partnerships"

    def ready(self) -> None:
        from . import roles  # noqa: F401
