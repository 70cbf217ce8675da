"""Notifications over HTTP: your notifications, marking them read, channels per event, your webhook."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Body, Field, Router, Schema, Status

from tandem.notifications import selectors, services
from tandem.notifications.webhook import WebhookRefused
from tandem.people.models import User

router = Router(tags=["notifications"])


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class NotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    url: str
    lead_id: int | None
    created_at: datetime
    read_at: datetime | None


class ReadIn(Schema):
    ids: list[int] | None = Field(None, description="Which to mark read; all of yours when left out")


class ReadOut(Schema):
    marked: int


class WebhookIn(Schema):
    url: str = Field(..., max_length=500)
    private_allowed: bool | None = Field(None, description="Admins only: allow a private/loopback target")
    user_id: int | None = Field(None, description="Admins only: set another user's webhook")


class WebhookOut(Schema):
    user_id: int
    url: str
    secret: str
    private_allowed: bool
    updated_at: datetime


@router.get("", response=list[NotificationOut], summary="Your notifications, newest first")
def list_notifications(request: HttpRequest, unread: bool = False, limit: int = 100):
    return list(selectors.notifications_for(user=request.auth, unread=unread, limit=min(max(limit, 1), 500)))


@router.post("/read", response=ReadOut, summary="Mark your notifications read (all, or the ids given)")
def mark_read(request: HttpRequest, payload: ReadIn):
    return {"marked": services.notifications_mark_read(user=request.auth, ids=payload.ids)}


@router.get("/preferences", response=dict[str, dict[str, bool]],
            summary="Your channels per event: {event: {in_app, email, webhook}}")
def get_preferences(request: HttpRequest):
    return services.preferences_get(user=request.auth)


@router.put("/preferences", response=dict[str, dict[str, bool]], summary="Choose your channels per event")
def put_preferences(request: HttpRequest, payload: dict[str, dict[str, bool]] = Body(...)):
    return services.preferences_set(user=request.auth, choices=payload)


@router.get("/webhook", response={200: WebhookOut, 404: ErrorOut}, summary="Your webhook target and its secret")
def get_webhook(request: HttpRequest):
    target = selectors.webhook_target_for(user=request.auth)
    if target is None:
        return Status(404, {"detail": "no webhook set; PUT /notifications/webhook with a url", "field": "url"})
    return target


@router.put("/webhook", response={200: WebhookOut, 422: ErrorOut},
            summary="Point your (or, for admins, anyone's) webhook at a URL; private addresses need an admin")
def put_webhook(request: HttpRequest, payload: WebhookIn):
    user = request.auth
    if payload.user_id is not None and payload.user_id != request.auth.pk:
        if not request.auth.can("notification.allow_private"):
            raise PermissionDenied("only an admin may set another user's webhook")
        user = get_object_or_404(User, pk=payload.user_id)
    try:
        return services.webhook_target_set(user=user, url=payload.url, by=request.auth,
                                           private_allowed=payload.private_allowed)
    except WebhookRefused as exc:
        return Status(422, {"detail": str(exc), "field": "url"})
