from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from tandem import clock


class OpportunityStage(models.TextChoices):
    DISCOVERY = "discovery", "Discovery"
    PROPOSAL = "proposal", "Proposal"
    NEGOTIATION = "negotiation", "Negotiation"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Opportunity(models.Model):
    """A deal in the pipeline. Money is a Decimal with its currency; closing records a reason."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="opportunities")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="opportunities")
    name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, default="EUR")
    stage = models.CharField(max_length=20, choices=OpportunityStage.choices, default=OpportunityStage.DISCOVERY)
    expected_close_date = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    reason_code = models.CharField(max_length=50, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="opportunities")
    created_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["outcome", "closed_at"], name="opportunity_outcome_idx"),
            models.Index(fields=["created_at"], name="opportunity_created_idx"),
            models.Index(fields=["owner", "id"], name="opportunity_owner_idx"),
            models.Index(fields=["account", "id"], name="opportunity_account_idx"),
        ]

    def __str__(self) -> str:
        return self.name
