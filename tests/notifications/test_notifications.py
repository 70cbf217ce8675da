"""Notifications: in Tandem once per event, by email through a real SMTP server, and by a signed webhook
that refuses private targets and retries with backoff. Each user picks channels per event."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from tandem import clock
from tandem.notifications import services, webhook
from tandem.notifications.models import Delivery, Notification, WebhookTarget
from tandem.notifications.services import backoff, deliveries_retry_due, notify

pytestmark = pytest.mark.django_db


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd), with Django's SMTP backend pointed at it."""
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.TANDEM_EMAIL_ENABLED = True
    yield inbox
    controller.stop()


class Hook(BaseHTTPRequestHandler):
    replies: list[int] = []
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(Hook.replies.pop(0) if Hook.replies else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server(monkeypatch):
    """A webhook receiver on loopback; the name hooks.test resolves to it through a stubbed resolver."""
    Hook.replies, Hook.received = [], []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(webhook, "resolve", lambda host, port: ["127.0.0.1"] if host == "hooks.test" else [])
    yield f"http://hooks.test:{server.server_address[1]}/services/T0/B0"
    server.shutdown()


def test_a_notification_with_the_same_key_is_recorded_once(users):
    first = notify(user=users["sdr"], event="sla_breach", title="Late", key="sla_breach:1")
    again = notify(user=users["sdr"], event="sla_breach", title="Late", key="sla_breach:1")
    assert first is not None and again is None
    assert Notification.objects.filter(user=users["sdr"]).count() == 1


def test_each_user_chooses_channels_per_event(api, tokens, users):
    prefs = api("GET", "/notifications/preferences", tokens["sdr"]["read"]).json()
    assert prefs["sla_breach"] == {"in_app": True, "email": True, "webhook": False}
    reply = api("PUT", "/notifications/preferences", tokens["sdr"]["write"],
                json={"handoff": {"in_app": False}, "sla_warning": {"email": True}})
    assert reply.status_code == 200
    assert reply.json()["handoff"]["in_app"] is False and reply.json()["sla_warning"]["email"] is True
    notify(user=users["sdr"], event="handoff", title="New lead")
    assert api("GET", "/notifications", tokens["sdr"]["read"]).json() == []  # not shown in Tandem
    bad = api("PUT", "/notifications/preferences", tokens["sdr"]["write"], json={"lunch": {"email": True}})
    assert bad.status_code == 422


def test_email_goes_out_through_a_real_smtp_server(users, smtp_server, django_capture_on_commit_callbacks):
    users["sdr"].email = "sven@example.com"
    users["sdr"].save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=users["sdr"], event="sla_breach", title="SLA breached: first touch", body="Due 13:00",
               url="/leads/1/", key="b1")
    assert [m["Subject"] for m in smtp_server.messages] == ["[Tandem] SLA breached: first touch"]
    assert smtp_server.messages[0]["To"] == "sven@example.com"
    assert "/leads/1/" in smtp_server.messages[0].get_payload()
    assert Delivery.objects.get().status == "sent"


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.10", "127.0.0.1", "169.254.169.254", "::1",
                                     "fe80::1", "::ffff:127.0.0.1", "100.64.0.1", "0.0.0.0"])
def test_a_webhook_resolving_to_a_private_loopback_or_link_local_address_is_refused(
        api, tokens, monkeypatch, address):
    monkeypatch.setattr(webhook, "resolve", lambda host, port: [address])
    reply = api("PUT", "/notifications/webhook", tokens["sdr"]["write"], json={"url": "https://hooks.example.com/x"})
    assert reply.status_code == 422
    assert address in reply.json()["detail"] and "admin" in reply.json()["detail"]
    assert not WebhookTarget.objects.exists()


