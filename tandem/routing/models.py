from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from tandem import clock
from tandem.people.choices import TeamChoice


class Region(models.Model):
    """A named group of countries that territory rules can name (``regions: [dach]``)."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    countries = models.JSONField(default=list, help_text="ISO 3166-1 alpha-2 codes, e.g. [\"DE\", \"AT\", \"CH\"].")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class Queue(models.Model):
    """Where leads wait for a rep of one team; members share them by weight (quota method)."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    team = models.CharField(max_length=20, choices=TeamChoice.choices)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["team", "key"]

    def __str__(self) -> str:
        return self.name


class QueueMember(models.Model):
    """A rep in a queue: their weight (share of leads), capacity (max open leads) and whether they take leads."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_memberships")
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"),
                                 validators=[MinValueValidator(Decimal("0"))])
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Open leads at most; empty = no limit.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["queue", "user"]
        constraints = [models.UniqueConstraint(fields=["queue", "user"], name="queue_member_once")]

    def __str__(self) -> str:
        return f"{self.user} in {self.queue} (weight {self.weight})"


class QueueRotation(models.Model):
    """The queue's sequence row: leads given to each rep in the rotation. Advanced only by compare-and-swap
    on `version` (UPDATE ... WHERE version = read version), so concurrent routers never double-count."""

    queue = models.OneToOneField(Queue, primary_key=True, on_delete=models.CASCADE, related_name="rotation")
    version = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="user id -> leads assigned in the rotation")
    away = models.JSONField(default=list, help_text="ids of reps unavailable at the last assignment")
    assigned = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"rotation of {self.queue_id} at v{self.version}"


class RoutingPolicy(models.Model):
    """Routing rules for leads entering `stage`, evaluated in order (account owner, territory, default)."""

    stage = models.CharField(max_length=40, unique=True)
    team = models.CharField(max_length=20, choices=TeamChoice.choices,
                            help_text="The team that must own a lead in this stage; leads already owned by it stay.")
    rules = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["stage"]
        verbose_name_plural = "routing policies"

    def __str__(self) -> str:
        return f"routing for {self.stage} → {self.team}"


class RoutingDecision(models.Model):
    """Why a lead went where it went: the rule that matched, the queue, the rep chosen, every rule passed over."""

    class Cause(models.TextChoices):
        ENTRY = "entry", "Entered a stage"
        REROUTE = "reroute", "Re-routed after an SLA breach"

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="routing_decisions")
    stage_event = models.ForeignKey("leads.StageEvent", on_delete=models.CASCADE, related_name="+")
    cause = models.CharField(max_length=10, choices=Cause.choices, default=Cause.ENTRY)
    stage = models.CharField(max_length=40)
    rule_id = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    explanation = models.JSONField(default=dict)
    decided_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["stage_event"], condition=Q(cause="entry"),
                                               name="routing_once_per_entry")]
        indexes = [models.Index(fields=["lead", "decided_at"], name="routing_lead_idx")]

    def __str__(self) -> str:
        return f"lead {self.lead_id} → {self.owner_id} by {self.rule_id or 'no rule'}"
