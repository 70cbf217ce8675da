from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "tandem.leads"
    verbose_name = "Leads and the stage ledger"
