from django.conf import settings
from django.db import models

from tandem import clock
from tandem.leads.choices import ActorKind, ConsentStatus, EventAction, LawfulBasis, Origin


class Lead(models.Model):
    """A person in the funnel. `stage` mirrors the last stage event; `version` guards stale writes."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, help_text="As given.")
    email_normalized = models.CharField(max_length=254, unique=True, help_text="Lower case, trimmed.")
    phone = models.CharField(max_length=50, blank=True)
    phone_normalized = models.CharField(max_length=20, blank=True, db_index=True, help_text="E.164")
    title = models.CharField(max_length=150, blank=True)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="leads")
    country = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="Recorded source, e.g. web, event, referral.")
    self_reported_source = models.CharField(max_length=300, blank=True, help_text="How did you hear about us?")
    origin = models.CharField(max_length=3, choices=Origin.choices, default=Origin.MGL)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_leads")
    stage = models.CharField(max_length=40)
    stage_entered_at = models.DateTimeField()
    score = models.IntegerField(default=0)
    consent_status = models.CharField(max_length=20, choices=ConsentStatus.choices, default=ConsentStatus.UNKNOWN)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices, default=LawfulBasis.UNSPECIFIED)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=1)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["stage", "id"], name="lead_stage_idx"),
            models.Index(fields=["owner", "id"], name="lead_owner_idx"),
            models.Index(fields=["country", "id"], name="lead_country_idx"),
            models.Index(fields=["source", "id"], name="lead_source_idx"),
            models.Index(fields=["account", "id"], name="lead_account_idx"),
            models.Index(fields=["created_at"], name="lead_created_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class StageEvent(models.Model):
    """One move of a lead between stages: the append-only ledger every funnel metric reads.

    `occurred_at` is when it happened (metrics use it); `recorded_at` is when Tandem learned of it.
    """

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="stage_events")
    from_stage = models.CharField(max_length=40, blank=True)
    to_stage = models.CharField(max_length=40)
    action = models.CharField(max_length=20, choices=EventAction.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.USER)
    actor_team = models.CharField(max_length=20, blank=True)
    reason_code = models.CharField(max_length=50, blank=True)
    note = models.TextField(blank=True)
    criteria = models.JSONField(default=list, help_text="Each entry criterion with passed/detail.")
    taxonomy_version = models.PositiveIntegerField()
    historical = models.BooleanField(default=False, help_text="Imported history that breaks today's rules.")
    original_lead_id = models.BigIntegerField(null=True, blank=True, help_text="Set when moved here by a merge.")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["lead", "occurred_at"], name="stage_event_lead_idx"),
            models.Index(fields=["to_stage", "occurred_at"], name="stage_event_to_idx"),
            models.Index(fields=["occurred_at"], name="stage_event_at_idx"),
            models.Index(fields=["recorded_at"], name="stage_event_recorded_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_stage or '∅'} → {self.to_stage} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Assignment(models.Model):
    """A change of a lead's owner, with the rule that chose the new owner. Append-only."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="assignments")
    from_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    to_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    rule = models.CharField(max_length=100, help_text="Which rule chose the owner, e.g. 'manual', 'accepted'.")
    explanation = models.JSONField(default=dict)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["lead", "occurred_at"], name="assignment_lead_idx")]

    def __str__(self) -> str:
        return f"{self.lead_id}: owner → {self.to_owner_id} ({self.rule})"


class Note(models.Model):
    """A free-text note on a lead. Stored as given, rendered escaped."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["lead", "created_at"], name="note_lead_idx")]

    def __str__(self) -> str:
        return f"note {self.pk} on lead {self.lead_id}"
