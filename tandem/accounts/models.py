from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem import clock


class Segment(models.TextChoices):
    SMB = "smb", "SMB (under 200 employees)"
    MID = "mid", "Mid-market (200–999)"
    ENTERPRISE = "enterprise", "Enterprise (1000+)"


class Account(models.Model):
    """A company. Leads and opportunities belong to accounts; an owner takes its leads first."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True, help_text="Normalised: lower case, no www.")
    industry = models.CharField(max_length=100, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    segment = models.CharField(max_length=20, choices=Segment.choices, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_accounts")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=1)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["domain"], condition=~Q(domain=""), name="account_domain_unique"),
        ]
        indexes = [models.Index(fields=["owner", "id"], name="account_owner_idx")]

    def __str__(self) -> str:
        return self.name
