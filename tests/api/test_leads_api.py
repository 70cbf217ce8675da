"""The leads API as integrators see it: errors name the field, pagination is keyset and cheap, audit is kept."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_an_illegal_move_gets_a_json_error_naming_the_field_and_nothing_changes(api, tokens, make_lead):
    lead = make_lead("mql")
    response = api("POST", f"/leads/{lead.pk}/moves", tokens["sdr"]["write"],
                   json={"to_stage": "won", "version": lead.version})
    assert response.status_code == 422
    assert response.json()["field"] == "to_stage"
    assert "mql → won is not allowed" in response.json()["detail"]
    lead.refresh_from_db()
    assert lead.stage == "mql"


def test_a_missing_reason_is_refused_with_the_allowed_codes(api, tokens, make_lead):
    lead = make_lead("mql")
    response = api("POST", f"/leads/{lead.pk}/reject", tokens["sdr"]["write"], json={"version": lead.version})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "reason_code" and "not_ready" in body["detail"]


def test_unmet_criteria_list_every_criterion(api, tokens, make_lead):
    lead = make_lead("aql")
    response = api("POST", f"/leads/{lead.pk}/moves", tokens["marketing"]["write"],
                   json={"to_stage": "mql", "version": lead.version})
    assert response.status_code == 422
    criteria = {c["criterion"]: c["passed"] for c in response.json()["criteria"]}
    assert criteria == {"has email, first_name, last_name, account": True, "score at least 50": False}


def test_a_stale_version_gets_409(api, tokens, make_lead):
    lead = make_lead("mql")
    response = api("POST", f"/leads/{lead.pk}/accept", tokens["sdr"]["write"], json={"version": lead.version + 5})
    assert response.status_code == 409
    assert response.json()["field"] == "version"


def test_a_schema_error_names_the_field(api, tokens):
    response = api("POST", "/leads", tokens["marketing"]["write"], json={"first_name": "No email"})
    assert response.status_code == 422
    assert response.json()["field"] == "email"


def test_pages_follow_the_cursor_without_gaps_or_repeats(api, tokens, make_lead):
    created = {make_lead().pk for _ in range(7)}
    seen, cursor = [], None
    while True:
        page = api("GET", "/leads", tokens["manager"]["read"], query={"limit": 3, **({"cursor": cursor} if cursor
                                                                                     else {})}).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(created, reverse=True)


@pytest.mark.parametrize("limit", [5, 50])
def test_a_page_costs_the_same_number_of_queries_whatever_its_size(api, tokens, users, make_lead, limit):
    from tandem.leads.models import Lead

    for _ in range(60):
        make_lead()
    Lead.objects.update(owner=users["sales"])  # a sales rep sees the leads they own
    token = tokens["sales"]["read"]
    api("GET", "/leads", token, query={"limit": 1})  # warm the taxonomy cache
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = api("GET", "/leads", token, query={"limit": limit})
    assert response.status_code == 200
    assert len(response.json()["items"]) == limit
    # the token, the taxonomy version in force (for the queue filter), the page: 3, whatever the size
    assert len(executed) == 3, executed


def test_a_revoked_token_fails_on_its_next_request(api, client, users, make_user):
    from tandem.people.services import api_token_create, api_token_revoke

    issued = api_token_create(user=users["admin"], name="crm", scope="write")
    assert api("GET", "/me", issued.secret).status_code == 200
    api_token_revoke(token=issued.token, by=users["admin"])
    assert api("GET", "/me", issued.secret).status_code == 401


def test_only_a_digest_of_the_token_is_stored(users):
    from tandem.people.models import ApiToken
    from tandem.people.services import api_token_create

    issued = api_token_create(user=users["marketing"], name="forms", scope="read")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret not in (stored.digest, stored.prefix) and len(stored.digest) == 64


def test_changes_are_audited_with_old_and_new_values(api, tokens, make_lead):
    lead = make_lead("mql")
    api("PATCH", f"/leads/{lead.pk}", tokens["marketing"]["write"], json={"version": lead.version, "title": "CIO"})
    entries = api("GET", "/audit", tokens["manager"]["read"], query={"object_type": "lead",
                                                                     "object_id": str(lead.pk)}).json()
    update = next(e for e in entries if e["action"] == "lead.update")
    assert update["changes"]["title"] == ["CTO", "CIO"]
    assert update["actor_label"].startswith("marketing")


def test_the_taxonomy_round_trips_through_export_and_import(api, tokens):
    import yaml

    exported = api("GET", "/taxonomy/export", tokens["readonly"]["read"]).content.decode()
    document = yaml.safe_load(exported)
    document["stages"][2]["definition"] = "MQL, redefined together on Tuesday."
    response = api("POST", "/taxonomy/import", tokens["admin"]["write"],
                   json={"text": yaml.safe_dump(document), "note": "joint review"})
    assert response.status_code == 201
    assert response.json()["number"] == 2
    assert response.json()["summary"] == ["stage mql: definition changed"]


def test_an_invalid_taxonomy_is_refused_listing_each_problem(api, tokens):
    response = api("POST", "/taxonomy/import", tokens["admin"]["write"],
                   json={"document": {"stages": [{"key": "x", "name": "X", "definition": "d", "owner_team": "hr",
                                                  "kind": "active", "order": 1, "next": [{"to": "y"}]}]}})
    assert response.status_code == 422
    assert "stages[0].owner_team: must be one of marketing, tele, sales, management" in response.json()["problems"]
    assert "stages[0].next[0].to: unknown stage 'y'" in response.json()["problems"]
