from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tandem.demo"
    verbose_name = "Demo company and scale data"