def test_a_public_address_is_accepted_and_only_an_admin_may_allow_a_private_one(api, tokens, users, monkeypatch):
    monkeypatch.setattr(webhook, "resolve", lambda host, port: ["93.184.216.34"] if "public" in host else ["10.0.0.9"])
    ok = api("PUT", "/notifications/webhook", tokens["sdr"]["write"], json={"url": "https://public.example/hook"})
    assert ok.status_code == 200 and ok.json()["secret"].startswith("whsec_")
    inside = {"url": "http://chat.internal/hook", "private_allowed": True}
    assert api("PUT", "/notifications/webhook", tokens["sdr"]["write"], json=inside).status_code == 403
    allowed = api("PUT", "/notifications/webhook", tokens["admin"]["write"],
                  json={**inside, "user_id": users["sdr"].pk})
    assert allowed.status_code == 200 and allowed.json()["private_allowed"] is True


def test_a_webhook_is_signed_with_hmac_and_retried_with_backoff(users, hook_server, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    target = services.webhook_target_set(user=users["sdr"], url=hook_server, by=users["admin"], private_allowed=True)
    services.preferences_set(user=users["sdr"], choices={"sla_breach": {"webhook": True}})
    Hook.replies = [500]  # the first attempt fails
    start = clock.now()
    monkeypatch.setenv("TANDEM_NOW", start.isoformat())
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=users["sdr"], event="sla_breach", title="SLA breached", key="w1")
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("pending", 1, start + timedelta(seconds=30))
    assert "HTTP 500" in delivery.last_error
    monkeypatch.setenv("TANDEM_NOW", (start + timedelta(seconds=29)).isoformat())
    assert deliveries_retry_due() == 0
    monkeypatch.setenv("TANDEM_NOW", (start + timedelta(seconds=30)).isoformat())
    assert deliveries_retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    headers, body = Hook.received[-1]
    expected = hmac.new(target.secret.encode(), f"{headers['x-tandem-timestamp']}.".encode() + body,
                        hashlib.sha256).hexdigest()
    assert headers["x-tandem-signature"] == f"v1={expected}"
    assert headers["host"].startswith("hooks.test")
    assert json.loads(body)["text"].startswith("*SLA breached*")


def test_a_failed_delivery_is_re_enqueued_to_run_after_its_backoff_where_the_backend_can_wait(
        users, hook_server, settings, django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    services.webhook_target_set(user=users["sdr"], url=hook_server, by=users["admin"], private_allowed=True)
    services.preferences_set(user=users["sdr"], choices={"handoff": {"webhook": True}})
    Hook.replies = [503]
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=users["sdr"], event="handoff", title="New lead", key="h1")
    first = default_task_backend.results[-1]
    services.delivery_attempt(delivery_id=first.args[0])
    retry = default_task_backend.results[-1]
    delivery = Delivery.objects.get()
    assert retry.task.run_after == delivery.next_attempt_at
    assert retry.task.name == "deliver" and retry.args == [delivery.pk]


def test_backoff_doubles_and_a_delivery_is_given_up_after_six_attempts(users, hook_server, monkeypatch):
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    services.webhook_target_set(user=users["sdr"], url=hook_server, by=users["admin"], private_allowed=True)
    services.preferences_set(user=users["sdr"], choices={"handoff": {"webhook": True}})
    notify(user=users["sdr"], event="handoff", title="New lead", key="h2")
    Hook.replies = [500] * 10
    at = clock.now()
    for _ in range(6):
        at += timedelta(hours=1)
        monkeypatch.setenv("TANDEM_NOW", at.isoformat())
        deliveries_retry_due()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 6)


def test_a_target_that_resolves_privately_at_send_time_is_refused_not_retried(users, monkeypatch):
    monkeypatch.setattr(webhook, "resolve", lambda host, port: ["93.184.216.34"])
    services.webhook_target_set(user=users["sdr"], url="https://hooks.example.com/x", by=users["sdr"])
    services.preferences_set(user=users["sdr"], choices={"handoff": {"webhook": True}})
    monkeypatch.setattr(webhook, "resolve", lambda host, port: ["10.0.0.1"])  # the DNS answer changed
    notify(user=users["sdr"], event="handoff", title="New lead", key="h3")
    assert deliveries_retry_due() == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "refused" and "private" in delivery.last_error
