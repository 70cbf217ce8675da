from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tandem import clock
from tandem.people.choices import TeamChoice


class BusinessCalendar(models.Model):
    """Working hours in a time zone, with holidays. A rep's calendar wins over their team's, which wins
    over the default one (`is_default`)."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="Europe/Berlin", help_text="IANA name, e.g. Europe/Berlin")
    hours = models.JSONField(default=dict, help_text='{"mon": ["09:00-17:00"], ...}; missing days are off.')
    holidays = models.JSONField(default=list, help_text='Local dates, e.g. ["2026-12-25"].')
    team = models.CharField(max_length=20, choices=TeamChoice.choices, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="business_calendar")
    is_default = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["team"], condition=~Q(team="") & Q(user__isnull=True),
                                    name="calendar_one_per_team"),
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="calendar_one_default"),
        ]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """A response SLA: a timer starts when a lead enters `stage` and stops on the qualifying action.

    `stop` is either ``touch`` (a real touch, call/email_sent/meeting, by the lead's owner) or
    ``exit`` (a stage event leaving `stage` whose action is in `stop_actions`). Any other way out of
    the stage, or out of the funnel, cancels the timer (a breach already past its due time stands).
    """

    class Stop(models.TextChoices):
        TOUCH = "touch", "First real touch by the owner"
        EXIT = "exit", "A decision that moves the lead out of the stage"

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    stage = models.CharField(max_length=40, help_text="The timer starts when a lead enters this stage.")
    stop = models.CharField(max_length=10, choices=Stop.choices)
    stop_actions = models.JSONField(default=list, help_text="For exit: the actions that meet the SLA.")
    duration_minutes = models.PositiveIntegerField(help_text="Business minutes from entry to due.")
    warn_share = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.75"),
                                     validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))])
    team = models.CharField(max_length=20, choices=TeamChoice.choices, help_text="The team held to account.")
    reroute_on_breach = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["order", "key"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name


class SlaTimer(models.Model):
    """One SLA clock on one lead. State lives here, so timers survive restarts; warnings and breaches are
    recorded by conditional updates (`warned_at`/`breached_at` set only while empty): each fires once."""

    class StopKind(models.TextChoices):
        MET = "met", "Qualifying action"
        CANCELLED = "cancelled", "Left the stage another way"

    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="timers")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="sla_timers")
    start_event = models.ForeignKey("leads.StageEvent", on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField(default=1, help_text="2, 3, … after a re-route on breach.")
    stage = models.CharField(max_length=40)
    team = models.CharField(max_length=20)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="sla_timers")
    calendar = models.ForeignKey(BusinessCalendar, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_kind = models.CharField(max_length=10, choices=StopKind.choices, blank=True)
    stop_event = models.ForeignKey("leads.StageEvent", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    stop_touch = models.ForeignKey("touchpoints.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["policy", "start_event", "round"], name="sla_timer_once")]
        indexes = [
            models.Index(fields=["due_at"], name="sla_timer_due_open_idx", condition=Q(breached_at__isnull=True)),
            models.Index(fields=["warn_at"], name="sla_timer_warn_open_idx",
                         condition=Q(warned_at__isnull=True, breached_at__isnull=True)),
            models.Index(fields=["lead", "stopped_at"], name="sla_timer_lead_idx"),
            models.Index(fields=["responsible", "stopped_at"], name="sla_timer_owner_idx"),
            models.Index(fields=["started_at"], name="sla_timer_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} on lead {self.lead_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None


class MarketingCommitment(models.Model):
    """Marketing's side of the SLA: `target_mqls` MQLs in [period_start, period_end) for a segment (blank =
    all), with at least `min_acceptance_rate` of the decisions on them being accepts."""

    name = models.CharField(max_length=120)
    segment = models.CharField(max_length=20, blank=True, help_text="Account segment (smb, mid, enterprise).")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    target_mqls = models.PositiveIntegerField()
    min_acceptance_rate = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.5"),
                                              validators=[MinValueValidator(Decimal("0")),
                                                          MaxValueValidator(Decimal("1"))])
    team = models.CharField(max_length=20, choices=TeamChoice.choices, default=TeamChoice.MARKETING)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="The person answerable for it.")
    final_status = models.CharField(max_length=10, blank=True, help_text="met or missed, once the period is over.")
    missed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-period_start", "segment"]

    def __str__(self) -> str:
        return self.name


class SlaBreach(models.Model):
    """A breach, recorded once against the responsible team and person: a timer past due, or a commitment missed."""

    class Kind(models.TextChoices):
        TIMER = "timer", "Response SLA"
        COMMITMENT = "commitment", "Marketing commitment"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    timer = models.OneToOneField(SlaTimer, null=True, blank=True, on_delete=models.CASCADE, related_name="breach")
    commitment = models.OneToOneField(MarketingCommitment, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="breach")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=40, blank=True)
    team = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="sla_breaches")
    due_at = models.DateTimeField()
    detected_at = models.DateTimeField()
    rerouted_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [models.Index(fields=["team", "detected_at"], name="sla_breach_team_idx"),
                   models.Index(fields=["user", "detected_at"], name="sla_breach_user_idx")]

    def __str__(self) -> str:
        return f"{self.kind} breach for {self.team} at {self.detected_at:%Y-%m-%d %H:%M}"
