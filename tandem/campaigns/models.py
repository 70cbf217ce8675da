from decimal import Decimal

from django.conf import settings
from django.db import models

from tandem import clock


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Campaign(models.Model):
    """A marketing effort planned jointly: an owner in Marketing and one in Sales, goals, budget and cost."""

    name = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=50, help_text="e.g. webinar, trade fair, paid search, nurture")
    channel = models.CharField(max_length=20, help_text="The main touchpoint channel it produces.")
    marketing_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    sales_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    budget = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    actual_cost = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    target_segment = models.CharField(max_length=50, blank=True)
    goal_leads = models.PositiveIntegerField(default=0)
    goal_mqls = models.PositiveIntegerField(default=0)
    goal_pipeline = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    goal_revenue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    status = models.CharField(max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED)
    utm_campaign = models.CharField(max_length=200, blank=True, db_index=True,
                                    help_text="Touchpoints with this utm_campaign join the campaign.")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name
