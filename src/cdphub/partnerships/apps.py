from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "cdphub.partnerships"
    verbose_name = "Partnerships"

    def ready(self) -> None:
        # inside the function: roles imports models, which cannot load before the app registry is
        # ready; changesets connects the receiver that groups one save's history records
        from . import changesets, roles  # noqa: F401
