"""Notification pages: the inbox, the bell's count (polled by htmx), and channel preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.notifications import selectors, services
from tandem.notifications.choices import Channel, Event
from tandem.notifications.webhook import WebhookRefused


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    context = {"notifications": selectors.notifications_for(user=request.user),
               "unread": selectors.unread_count(user=request.user)}
    return render(request, "notifications/inbox.html", context)


@login_required
def bell(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/partials/bell.html", {"unread": selectors.unread_count(user=request.user)})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.notifications_mark_read(user=request.user, ids=ids)
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        choices = {e: {c: f"{e}:{c}" in request.POST for c in Channel.values} for e in Event.values}
        services.preferences_set(user=request.user, choices=choices)
        url = request.POST.get("webhook_url", "").strip()
        current = selectors.webhook_target_for(user=request.user)
        if url and (current is None or current.url != url):
            try:
                services.webhook_target_set(user=request.user, url=url, by=request.user)
            except (WebhookRefused, PermissionDenied) as exc:
                messages.error(request, f"Webhook not saved: {exc}")
        messages.success(request, "Preferences saved.")
        return redirect("notifications:preferences")
    chosen = services.preferences_get(user=request.user)
    rows = [{"event": e, "label": label, "channels": [(c, f"{e}:{c}", chosen[e][c]) for c in Channel.values]}
            for e, label in Event.choices]
    context = {"rows": rows, "channels": Channel.choices, "webhook": selectors.webhook_target_for(user=request.user),
               "email_ready": services.email_configured(), "email": request.user.email}
    return render(request, "notifications/preferences.html", context)
