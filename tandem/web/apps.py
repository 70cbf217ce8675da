from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tandem.web"
    verbose_name = "Web interface"
