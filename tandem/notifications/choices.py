from django.db import models


class Event(models.TextChoices):
    HANDOFF = "handoff", "Hand-off received (a lead routed to you)"
    SLA_WARNING = "sla_warning", "SLA warning (a deadline is near)"
    SLA_BREACH = "sla_breach", "SLA breach (yours, or your team's)"
    ASSIGNMENT = "assignment", "Assignment (a lead given to you otherwise)"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In Tandem"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Slack-compatible webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"
    REFUSED = "refused", "Refused (target not allowed)"


#: What a user gets before choosing: everything in Tandem, breaches by email, nothing by webhook.
DEFAULTS = {
    Channel.IN_APP: {e: True for e in Event.values},
    Channel.EMAIL: {Event.HANDOFF: False, Event.SLA_WARNING: False, Event.SLA_BREACH: True, Event.ASSIGNMENT: False},
    Channel.WEBHOOK: {e: False for e in Event.values},
}
