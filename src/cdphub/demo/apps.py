from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cdphub.demo"
    verbose_name = "Demo"
