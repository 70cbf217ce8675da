"""Shared fixtures: one user per role, tokens, and small factories that go through the services."""

from __future__ import annotations

import itertools
import os

import pytest

from tandem.core.roles import ROLE_TEAM, ROLES

_seq = itertools.count(1)


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    return f"database: {'postgresql' if url.startswith('postgres') else 'sqlite (embedded)'}"


@pytest.fixture(autouse=True)
def _no_fixed_clock(monkeypatch):
    monkeypatch.delenv("TANDEM_NOW", raising=False)
    monkeypatch.delenv("TANDEM_NOW_SHIFT", raising=False)


@pytest.fixture(autouse=True)
def _import_files_in_tmp(settings, tmp_path_factory):
    """Uploaded import files go to a temporary directory, never into the working tree."""
    settings.TANDEM_IMPORT_DIR = str(tmp_path_factory.getbasetemp() / "imports")


@pytest.fixture
def make_user(db):
    from tandem.people.services import user_create

    def make(role: str = "marketing", **extra):
        n = next(_seq)
        return user_create(username=extra.pop("username", f"{role}{n}"), password="pw-long-enough-123", role=role,
                           team=extra.pop("team", ROLE_TEAM[role]), **extra)

    return make


@pytest.fixture
def users(make_user):
    return {role: make_user(role) for role in ROLES}


@pytest.fixture
def make_account(db):
    from tandem.accounts.services import account_create

    def make(**values):
        n = next(_seq)
        values.setdefault("name", f"Acme {n}")
        values.setdefault("domain", f"acme{n}.example")
        values.setdefault("employees", 250)
        values.setdefault("country", "DE")
        return account_create(by=None, **values)

    return make


@pytest.fixture
def make_lead(db, make_account):
    """A lead created through lead_create, optionally walked to `stage` through legal moves."""
    from tandem.leads.models import Lead
    from tandem.leads.services import LeadData, lead_create

    def make(stage: str = "inquiry", *, by=None, **fields):
        n = next(_seq)
        account = fields.pop("account", None) or make_account()
        data = LeadData(email=fields.pop("email", f"person{n}@example.com"), first_name="Pat", last_name=f"Lee{n}",
                        title="CTO", phone="+49 30 1234567", account_id=account.pk, country="DE", **fields)
        lead = lead_create(data=data, by=by)
        if stage != "inquiry":
            walk_to(lead, stage)
            lead = Lead.objects.get(pk=lead.pk)
        return lead

    return make


_ORDER = ["inquiry", "aql", "mql", "tal", "tql", "sal", "sql"]
#: who performs each manual step of the walk
_MANUAL = {"tal": "sdr", "tql": "sdr", "sal": "sales", "sql": "sales"}


def walk_to(lead, stage: str) -> None:
    """Move a fresh lead to `stage` with legal moves (score set so the automatic steps stop where wanted)."""
    from tandem.leads.models import Lead
    from tandem.leads.services import lead_advance_stage, lead_auto_advance
    from tandem.people.services import user_create

    Lead.objects.filter(pk=lead.pk).update(score=35 if stage == "aql" else 80)
    lead.refresh_from_db()
    lead_auto_advance(lead=lead)
    lead.refresh_from_db()
    for target in _ORDER[_ORDER.index(lead.stage) + 1: _ORDER.index(stage) + 1]:
        role = _MANUAL[target]
        actor = user_create(username=f"walker-{role}-{next(_seq)}", password="pw-long-enough-123", role=role)
        lead_advance_stage(lead=lead, to_stage=target, by=actor)
        lead.refresh_from_db()
    assert lead.stage == stage, lead.stage


@pytest.fixture
def tokens(users):
    from tandem.people.services import api_token_create

    return {role: {scope: api_token_create(user=user, name=f"{role}-{scope}", scope=scope).secret
                   for scope in (("read", "write") if role != "readonly" else ("read",))}
            for role, user in users.items()}


@pytest.fixture
def api(client):
    """Call the API with a bearer token: api("GET", "/leads", token, json=...)."""
    import json as _json

    def call(method: str, path: str, token: str | None, *, json=None, query=None, files=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        url = "/api/v1" + path
        if files is not None:  # a multipart upload: form fields from json, files as {name: (filename, bytes)}
            from django.core.files.uploadedfile import SimpleUploadedFile

            uploads = {name: SimpleUploadedFile(filename, content) for name, (filename, content) in files.items()}
            return client.post(url, {**(json or {}), **uploads}, **headers)
        if method == "GET":
            return client.get(url, query or {}, **headers)
        body = _json.dumps(json if json is not None else {})
        return client.generic(method, url, body, content_type="application/json", **headers)

    return call
