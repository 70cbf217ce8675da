"""Reads of notifications: a user's list and unread count."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tandem.notifications.models import Notification, WebhookTarget


def notifications_for(*, user: Any, unread: bool = False, limit: int = 100) -> QuerySet[Notification]:
    rows = Notification.objects.filter(user=user, in_app=True).select_related("lead")
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")[:limit]


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def webhook_target_for(*, user: Any) -> WebhookTarget | None:
    return WebhookTarget.objects.filter(user=user).first()
