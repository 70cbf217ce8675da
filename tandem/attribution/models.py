from django.db import models

from tandem import clock


class AttributionCache(models.Model):
    """One computed attribution report, kept until the ledger under it changes.

    `key` digests the query (level, dimension, period, segment, models and their parameters);
    `fingerprint` digests the other ledger rows the report was computed from (see
    tandem.attribution.selectors.ledger_fingerprint) and `touch_mark` is the highest touchpoint id
    then: a read whose fingerprint differs, or that finds a newer touchpoint in the window,
    computes again; tandem.attribution.services.attribution_invalidate deletes the rows whose
    window [window_start, period_end) covers a changed day. `payload` is the report's JSON text, served
    as it is by the API and the CLI.
    """

    key = models.CharField(max_length=40, unique=True)
    level = models.CharField(max_length=10)
    dimension = models.CharField(max_length=10)
    segment = models.CharField(max_length=20, blank=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(help_text="Exclusive.")
    window_start = models.DateTimeField(help_text="The oldest touch that can be on a journey: start − look-back.")
    params = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64)
    touch_mark = models.BigIntegerField(default=0, help_text="The highest touchpoint id when it was computed.")
    payload = models.TextField()
    computed_at = models.DateTimeField(default=clock.now)
    compute_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["window_start", "period_end"], name="attribution_cache_window_idx"),
                   models.Index(fields=["computed_at"], name="attribution_cache_age_idx")]

    def __str__(self) -> str:
        return f"{self.level} by {self.dimension}, {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"
