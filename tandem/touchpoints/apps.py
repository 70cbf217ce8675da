from django.apps import AppConfig


class TouchpointsConfig(AppConfig):
    name = "tandem.touchpoints"
    verbose_name = "Touchpoints (every interaction)"
