from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem import clock
from tandem.touchpoints.choices import Channel, TouchSource


class TouchpointBatch(models.Model):
    """One batch delivered through the API: who sent it, when, and what became of its items."""

    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    token_prefix = models.CharField(max_length=12, blank=True, help_text="The API token it came with, if any.")
    received = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Already recorded (same source and external id).")
    rejected = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"batch {self.pk}: {self.created}/{self.received} stored"


class Touchpoint(models.Model):
    """One interaction of a lead. Append-only: corrections are new rows, never edits.

    `occurred_at` is when it happened (attribution and metrics use it); `recorded_at` when
    Tandem learned of it. `original_lead_id` is set when a merge moved it to a survivor.
    """

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="touchpoints")
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="touchpoints")
    opportunity = models.ForeignKey("opportunities.Opportunity", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="touchpoints")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="touchpoints")
    content_item = models.CharField(max_length=200, blank=True, help_text="The asset touched, e.g. a whitepaper.")
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    click_ids = models.JSONField(default=dict, blank=True, help_text="gclid, fbclid, li_fat_id, msclkid, …")
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="The user who made it (a call, an email); empty = system.")
    source = models.CharField(max_length=20, choices=TouchSource.choices, default=TouchSource.API)
    external_id = models.CharField(max_length=200, blank=True, help_text="The sender's id, to refuse duplicates.")
    properties = models.JSONField(default=dict, blank=True)
    original_lead_id = models.BigIntegerField(null=True, blank=True)
    batch = models.ForeignKey(TouchpointBatch, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="touchpoints", help_text="The API batch that brought it, if any.")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["lead", "occurred_at"], name="touch_lead_idx"),
            models.Index(fields=["occurred_at"], name="touch_at_idx"),
            models.Index(fields=["campaign", "occurred_at"], name="touch_campaign_idx"),
            models.Index(fields=["channel", "occurred_at"], name="touch_channel_idx"),
            models.Index(fields=["recorded_at"], name="touch_recorded_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], condition=~Q(external_id=""),
                                    name="touch_external_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.channel} at {self.occurred_at:%Y-%m-%d %H:%M}"
