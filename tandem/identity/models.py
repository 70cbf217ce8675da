from django.conf import settings
from django.db import models

from tandem import clock


class EmailAlias(models.Model):
    """An address that belongs to a lead besides its own: the address of a lead merged into it.

    A merge frees the loser's address on Lead (so the unique constraint no longer holds it) and
    records it here, so that the person arriving again under that address lands on the survivor.
    """

    email_normalized = models.CharField(max_length=254, unique=True)
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="email_aliases")
    from_lead_id = models.BigIntegerField(help_text="The merged lead the address came from.")
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.email_normalized} → lead {self.lead_id}"


class MergeKind(models.TextChoices):
    LEAD = "lead", "Lead"
    ACCOUNT = "account", "Account"


class MergeRecord(models.Model):
    """One merge: which record survived, which became its tombstone, who did it and what moved.

    Ids rather than foreign keys, so the record never pins or follows the rows it describes.
    """

    kind = models.CharField(max_length=10, choices=MergeKind.choices)
    survivor_id = models.BigIntegerField()
    loser_id = models.BigIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    occurred_at = models.DateTimeField(help_text="When the merge took effect (may be back-dated by an import).")
    recorded_at = models.DateTimeField(default=clock.now)
    moved = models.JSONField(default=dict, help_text="table -> rows moved to the survivor")
    dropped = models.JSONField(default=dict, help_text="table -> one-per-record rows deleted (survivor had its own)")
    loser_snapshot = models.JSONField(default=dict, help_text="The loser's identifying fields before the merge.")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "survivor_id"], name="merge_survivor_idx"),
                   models.Index(fields=["kind", "loser_id"], name="merge_loser_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.loser_id} → {self.survivor_id}"
