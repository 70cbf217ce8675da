from django.apps import AppConfig


class OpportunitiesConfig(AppConfig):
    name = "tandem.opportunities"
    verbose_name = "Opportunities"
