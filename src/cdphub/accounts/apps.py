from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cdphub.accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from . import roles, signals  # noqa: F401
