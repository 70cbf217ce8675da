from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tandem import clock

#: The stages of the reverse waterfall, top to bottom: inquiries … won deals (AQL is optional and skipped).
DEFAULT_PLAN_STAGES = ["inquiry", "mql", "tal", "tql", "sal", "sql", "opportunity", "won"]


class Goal(models.Model):
    """A revenue target for a UTC period (and, optionally, a segment) that Marketing and Sales agree on.

    Each side has an owner; a goal counts as agreed once both sides have agreed to the target as it
    stands (changing the target or period clears both agreements). Rates for the plan are measured
    over the `lookback_days` before the day the plan is computed.
    """

    name = models.CharField(max_length=150)
    period = models.CharField(max_length=40, help_text="A UTC period label: 2026-Q1, 2026-03, 2026.")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(help_text="Exclusive: the first instant after the period.")
    segment = models.CharField(max_length=20, blank=True, help_text="Account segment (blank: every segment).")
    currency = models.CharField(max_length=3, default="EUR")
    target = models.DecimalField(max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    marketing_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    sales_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    marketing_agreed_at = models.DateTimeField(null=True, blank=True)
    sales_agreed_at = models.DateTimeField(null=True, blank=True)
    lookback_days = models.PositiveIntegerField(default=180, validators=[MinValueValidator(7),
                                                                         MaxValueValidator(1095)])
    stages = models.JSONField(default=list, help_text="Plan stages top to bottom; empty: the default waterfall.")
    commitment_id = models.BigIntegerField(null=True, blank=True,
                                           help_text="Marketing's MQL commitment set from this plan (tandem.sla).")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-period_start", "segment"]
        constraints = [models.UniqueConstraint(fields=["period", "segment"], name="goal_one_per_period_segment")]

    def __str__(self) -> str:
        return self.name

    @property
    def agreed(self) -> bool:
        return self.marketing_agreed_at is not None and self.sales_agreed_at is not None

    @property
    def plan_stages(self) -> list[str]:
        return list(self.stages) or list(DEFAULT_PLAN_STAGES)


class GoalSnapshot(models.Model):
    """Plan versus actual for a goal on one UTC day: what was needed and what had happened. Append-only."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="snapshots")
    taken_on = models.DateField()
    taken_at = models.DateTimeField(default=clock.now)
    target = models.DecimalField(max_digits=16, decimal_places=2)
    won_amount = models.DecimalField(max_digits=16, decimal_places=2)
    average_deal = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    steps = models.JSONField(default=list, help_text="Per stage: needed, achieved, deadline, rate, sentence.")
    problem = models.CharField(max_length=300, blank=True, help_text="Why no plan could be made, if so.")

    class Meta:
        ordering = ["-taken_on"]
        constraints = [models.UniqueConstraint(fields=["goal", "taken_on"], name="goal_snapshot_daily")]

    def __str__(self) -> str:
        return f"{self.goal_id} on {self.taken_on}"
