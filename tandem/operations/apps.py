from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "tandem.operations"
    verbose_name = "Running Tandem: server and worker"
