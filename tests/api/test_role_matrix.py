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
]


def _template(op: Op) -> str:
    names = {"{mql}": "{lead_id}", "{tal}": "{lead_id}", "{account}": "{account_id}",
             "{opportunity}": "{opportunity_id}", "{own_token}": "{token_id}", "/versions/1": "/versions/{number}"}
    path = op.path
    for placeholder, name in names.items():
        path = path.replace(placeholder, name)
    return f"{op.method} /api/v1{path}"


def test_the_table_covers_every_operation_of_the_api(db):
    from tandem.config.api import api

    schema = api.get_openapi_schema()
    served = {f"{m.upper()} {p}" for p, ops in schema["paths"].items() for m in ops}
    assert {_template(op) for op in OPS} == served


@pytest.fixture
def scenario(make_lead, make_account, users, tokens, make_user):
    from tandem.opportunities.services import opportunity_create
    from tandem.people.models import ApiToken
    from tandem.taxonomy.selectors import taxonomy_version_current

    mql, tal, account = make_lead("mql"), make_lead("tal"), make_account()
    opportunity = opportunity_create(by=make_user("sales"), account=account, name="Expansion", amount="50000")
    doc = dict(taxonomy_version_current().document, name="Demand Waterfall (edited)")
    return {"mql": mql.pk, "mql_version": mql.version, "tal": tal.pk, "tal_version": tal.version,
            "account": account.pk, "opportunity": opportunity.pk, "changed_doc": doc,
            "own_token": {role: ApiToken.objects.filter(user=u).first().pk for role, u in users.items()}}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", OPS, ids=lambda op: f"{op.method} {op.path}")
def test_each_role_gets_the_promised_outcome(api, tokens, scenario, op, role):
    ctx = {**scenario, "role": role, "own_token": scenario["own_token"][role]}
    path = op.path.format(**{k: v for k, v in ctx.items() if isinstance(v, int)})
    body = op.body(ctx) if callable(op.body) else op.body
    token = tokens[role].get("write") or tokens[role]["read"]
    response = api(op.method, path, token, json=body)
    assert response.status_code == op.expected[ROLES.index(role)], response.content
    if response.status_code >= 400:
        assert "detail" in response.json()


@pytest.mark.parametrize("op", [op for op in OPS if op.method != "GET"], ids=lambda op: f"{op.method} {op.path}")
def test_a_read_token_cannot_change_anything(api, tokens, scenario, op):
    ctx = {**scenario, "role": "admin", "own_token": scenario["own_token"]["admin"]}
    path = op.path.format(**{k: v for k, v in ctx.items() if isinstance(v, int)})
    body = op.body(ctx) if callable(op.body) else op.body
    response = api(op.method, path, tokens["admin"]["read"], json=body)
    assert response.status_code == 403
    assert "read scope" in response.json()["detail"]


@pytest.mark.parametrize("op", OPS, ids=lambda op: f"{op.method} {op.path}")
def test_no_token_means_401(api, scenario, op):
    ctx = {**scenario, "role": "admin", "own_token": scenario["own_token"]["admin"]}
    path = op.path.format(**{k: v for k, v in ctx.items() if isinstance(v, int)})
    response = api(op.method, path, None, json={})
    assert response.status_code == 401
