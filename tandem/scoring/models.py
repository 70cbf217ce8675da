from django.conf import settings
from django.db import models

from tandem import clock
from tandem.taxonomy.models import VersionedDocument


class RulesVersion(VersionedDocument):
    """One immutable version of the scoring rulebook (fit and engagement rules). The highest number is in force."""

    def __str__(self) -> str:
        return f"rules v{self.number}"


class LeadScore(models.Model):
    """A lead's rules score as last computed: parts, and the explanation (rule id → points) that sums to it.

    `Lead.score` always holds `total`. `explanation` is a list of [rule id, points] pairs in the
    rulebook's order; labels come from the rules version it was computed with.
    """

    lead = models.OneToOneField("leads.Lead", primary_key=True, on_delete=models.CASCADE, related_name="score_record")
    total = models.IntegerField()
    fit = models.IntegerField()
    engagement = models.IntegerField()
    explanation = models.JSONField(default=list)
    rules_version = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"lead {self.lead_id}: {self.total}"


class PredictiveModel(models.Model):
    """One training run of the predictive score: the fitted model and its report, or the refusal and why."""

    class Status(models.TextChoices):
        TRAINED = "trained", "Trained"
        REFUSED = "refused", "Refused: too little history"

    class Target(models.TextChoices):
        ACCEPTED = "accepted", "Accepted by Sales (vs rejected, recycled or disqualified)"
        WON = "won", "Won (vs lost) opportunities"

    target = models.CharField(max_length=20, choices=Target.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    message = models.TextField(blank=True)
    trained_at = models.DateTimeField(default=clock.now)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    examples = models.PositiveIntegerField(default=0)
    positives = models.PositiveIntegerField(default=0)
    negatives = models.PositiveIntegerField(default=0)
    model = models.JSONField(default=dict, help_text="Encoder statistics, intercept and coefficients.")
    report = models.JSONField(default=dict, help_text="Calibration by decile, AUC and lift on held-out leads.")

    class Meta:
        ordering = ["-trained_at", "-id"]
        indexes = [models.Index(fields=["target", "status", "-trained_at"], name="predictive_target_idx")]

    def __str__(self) -> str:
        return f"{self.target} model {self.pk} ({self.status})"
