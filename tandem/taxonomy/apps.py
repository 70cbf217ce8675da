from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "tandem.taxonomy"
    verbose_name = "Lead taxonomy"
