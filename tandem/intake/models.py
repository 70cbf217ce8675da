from django.db import models

from tandem import clock


class KeyState(models.TextChoices):
    IN_FLIGHT = "in_flight", "In flight"
    DONE = "done", "Done"


class IdempotencyKey(models.Model):
    """A request sent with an Idempotency-Key header, and the response it got (IETF httpapi draft).

    `scope` is the client the key belongs to (an API token, a user, the webhook sender, or the
    public form's client address), so one client can never replay or block another's key. The
    unique (scope, key) is what makes the claim race-free: the loser of the insert sees the row.
    """

    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    state = models.CharField(max_length=10, choices=KeyState.choices, default=KeyState.IN_FLIGHT)
    claim = models.CharField(max_length=32, help_text="Random mark of the request that holds the key.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} ({self.state})"


class RateWindow(models.Model):
    """How many requests one client made in one fixed window. Incremented by an atomic UPSERT."""

    bucket = models.CharField(max_length=100, help_text="e.g. 'form:203.0.113.9'")
    window_start = models.BigIntegerField(help_text="Unix seconds at which the window opened.")
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket", "window_start"], name="rate_bucket_window_unique")]

    def __str__(self) -> str:
        return f"{self.bucket} @ {self.window_start}: {self.hits}"
