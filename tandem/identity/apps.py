from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "tandem.identity"
