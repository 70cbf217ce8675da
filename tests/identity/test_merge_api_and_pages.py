"""Merging over HTTP: the API guarded by versions, and the page's confirm step (htmx and plain)."""

import pytest

pytestmark = pytest.mark.django_db


def _body(survivor, loser, **changes):
    return {"survivor_id": survivor.pk, "loser_id": loser.pk, "survivor_version": survivor.version,
            "loser_version": loser.version, **changes}


def test_the_api_merges_and_says_what_moved(api, tokens, lead_with_history):
    survivor, loser = lead_with_history(), lead_with_history()
    response = api("POST", "/identity/leads/merge", tokens["marketing"]["write"], json=_body(survivor, loser))
    assert response.status_code == 200
    body = response.json()
    assert (body["survivor_id"], body["loser_id"], body["survivor_version"]) == (survivor.pk, loser.pk,
                                                                                 survivor.version + 1)
    assert body["moved"]["touchpoints.Touchpoint"] == 2
    resolved = api("GET", f"/identity/leads/{loser.pk}/resolve", tokens["readonly"]["read"]).json()
    assert resolved == {"lead_id": loser.pk, "resolved_id": survivor.pk, "merged": True}
    assert api("GET", f"/leads/{loser.pk}", tokens["admin"]["read"]).status_code == 404


def test_a_version_you_did_not_read_gets_409_and_nothing_changes(api, tokens, make_lead):
    from tandem.leads.models import Lead

    survivor, loser = make_lead(), make_lead()
    response = api("POST", "/identity/leads/merge", tokens["manager"]["write"],
                   json=_body(survivor, loser, loser_version=loser.version - 1))
    assert response.status_code == 409 and response.json()["field"] == "version"
    assert Lead.objects.get(pk=loser.pk).merged_into_id is None


def test_merging_a_lead_into_itself_is_refused_by_field(api, tokens, make_lead):
    lead = make_lead()
    response = api("POST", "/identity/leads/merge", tokens["admin"]["write"], json=_body(lead, lead))
    assert response.status_code == 422 and response.json()["field"] == "loser_id"


def test_the_api_merges_accounts(api, tokens, make_account, make_lead):
    survivor, loser = make_account(), make_account()
    lead = make_lead(account=loser)
    response = api("POST", "/identity/accounts/merge", tokens["admin"]["write"], json=_body(survivor, loser))
    assert response.status_code == 200 and response.json()["moved"]["leads.Lead"] == 1
    lead.refresh_from_db()
    assert lead.account_id == survivor.pk


def test_the_confirm_step_shows_both_records_and_what_will_happen(client, users, lead_with_history):
    survivor, loser = lead_with_history(), lead_with_history(consent_status="withdrawn")
    client.force_login(users["marketing"])
    panel = client.get(f"/identity/leads/merge/?survivor={survivor.pk}&loser={loser.pk}", HTTP_HX_REQUEST="true")
    html = panel.content.decode()
    assert panel.status_code == 200 and "<html" not in html
    assert survivor.email in html and loser.email in html
    assert "Consent afterwards: <strong>withdrawn</strong>" in html
    assert "2 touchpoints move to" in html
    assert f'name="loser_version" value="{loser.version}"' in html
    full = client.get(f"/identity/leads/merge/?survivor={survivor.pk}&loser={loser.pk}").content.decode()
    assert "<html" in full and "Merge leads" in full


def test_confirming_merges_and_a_second_confirm_of_the_same_pair_is_refused(client, users, make_lead):
    from tandem.leads.models import Lead

    survivor, loser = make_lead(), make_lead()
    form = {"survivor": survivor.pk, "loser": loser.pk, "survivor_version": survivor.version,
            "loser_version": loser.version}
    client.force_login(users["manager"])
    done = client.post("/identity/leads/merge/", form, HTTP_HX_REQUEST="true",
                       HTTP_HX_CURRENT_URL="http://testserver/identity/duplicates/?reason=phone")
    assert done.status_code == 200 and done["HX-Redirect"] == "/identity/duplicates/?reason=phone"
    assert Lead.objects.get(pk=loser.pk).merged_into_id == survivor.pk
    page = client.get(done["HX-Redirect"]).content.decode()
    assert f"Merged lead #{loser.pk} into #{survivor.pk}" in page and "1 stage event" in page
    again = client.post("/identity/leads/merge/", form, HTTP_HX_REQUEST="true")
    assert again.status_code == 409 and "was merged into" in again.content.decode()  # a tombstone now


