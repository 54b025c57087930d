from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cdphub.accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        # inside the function: roles and signals import models, which cannot load before the registry is ready
        from . import roles, signals  # noqa: F401
