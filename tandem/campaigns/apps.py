from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "tandem.campaigns"
    verbose_name = "Campaigns"