def test_a_confirm_with_stale_versions_shows_why_and_changes_nothing(client, users, make_lead):
    from tandem.leads.models import Lead

    survivor, loser = make_lead(), make_lead()
    Lead.objects.filter(pk=survivor.pk).update(version=survivor.version + 1)
    client.force_login(users["admin"])
    refused = client.post("/identity/leads/merge/", {"survivor": survivor.pk, "loser": loser.pk,
                                                     "survivor_version": survivor.version,
                                                     "loser_version": loser.version}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 409
    assert "changed since version" in refused.content.decode()
    assert Lead.objects.get(pk=loser.pk).merged_into_id is None


def test_a_plain_form_post_redirects_to_the_survivor(client, users, make_lead):
    survivor, loser = make_lead(), make_lead()
    client.force_login(users["admin"])
    response = client.post("/identity/leads/merge/", {"survivor": survivor.pk, "loser": loser.pk,
                                                      "survivor_version": survivor.version,
                                                      "loser_version": loser.version})
    assert response.status_code == 302 and response["Location"] == f"/leads/{survivor.pk}/"


def test_roles_that_may_not_merge_get_403_on_the_page(client, users, make_lead):
    survivor, loser = make_lead(), make_lead()
    client.force_login(users["sales"])
    assert client.get(f"/identity/leads/merge/?survivor={survivor.pk}&loser={loser.pk}").status_code == 403


def test_the_account_confirm_step_and_merge(client, users, make_account):
    from tandem.accounts.models import Account

    survivor, loser = make_account(name="Acme", domain=""), make_account(name="acme", domain="acme.example")
    client.force_login(users["marketing"])
    html = client.get(f"/identity/accounts/merge/?survivor={survivor.pk}&loser={loser.pk}",
                      HTTP_HX_REQUEST="true").content.decode()
    assert "acme.example" in html and "Blank <code>domain</code>" in html
    done = client.post("/identity/accounts/merge/", {"survivor": survivor.pk, "loser": loser.pk,
                                                     "survivor_version": 1, "loser_version": 1},
                       HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Redirect"] == "/identity/duplicates/"
    assert Account.objects.get(pk=survivor.pk).domain == "acme.example"


def test_merging_a_lead_someone_merged_meanwhile_gets_409_naming_where_it_went(api, tokens, make_lead):
    a, b, c = make_lead(), make_lead(), make_lead()
    assert api("POST", "/identity/leads/merge", tokens["admin"]["write"], json=_body(a, b)).status_code == 200
    late = api("POST", "/identity/leads/merge", tokens["manager"]["write"], json=_body(c, b))
    assert late.status_code == 409
    assert late.json()["field"] == "loser_id" and f"merged into lead {a.pk}" in late.json()["detail"]


def test_the_confirm_step_says_a_once_per_lead_record_is_deleted_not_moved(client, users, make_lead):
    from django.apps import apps

    from tandem import clock

    try:
        score_model = apps.get_model("scoring", "LeadScore")
    except LookupError:
        pytest.skip("no one-per-lead table installed")
    survivor, loser = make_lead(), make_lead()
    for lead in (survivor, loser):
        score_model.objects.update_or_create(lead=lead, defaults={
            "total": 1, "fit": 1, "engagement": 0, "explanation": [], "rules_version": 1, "computed_at": clock.now()})
    client.force_login(users["admin"])
    html = client.get(f"/identity/leads/merge/?survivor={survivor.pk}&loser={loser.pk}",
                      HTTP_HX_REQUEST="true").content.decode()
    assert f"1 lead score of #{loser.pk} is deleted: #{survivor.pk} keeps its own." in html
