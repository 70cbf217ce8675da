"""Front-door fixtures: a configured webhook secret and a signed-delivery client."""

from __future__ import annotations

import json

import pytest

SECRET = "whsec-test-0123456789"


@pytest.fixture(autouse=True)
def _front_door(settings):
    settings.TANDEM_WEBHOOK_SECRETS = [SECRET]
    settings.TANDEM_INTAKE_RATE_LIMIT = "50/10"
    settings.TANDEM_TRUSTED_PROXIES = []
    settings.TANDEM_INTAKE_ORIGINS = ["https://www.example.com"]
    settings.TANDEM_INTAKE_THANK_YOU_URL = ""


@pytest.fixture
def deliver(client):
    """POST a signed webhook delivery: deliver({...}, key=None, secret=SECRET, at=None, headers={})."""
    from tandem import clock
    from tandem.intake.signatures import sign

    def send(payload, *, key=None, secret=SECRET, at=None, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        stamp = int((at or clock.now()).timestamp())
        extra = {"HTTP_X_TANDEM_SIGNATURE": sign(secret, body, stamp)} if secret else {}
        if key:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        extra.update(headers or {})
        return client.generic("POST", "/api/v1/intake/webhook", body, content_type="application/json", **extra)

    return send


@pytest.fixture
def post_form(client):
    """POST the public form, as a browser (form-encoded) or a script (json=True)."""

    def send(fields, *, as_json=False, key=None, **headers):
        extra = dict(headers)
        if key:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        if as_json:
            return client.generic("POST", "/api/v1/intake/form", json.dumps(fields),
                                  content_type="application/json", **extra)
        return client.post("/api/v1/intake/form", fields, **extra)

    return send
