"""Notifying people: the in-app record, and deliveries by email and webhook with retries and backoff.

`notify` is the one entry point. It records the notification once per `key` (a repeat is
ignored), then queues a delivery for each outside channel the user chose for the event. A
delivery is attempted by a task; a failed attempt is retried after 30 s, 1, 2, 4 and 8 minutes,
then given up. Attempts are claimed with a conditional update, so a re-enqueued task and the
periodic retry job never send the same attempt twice.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F

from tandem import clock
from tandem.audit.services import audit_record
from tandem.notifications import webhook
from tandem.notifications.choices import DEFAULTS, Channel, DeliveryStatus, Event
from tandem.notifications.models import Delivery, Notification, Preference, WebhookTarget

MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(seconds=30)
LEASE = timedelta(minutes=2)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failures: 30 s, 1, 2, 4, 8 minutes."""
    return FIRST_BACKOFF * (2 ** max(attempts - 1, 0))


def channels_for(user: Any, event: str) -> dict[str, bool]:
    """The user's choice per channel for `event` (their saved preference, else the default)."""
    chosen = {c: DEFAULTS[c][event] for c in Channel.values}
    chosen.update(dict(Preference.objects.filter(user=user, event=event).values_list("channel", "enabled")))
    return chosen


def email_configured() -> bool:
    return bool(getattr(settings, "TANDEM_EMAIL_ENABLED", False))


def notify(*, user: Any, event: str, title: str, body: str = "", url: str = "", lead: Any = None,
           lead_id: int | None = None, key: str = "") -> Notification | None:
    """Record a notification for `user` and queue its deliveries; None if `key` was notified already."""
    if event not in Event.values:
        raise ValueError(f"event: must be one of {', '.join(Event.values)}")
    chosen = channels_for(user, event)
    note = Notification(user=user, event=event, title=title[:200], body=body, url=url[:300],
                        lead_id=lead.pk if lead is not None else lead_id, key=key[:120],
                        in_app=chosen[Channel.IN_APP], created_at=clock.now())
    if key:  # once per key: a repeat is refused by the unique constraint
        try:
            with transaction.atomic():
                note.save(force_insert=True)
        except IntegrityError:
            return None
    else:
        note.save(force_insert=True)
    outside = []
    if chosen[Channel.EMAIL] and user.email and email_configured():
        outside.append(Channel.EMAIL)
    if chosen[Channel.WEBHOOK] and WebhookTarget.objects.filter(user=user).exists():
        outside.append(Channel.WEBHOOK)
    for channel in outside:
        delivery = Delivery.objects.create(notification=note, channel=channel, next_attempt_at=clock.now())
        transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))
    return note


def _enqueue(delivery_id: int, run_after=None) -> None:
    from django_tasks import default_task_backend

    from tandem.notifications.tasks import deliver

    task = deliver
    if run_after is not None:
        if not default_task_backend.supports_defer:
            return  # the periodic retry job will pick it up when due
        task = deliver.using(run_after=run_after)
    task.enqueue(delivery_id)


def _claim(delivery_id: int) -> Delivery | None:
    now = clock.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    return Delivery.objects.select_related("notification__user").get(pk=delivery_id) if claimed else None


def _send(delivery: Delivery) -> None:
    note = delivery.notification
    link = f"{settings.TANDEM_BASE_URL.rstrip('/')}{note.url}" if note.url else ""
    if delivery.channel == Channel.EMAIL:
        send_mail(f"[Tandem] {note.title}", "\n\n".join(p for p in (note.body, link) if p),
                  settings.DEFAULT_FROM_EMAIL, [note.user.email])
        return
    target = WebhookTarget.objects.get(user=note.user)
    payload = {"text": f"*{note.title}*\n{note.body}" + (f"\n<{link}|Open in Tandem>" if link else ""),
               "tandem": {"event": note.event, "title": note.title, "url": link, "lead_id": note.lead_id,
                          "notification_id": note.pk}}
    status = webhook.post(target.url, payload, secret=target.secret, timestamp=int(clock.now().timestamp()),
                          allow_private=target.private_allowed)
    if not 200 <= status < 300:
        raise OSError(f"the webhook answered HTTP {status}")


def delivery_attempt(*, delivery_id: int) -> str | None:
    """Try one delivery if it is due and not claimed; record the outcome. Returns the new status."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    try:
        _send(delivery)
    except webhook.WebhookRefused as exc:
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.REFUSED, last_error=str(exc)[:300])
        return DeliveryStatus.REFUSED
    except Exception as exc:  # noqa: BLE001 - any failure to send is retried, and its message kept
        if delivery.attempts >= MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, last_error=str(exc)[:300])
            return DeliveryStatus.FAILED
        retry_at = clock.now() + backoff(delivery.attempts)
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=retry_at, last_error=str(exc)[:300])
        _enqueue(delivery.pk, run_after=retry_at)
        return DeliveryStatus.PENDING
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT, sent_at=clock.now(), last_error="")
    return DeliveryStatus.SENT


def deliveries_retry_due() -> int:
    """Attempt every pending delivery whose time has come (after a restart, or where tasks cannot wait)."""
    due = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now())
               .values_list("pk", flat=True)[:500])
    for pk in due:
        delivery_attempt(delivery_id=pk)
    return len(due)


@transaction.atomic
def preferences_set(*, user: Any, choices: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
    """Save the user's channel per event: {event: {channel: on}}. Unknown names are refused."""
    for event, per_channel in choices.items():
        if event not in Event.values:
            raise ValueError(f"{event}: not an event (use {', '.join(Event.values)})")
        for channel, enabled in per_channel.items():
            if channel not in Channel.values:
                raise ValueError(f"{event}.{channel}: not a channel (use {', '.join(Channel.values)})")
            Preference.objects.update_or_create(user=user, event=event, channel=channel,
                                                defaults={"enabled": bool(enabled)})
    audit_record(actor=user, action="notification.preferences", obj=user, changes={"preferences": [None, choices]})
    return preferences_get(user=user)


def preferences_get(*, user: Any) -> dict[str, dict[str, bool]]:
    return {event: channels_for(user, event) for event in Event.values}


@transaction.atomic
def webhook_target_set(*, user: Any, url: str, by: Any, private_allowed: bool | None = None) -> WebhookTarget:
    """Point the user's webhook at `url` (checked now; a fresh secret on a new URL). Only an admin may allow
    private addresses."""
    if private_allowed and not by.can("notification.allow_private"):
        raise PermissionDenied("only an admin may allow a webhook to a private, loopback or link-local address")
    current = WebhookTarget.objects.filter(user=user).first()
    allowed = private_allowed if private_allowed is not None else bool(current and current.private_allowed)
    webhook.check_target(url, allow_private=allowed)
    secret = current.secret if current and current.url == url else "whsec_" + secrets.token_urlsafe(24)
    target, _ = WebhookTarget.objects.update_or_create(user=user, defaults={
        "url": url, "secret": secret, "private_allowed": allowed, "updated_at": clock.now(),
        "allowed_by": by if allowed and private_allowed else (current.allowed_by if current else None)})
    audit_record(actor=by, action="notification.webhook_set", obj=target,
                 changes={"url": [current.url if current else None, url], "private_allowed": [None, allowed]})
    return target


def notifications_mark_read(*, user: Any, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=clock.now())
