"""The contract: every API operation, called by every role, gives the outcome the role matrix promises.

Columns are the roles in this order: marketing, sdr, sales, manager, admin, readonly.
Each role calls with its write token (read-only users hold read tokens only, so every
unsafe request of theirs is refused for scope before their role is even considered).
A lead in MQL or TAL waits in tele-qualification's queue, so Sales cannot see it (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tandem.core.roles import ROLES


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # with {placeholders} filled from the scenario
    expected: tuple[int, int, int, int, int, int]
    body: Any = None
    query: Any = None
    public: bool = False  # the front door: answers without a token (the form) or wants a signature (webhook)
    files: Any = None  # {field: (filename, bytes)}: a multipart upload


def _lead_body(ctx):
    return {"email": f"new-{ctx['role']}@example.com", "first_name": "New", "last_name": "Lead"}


OPS = [
    Op("GET", "/leads", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/leads", (201, 201, 201, 201, 201, 403), body=_lead_body),
    Op("GET", "/leads/{mql}", (200, 200, 404, 200, 200, 200)),
    Op("PATCH", "/leads/{mql}", (200, 200, 404, 200, 200, 403), body=lambda c: {"version": c["mql_version"],
                                                                                 "title": "Head of IT"}),
    Op("POST", "/leads/{mql}/moves", (403, 201, 404, 201, 201, 403),
       body=lambda c: {"to_stage": "tal", "version": c["mql_version"]}),
    Op("POST", "/leads/{mql}/accept", (403, 201, 404, 201, 201, 403), body=lambda c: {"version": c["mql_version"]}),
    Op("POST", "/leads/{mql}/reject", (403, 201, 404, 201, 201, 403),
       body=lambda c: {"version": c["mql_version"], "reason_code": "not_ready"}),
    Op("POST", "/leads/{tal}/recycle", (403, 201, 404, 201, 201, 403),
       body=lambda c: {"version": c["tal_version"], "reason_code": "no_budget"}),
    Op("POST", "/leads/{mql}/disqualify", (403, 201, 404, 201, 201, 403),
       body=lambda c: {"version": c["mql_version"], "reason_code": "student_or_job"}),
    Op("GET", "/leads/{mql}/stage-history", (200, 200, 404, 200, 200, 200)),
    Op("GET", "/leads/{mql}/timeline", (200, 200, 404, 200, 200, 200)),
    Op("POST", "/leads/{mql}/notes", (201, 201, 404, 201, 201, 403), body={"body": "Called, left a message."}),
    Op("GET", "/accounts", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/accounts", (201, 201, 201, 201, 201, 403), body=lambda c: {"name": f"Globex {c['role']}"}),
    Op("GET", "/accounts/{account}", (200, 200, 200, 200, 200, 200)),
    Op("PATCH", "/accounts/{account}", (200, 200, 200, 200, 200, 403), body={"version": 1, "industry": "Energy"}),
    Op("GET", "/opportunities", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/opportunities", (403, 403, 201, 201, 201, 403),
       body=lambda c: {"account_id": c["account"], "name": "Pilot", "amount": "12000.50", "currency": "EUR"}),
    Op("GET", "/opportunities/{opportunity}", (200, 200, 200, 200, 200, 200)),
    Op("PATCH", "/opportunities/{opportunity}", (403, 403, 200, 200, 200, 403), body={"version": 1, "amount": "9.99"}),
    Op("POST", "/opportunities/{opportunity}/win", (403, 403, 200, 200, 200, 403),
       body={"version": 1, "reason_code": "won_value"}),
    Op("POST", "/opportunities/{opportunity}/lose", (403, 403, 200, 200, 200, 403),
       body={"version": 1, "reason_code": "lost_price"}),
    Op("GET", "/taxonomy", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/taxonomy/versions", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/taxonomy/versions/1", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/taxonomy/export", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/taxonomy/import", (403, 403, 403, 403, 201, 403), body=lambda c: {"document": c["changed_doc"]}),
    Op("GET", "/audit", (403, 403, 403, 200, 200, 403)),
    Op("GET", "/me", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/tokens", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/tokens", (201, 201, 201, 201, 201, 403), body={"name": "zapier", "scope": "read"}),
    Op("POST", "/tokens/{own_token}/revoke", (200, 200, 200, 200, 200, 403)),
    Op("POST", "/touchpoints/batch", (200, 200, 200, 200, 200, 403),
       body=lambda c: {"items": [{"lead_id": c["mql"], "channel": "call"}]}),
    Op("GET", "/touchpoints", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/intake/form", (201, 201, 201, 201, 201, 201), public=True,
       body=lambda c: {"email": f"visitor-{c['role']}@example.com", "first_name": "Vi"}),
    Op("OPTIONS", "/intake/form", (204, 204, 204, 204, 204, 204), public=True),
    Op("POST", "/intake/webhook", (401, 401, 401, 401, 401, 401), public=True,  # a token is not a signature
       body={"email": "crm@example.com"}),
    Op("GET", "/identity/duplicates", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/identity/duplicates/accounts", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/identity/leads/merge", (200, 403, 403, 200, 200, 403),
       body=lambda c: {"survivor_id": c["mql"], "loser_id": c["tal"], "survivor_version": c["mql_version"],
                       "loser_version": c["tal_version"]}),
    Op("POST", "/identity/accounts/merge", (200, 403, 403, 200, 200, 403),
       body=lambda c: {"survivor_id": c["account"], "loser_id": c["other_account"], "survivor_version": 1,
                       "loser_version": 1}),
    Op("GET", "/identity/leads/{mql}/resolve", (200, 200, 404, 200, 200, 200)),
    # scoring, routing, SLA and notifications (issue 4)
    Op("GET", "/scoring/rules", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/scoring/rules/versions", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/scoring/rules/versions/1", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/scoring/rules/export", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/scoring/rules/import", (403, 403, 403, 403, 201, 403),
       body={"document": {"half_life_days": 14, "fit": [{"id": "vp", "field": "title", "op": "contains",
                                                          "value": "VP", "points": 10}]}}),
    Op("GET", "/scoring/leads/{mql}", (200, 200, 404, 200, 200, 200)),
    Op("POST", "/scoring/recompute", (403, 403, 403, 403, 202, 403)),
    Op("GET", "/scoring/predictive", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/scoring/predictive/train", (403, 403, 403, 422, 422, 403), body={"target": "accepted"}),
    Op("GET", "/routing/policies", (200, 200, 200, 200, 200, 200)),
    Op("PUT", "/routing/policies/mql", (403, 403, 403, 200, 200, 403),
       body={"team": "tele", "rules": [{"id": "all", "kind": "default", "queue": "tele"}]}),
    Op("GET", "/routing/queues", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/routing/queues", (403, 403, 403, 201, 201, 403),
       body=lambda c: {"key": f"q-{c['role']}", "name": "Overflow", "team": "sales"}),
    Op("PUT", "/routing/queues/tele/members", (403, 403, 403, 200, 200, 403), body={"members": []}),
    Op("GET", "/routing/leads/{mql}", (200, 200, 404, 200, 200, 200)),
    Op("GET", "/sla/policies", (200, 200, 200, 200, 200, 200)),
    Op("PATCH", "/sla/policies/mql_first_touch", (403, 403, 403, 200, 200, 403),
       body={"version": 1, "duration_minutes": 300}),
    Op("GET", "/sla/calendars", (200, 200, 200, 200, 200, 200)),
    Op("PUT", "/sla/calendars/tele-hours", (403, 403, 403, 200, 200, 403),
       body={"name": "Tele", "timezone": "Europe/Berlin", "hours": {"mon": ["08:00-18:00"]}, "team": "tele"}),
    Op("GET", "/sla/timers", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/sla/breaches", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/sla/commitments", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/sla/commitments", (201, 403, 403, 201, 201, 403), body={"month": "2026-03", "target_mqls": 40}),
    Op("GET", "/sla/compliance", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/notifications", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/notifications/read", (200, 200, 200, 200, 200, 403), body={}),
    Op("GET", "/notifications/preferences", (200, 200, 200, 200, 200, 200)),
    Op("PUT", "/notifications/preferences", (200, 200, 200, 200, 200, 403), body={"handoff": {"email": True}}),
    Op("GET", "/notifications/webhook", (404, 404, 404, 404, 404, 404)),
    Op("PUT", "/notifications/webhook", (200, 200, 200, 200, 200, 403), body={"url": "https://93.184.216.34/hook"}),
]


IMPORT_CSV = b"email,first_name,last_name,created_at\nnew-import@example.com,New,Import,2024-01-05T10:00:00Z\n"

OPS += [
    Op("GET", "/campaigns", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/campaigns", (201, 403, 403, 201, 201, 403),
       body=lambda c: {"name": f"Spring webinar {c['role']}", "type": "webinar", "channel": "webinar",
                       "budget": "5000.00", "goal_leads": 100}),
    Op("GET", "/campaigns/export.csv", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/campaigns/{campaign}", (200, 200, 200, 200, 200, 200)),
    Op("PATCH", "/campaigns/{campaign}", (200, 403, 403, 200, 200, 403), body={"version": 1, "actual_cost": "1500.00"}),
    Op("DELETE", "/campaigns/{campaign}", (204, 403, 403, 204, 204, 403), body={"version": 1}),
    Op("GET", "/campaigns/{campaign}/results", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/leads/export.csv", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/accounts/export.csv", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/opportunities/export.csv", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/touchpoints/export.csv", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/imports", (202, 403, 403, 202, 202, 403), body={"kind": "leads"},
       files={"file": ("leads.csv", IMPORT_CSV)}),
    Op("GET", "/imports", (200, 403, 403, 200, 200, 403)),
    Op("GET", "/imports/{import_job}", (200, 403, 403, 200, 200, 403)),
    Op("GET", "/imports/{import_job}/issues", (200, 403, 403, 200, 200, 403)),
    Op("POST", "/imports/{import_job}/resume", (202, 403, 403, 202, 202, 403)),
]

# shared goals, reports and the rollups (issue 6): every role sees every figure; admins configure
_REPORT_QUERY = "?period=2026-Q1"
OPS += [
    *[Op("GET", f"/reports/{name}{_REPORT_QUERY}", (200, 200, 200, 200, 200, 200))
      for name in ("funnel", "conversion", "time-in-stage", "velocity", "coverage", "sourcing", "sla", "reasons",
                   "economics", "attribution", "goals")],
    Op("GET", "/reports/records?metric=funnel_entrants&stage=mql&period=2026-Q1", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/reports/definitions", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/reports/rollups", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/reports/rollups/update", (403, 403, 403, 403, 200, 403)),
    Op("POST", "/reports/rollups/rebuild", (403, 403, 403, 403, 200, 403)),
    Op("POST", "/reports/rollups/undo", (403, 403, 403, 403, 200, 403)),
    Op("GET", "/reports/schedules", (200, 200, 200, 200, 200, 200)),
    Op("PATCH", "/reports/schedules/weekly", (403, 403, 403, 403, 200, 403), body={"enabled": False}),
    Op("GET", "/reports/packs", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/reports/packs/weekly", (403, 403, 403, 403, 201, 403), body={"period": "2026-W10"}),
    Op("GET", "/reports/packs/{pack}/html", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/goals", (200, 200, 200, 200, 200, 200)),
    Op("POST", "/goals", (403, 403, 403, 201, 201, 403),
       body=lambda c: {"period": {"manager": "2031-Q1", "admin": "2031-Q2"}.get(c["role"], "2031-Q3"),
                       "target": "250000.00"}),
    Op("GET", "/goals/{goal}", (200, 200, 200, 200, 200, 200)),
    Op("PATCH", "/goals/{goal}", (403, 403, 403, 200, 200, 403), body={"version": 1, "target": "300000.00"}),
    Op("POST", "/goals/{goal}/agree", (200, 403, 200, 200, 200, 403),
       body=lambda c: {"side": "sales" if c["role"] == "sales" else "marketing"}),
    Op("GET", "/goals/{goal}/plan", (200, 200, 200, 200, 200, 200)),
    Op("GET", "/goals/{goal}/history", (200, 200, 200, 200, 200, 200)),
    # no deal was won in the look-back of this tiny company, so no plan can be made: 422 says why
    Op("POST", "/goals/{goal}/commit-mqls", (422, 403, 403, 422, 422, 403)),
]

# multi-touch attribution (issue 5): every role sees every level, dimension and model
OPS += [
    Op("GET", "/attribution?period=2026-Q1&level=pipeline&dimension=campaign", (200, 200, 200, 200, 200, 200)),
]


def _template(op: Op) -> str:
    names = {"{mql}": "{lead_id}", "{tal}": "{lead_id}", "{account}": "{account_id}",
             "{opportunity}": "{opportunity_id}", "{own_token}": "{token_id}", "/versions/1": "/versions/{number}",
             "/routing/policies/mql": "/routing/policies/{stage}", "/routing/queues/tele/": "/routing/queues/{key}/",
             "/sla/policies/mql_first_touch": "/sla/policies/{key}", "/sla/calendars/tele-hours": "/sla/calendars/{key}",
             "{campaign}": "{campaign_id}", "{import_job}": "{import_id}",
             "{goal}": "{goal_id}", "{pack}": "{pack_id}", "/reports/schedules/weekly": "/reports/schedules/{kind}",
             "/reports/packs/weekly": "/reports/packs/{kind}"}
    path = op.path.split("?")[0]  # a query string is not part of the operation
    for placeholder, name in names.items():
        path = path.replace(placeholder, name)
    return f"{op.method} /api/v1{path}"


def test_the_table_covers_every_operation_of_the_api(db):
    from tandem.config.api import api

    schema = api.get_openapi_schema()
    served = {f"{m.upper()} {p}" for p, ops in schema["paths"].items() for m in ops}
    assert {_template(op) for op in OPS} == served


def _campaign_and_import(tmp_path):
    from tandem.campaigns.services import campaign_create
    from tandem.imports.services import import_job_create

    campaign = campaign_create(by=None, name="Trade fair Hanover", type="trade fair", channel="event")
    path = tmp_path / "accounts.csv"
    path.write_bytes(b"name,domain\nInitech,initech.example\n")
    return campaign, import_job_create(path=path, kind="accounts", by=None)[0]


def _goal_and_pack(users):
    from tandem.goals.services import goal_create
    from tandem.reporting.models import PackDelivery

    goal = goal_create(by=None, name="Q1 revenue", period="2026-Q1", target="500000",
                       marketing_owner_id=users["marketing"].pk, sales_owner_id=users["sales"].pk)
    pack = PackDelivery.objects.create(kind="weekly", period="2026-W01", html="<p>Weekly pack</p>")
    return {"goal": goal.pk, "pack": pack.pk}


@pytest.fixture
def scenario(make_lead, make_account, users, tokens, make_user, tmp_path):
    from tandem.opportunities.services import opportunity_create
    from tandem.people.models import ApiToken
    from tandem.taxonomy.selectors import taxonomy_version_current

    mql, tal, account = make_lead("mql"), make_lead("tal"), make_account()
    opportunity = opportunity_create(by=make_user("sales"), account=account, name="Expansion", amount="50000")
    doc = dict(taxonomy_version_current().document, name="Demand Waterfall (edited)")
    campaign, import_job = _campaign_and_import(tmp_path)
    return {"mql": mql.pk, "mql_version": mql.version, "tal": tal.pk, "tal_version": tal.version,
            "account": account.pk, "opportunity": opportunity.pk, "changed_doc": doc,
            "other_account": make_account().pk,
            "campaign": campaign.pk, "import_job": import_job.pk, **_goal_and_pack(users),
            "own_token": {role: ApiToken.objects.filter(user=u).first().pk for role, u in users.items()}}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", OPS, ids=lambda op: f"{op.method} {op.path}")
def test_each_role_gets_the_promised_outcome(api, tokens, scenario, op, role):
    ctx = {**scenario, "role": role, "own_token": scenario["own_token"][role]}
    path = op.path.format(**{k: v for k, v in ctx.items() if isinstance(v, int)})
    body = op.body(ctx) if callable(op.body) else op.body
    token = tokens[role].get("write") or tokens[role]["read"]
    response = api(op.method, path, token, json=body, files=op.files)
    assert response.status_code == op.expected[ROLES.index(role)], response.content
    if response.status_code >= 400:
        assert "detail" in response.json()


@pytest.mark.parametrize("op", [op for op in OPS if op.method != "GET" and not op.public],
                         ids=lambda op: f"{op.method} {op.path}")
def test_a_read_token_cannot_change_anything(api, tokens, scenario, op):
    ctx = {**scenario, "role": "admin", "own_token": scenario["own_token"]["admin"]}
    path = op.path.format(**{k: v for k, v in ctx.items() if isinstance(v, int)})
    body = op.body(ctx) if callable(op.body) else op.body
    response = api(op.method, path, tokens["admin"]["read"], json=body, files=op.files)
    assert response.status_code == 403
    assert "read scope" in response.json()["detail"]


@pytest.mark.parametrize("op", [op for op in OPS if not op.public], ids=lambda op: f"{op.method} {op.path}")
def test_no_token_means_401(api, scenario, op):
    ctx = {**scenario, "role": "admin", "own_token": scenario["own_token"]["admin"]}
    path = op.path.format(**{k: v for k, v in ctx.items() if isinstance(v, int)})
    response = api(op.method, path, None, json={}, files=op.files)
    assert response.status_code == 401


@pytest.mark.parametrize("op", [op for op in OPS if op.public], ids=lambda op: f"{op.method} {op.path}")
def test_the_front_door_answers_without_a_token_as_it_does_with_one(api, scenario, op):
    ctx = {**scenario, "role": "anonymous", "own_token": 0}
    body = op.body(ctx) if callable(op.body) else op.body
    assert api(op.method, op.path, None, json=body).status_code == op.expected[0]
