from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem import clock
from tandem.notifications.choices import Channel, DeliveryStatus, Event


class Notification(models.Model):
    """Something a user should know. `key` makes it happen once (the same breach never notifies twice)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=20, choices=Event.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120, blank=True)
    in_app = models.BooleanField(default=True, help_text="Shown in the bell (the user's choice for this event).")
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""),
                                               name="notification_once")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.event} for {self.user_id}: {self.title}"


class Preference(models.Model):
    """A user's choice for one event on one channel (no row = the default in choices.DEFAULTS)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    event = models.CharField(max_length=20, choices=Event.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    enabled = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event", "channel"], name="preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event}/{self.channel}: {self.enabled}"


class WebhookTarget(models.Model):
    """Where a user's webhook notifications go (Slack incoming webhook or compatible), signed with `secret`.

    Targets that resolve to private, loopback or link-local addresses are refused unless an admin
    set `private_allowed`.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_target")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    private_allowed = models.BooleanField(default=False)
    allowed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"webhook of {self.user_id}"


class Delivery(models.Model):
    """One notification sent on one outside channel, retried with backoff until sent or given up."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["next_attempt_at"], name="delivery_due_idx",
                                condition=Q(status="pending"))]

    def __str__(self) -> str:
        return f"{self.channel} delivery of {self.notification_id}: {self.status}"
