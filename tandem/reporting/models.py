from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tandem import clock
from tandem.reporting.choices import FillStatus, PackKind, Weekday


class StageRollup(models.Model):
    """One UTC day, stage and dimension value of the stage-event ledger (tandem.core.rollup's columns).

    `dimension` "" with `value` "" is the total over every lead. Rows belong to a `generation`: readers
    use the fill state's active one, so a full rebuild writes a new generation beside the old and
    switches in one step (an interrupted rebuild is undone by deleting its generation).
    """

    generation = models.PositiveIntegerField(default=1)
    dimension = models.CharField(max_length=12, blank=True)
    value = models.CharField(max_length=100, blank=True)
    day = models.DateField()
    stage = models.CharField(max_length=40)
    entries = models.IntegerField(default=0)
    exits = models.IntegerField(default=0)
    exit_seconds = models.BigIntegerField(default=0)
    first_day = models.IntegerField(default=0)
    first_week = models.IntegerField(default=0)
    first_month = models.IntegerField(default=0)
    first_quarter = models.IntegerField(default=0)
    first_year = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["generation", "dimension", "value", "day", "stage"],
                                               name="stage_rollup_key")]
        indexes = [models.Index(fields=["generation", "dimension", "day"], name="stage_rollup_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.stage} {self.dimension}={self.value}: +{self.entries} −{self.exits}"


class DealRollup(models.Model):
    """Opportunities closed on one UTC day, by outcome, currency and dimension value (core DealDay)."""

    generation = models.PositiveIntegerField(default=1)
    dimension = models.CharField(max_length=12, blank=True)
    value = models.CharField(max_length=100, blank=True)
    day = models.DateField()
    outcome = models.CharField(max_length=10)
    currency = models.CharField(max_length=3)
    count = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    cycle_seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["generation", "dimension", "value", "day", "outcome",
                                                       "currency"], name="deal_rollup_key")]
        indexes = [models.Index(fields=["generation", "dimension", "day"], name="deal_rollup_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.outcome} {self.dimension}={self.value}: {self.count}"


class RollupLead(models.Model):
    """The dimension values a lead's rows were last counted under, so that a change can be taken back out."""

    lead_id = models.BigIntegerField(primary_key=True)
    segment = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    campaign = models.CharField(max_length=20, blank=True)
    origin = models.CharField(max_length=3, blank=True)
    owner = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)

    def __str__(self) -> str:
        return f"lead {self.lead_id}"


class RollupFill(models.Model):
    """The fill state of the rollups: how far the ledger has been read, and the run in progress.

    Watermarks are the highest ids read from each change feed (stage events, merges, assignments,
    audit entries, touchpoints); `gaps` holds the ranges of event ids below the watermark that were
    missing when it was read (transactions not yet committed, on PostgreSQL), so an event that
    commits late is still found. `plan` is
    the work of the current run (days to re-aggregate, leads whose dimensions changed), consumed
    chunk by chunk, so that an interrupted run resumes; its journal lets it be undone instead.
    """

    name = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=10, choices=FillStatus.choices, default=FillStatus.IDLE)
    run_id = models.CharField(max_length=32, blank=True)
    generation = models.PositiveIntegerField(default=1, help_text="The rows readers use.")
    building = models.PositiveIntegerField(null=True, blank=True, help_text="A generation being rebuilt.")
    built = models.BooleanField(default=False, help_text="A full build has completed at least once.")
    event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True, help_text="[first id, last id, noted at] not seen yet")
    merge_id = models.BigIntegerField(default=0)
    assignment_id = models.BigIntegerField(default=0)
    audit_id = models.BigIntegerField(default=0)
    touch_id = models.BigIntegerField(default=0)
    plan = models.JSONField(default=dict, blank=True)
    runs = models.PositiveIntegerField(default=0, help_text="Completed runs; figures cached by it stay valid.")
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_seconds = models.FloatField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.status}, generation {self.generation}"


class RollupJournal(models.Model):
    """The rows a run replaced, chunk by chunk, so that an interrupted run can be undone exactly."""

    run_id = models.CharField(max_length=32)
    seq = models.PositiveIntegerField()
    table = models.CharField(max_length=10, help_text="stage or deal")
    days = models.JSONField(default=list, help_text="Whole days replaced (every dimension).")
    keys = models.JSONField(default=list, help_text="Single rows changed: [dimension, value, day, stage].")
    rows = models.JSONField(default=list, help_text="The rows as they were before.")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run_id", "seq"], name="rollup_journal_seq")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.seq} ({self.table})"


class DirtyDay(models.Model):
    """A UTC day whose ledger changed behind the feeds' back (an import's hook): re-aggregated next run."""

    day = models.DateField(unique=True)
    noted_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return str(self.day)


class ReportCache(models.Model):
    """A report computed from the raw ledger, kept under a key that holds the ledger's state and the day."""

    key = models.CharField(max_length=64, unique=True)
    payload = models.TextField(help_text="The report as JSON text (text, not jsonb: the key order is kept).")
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.key[:12]


class OverheadCost(models.Model):
    """Marketing and sales overhead entered for a span of days (salaries, tools …), counted in CAC."""

    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Inclusive.")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, default="EUR")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.starts_on} – {self.ends_on}"


class SegmentAssumption(models.Model):
    """What CLV needs per segment that the ledger does not hold: gross margin, churn, contract length."""

    segment = models.CharField(max_length=20, unique=True)
    gross_margin = models.DecimalField(max_digits=4, decimal_places=3,
                                       validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))])
    annual_churn = models.DecimalField(max_digits=4, decimal_places=3,
                                       validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))])
    contract_years = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1"),
                                         validators=[MinValueValidator(Decimal("0.01"))])
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.segment


class ReportSchedule(models.Model):
    """When a pack goes out, and to whom: set by the admin; the worker sends each period's pack once."""

    kind = models.CharField(max_length=10, choices=PackKind.choices, unique=True)
    enabled = models.BooleanField(default=True)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY,
                                               help_text="Weekly pack: the day it goes out.")
    day_of_month = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1),
                                                                           MaxValueValidator(28)],
                                                    help_text="Monthly and QBR packs: day of the month after.")
    hour_utc = models.PositiveSmallIntegerField(default=7, validators=[MaxValueValidator(23)])
    teams = models.JSONField(default=list, help_text='Teams whose members receive it, e.g. ["marketing", "sales"].')
    extra_recipients = models.TextField(blank=True, help_text="More addresses, one per line.")
    segment = models.CharField(max_length=20, blank=True, help_text="Only this segment (blank: all).")
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class PackDelivery(models.Model):
    """One pack generated for one period: its HTML and CSV tables, who it went to, and whether it went."""

    kind = models.CharField(max_length=10, choices=PackKind.choices)
    period = models.CharField(max_length=40, help_text="The period's label, e.g. 2026-W10, 2026-03, 2026-Q1.")
    segment = models.CharField(max_length=20, blank=True)
    html = models.TextField()
    csv = models.JSONField(default=dict, help_text="file name -> CSV text")
    recipients = models.JSONField(default=list)
    status = models.CharField(max_length=10, default="pending", help_text="pending, sent or failed")
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "period", "segment"], name="pack_once_per_period")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} ({self.status})"
