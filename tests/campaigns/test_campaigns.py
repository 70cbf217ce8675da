"""Campaigns planned jointly: writes are validated, versioned and audited; results count SOURCED and TOUCHED."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tandem.audit.models import AuditEntry
from tandem.campaigns.services import campaign_create
from tandem.opportunities.models import Opportunity
from tandem.touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db


def _touch(lead, campaign, day: int) -> None:
    Touchpoint.objects.create(lead=lead, campaign=campaign, channel="webinar",
                              occurred_at=datetime(2024, 1, day, 12, tzinfo=UTC))


def _opportunity(lead, amount: str, outcome: str = "open", currency: str = "EUR") -> None:
    Opportunity.objects.create(account=lead.account, lead=lead, name=f"Deal {amount}", amount=Decimal(amount),
                               currency=currency, outcome=outcome)


@pytest.fixture
def planned(make_user):
    maria, julia = make_user("marketing"), make_user("sales")
    return {"maria": maria, "julia": julia,
            "webinar": campaign_create(by=maria, name="Spring webinar", type="webinar", channel="webinar",
                                       marketing_owner_id=maria.pk, sales_owner_id=julia.pk, actual_cost="1000.00",
                                       goal_leads=4, goal_mqls=2, goal_pipeline="100000", goal_revenue="50000"),
            "fair": campaign_create(by=maria, name="Trade fair", type="trade fair", channel="event")}


@pytest.fixture
def results_scenario(planned, make_lead):
    webinar, fair = planned["webinar"], planned["fair"]
    first_webinar = make_lead("sal")       # webinar first, then the fair: sourced by the webinar
    _touch(first_webinar, webinar, 1)
    _touch(first_webinar, fair, 3)
    _opportunity(first_webinar, "30000.00")
    first_fair = make_lead("mql")          # the fair first, then the webinar: only touched by the webinar
    _touch(first_fair, fair, 1)
    _touch(first_fair, webinar, 5)
    _opportunity(first_fair, "20000.00", "won")
    _opportunity(first_fair, "5000.00", "lost")
    only_webinar = make_lead("inquiry")    # the webinar alone, an opportunity in dollars
    _touch(only_webinar, webinar, 2)
    _opportunity(only_webinar, "1000.00", currency="USD")
    _touch(make_lead("inquiry"), fair, 2)  # the fair alone
    return planned


def test_results_count_sourced_and_touched_leads_against_the_goals(api, tokens, results_scenario):
    webinar = results_scenario["webinar"]
    body = api("GET", f"/campaigns/{webinar.pk}/results", tokens["sdr"]["read"]).json()
    sourced, touched = body["sourced"], body["touched"]
    assert (sourced["leads"], sourced["mqls"], sourced["sals"]) == (2, 1, 1)
    assert (Decimal(sourced["pipeline"]), Decimal(sourced["won_revenue"])) == (Decimal("30000"), Decimal("0"))
    assert (Decimal(sourced["cost_per_lead"]), Decimal(sourced["cost_per_mql"])) == (Decimal("500"), Decimal("1000"))
    assert (touched["leads"], touched["mqls"], touched["sals"]) == (3, 2, 1)
    assert (Decimal(touched["pipeline"]), Decimal(touched["won_revenue"])) == (Decimal("50000"), Decimal("20000"))
    assert Decimal(touched["cost_per_lead"]) == Decimal("333.33")
    assert {k: v and Decimal(v) for k, v in touched["attainment_percent"].items()} == {
        "leads": Decimal("75.0"), "mqls": Decimal("100.0"), "pipeline": Decimal("50.0"), "revenue": Decimal("40.0")}
    assert Decimal(sourced["pipeline_other_currencies"]["USD"]) == Decimal("1000")
    assert body["touchpoints"] == 3 and "first touchpoint" in body["definitions"]["sourced"]


def test_a_campaign_with_nothing_yet_has_no_cost_per_lead(api, tokens, planned):
    body = api("GET", f"/campaigns/{planned['fair'].pk}/results", tokens["readonly"]["read"]).json()
    assert (body["touched"]["leads"], body["touched"]["cost_per_lead"]) == (0, None)


def test_the_campaign_page_states_how_it_counts(client, results_scenario):
    client.force_login(results_scenario["julia"])
    page = client.get(f"/campaigns/{results_scenario['webinar'].pk}/").content.decode()
    assert "How this page counts" in page and "<em>first</em> touchpoint" in page
    assert "333.33" in page and "75.0% of goal" in page
    assert "Delete" not in page  # a sales rep reads campaigns; marketing plans them


def test_a_campaign_is_planned_with_an_owner_from_marketing_and_one_from_sales(api, tokens, planned):
    wrong = api("POST", "/campaigns", tokens["marketing"]["write"],
                json={"name": "Nurture", "type": "nurture", "channel": "email_open",
                      "sales_owner_id": planned["maria"].pk})
    assert (wrong.status_code, wrong.json()["field"]) == (422, "sales_owner_id")
    assert "sales team" in wrong.json()["detail"]


@pytest.mark.parametrize(("body", "field"), [
    ({"channel": "carrier_pigeon"}, "channel"), ({"starts_on": "2024-05-01", "ends_on": "2024-04-01"}, "ends_on"),
    ({"name": "Trade fair"}, "name"), ({"target_segment": "galactic"}, "target_segment"),
    ({"budget": "12.345"}, "budget"),
])
def test_an_invalid_campaign_is_refused_naming_the_field(api, tokens, planned, body, field):
    response = api("POST", "/campaigns", tokens["admin"]["write"],
                   json={"name": "New", "type": "webinar", "channel": "webinar", **body})
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_an_edit_from_a_stale_version_is_refused_and_changes_nothing(api, tokens, planned):
    webinar = planned["webinar"]
    assert api("PATCH", f"/campaigns/{webinar.pk}", tokens["marketing"]["write"],
               json={"version": 1, "actual_cost": "1200.00"}).json()["version"] == 2
    stale = api("PATCH", f"/campaigns/{webinar.pk}", tokens["manager"]["write"],
                json={"version": 1, "actual_cost": "9999.00"})
    assert stale.status_code == 409
    webinar.refresh_from_db()
    assert webinar.actual_cost == Decimal("1200.00")
    assert list(AuditEntry.objects.filter(object_type="campaign", object_id=str(webinar.pk))
                .values_list("action", flat=True)) == ["campaign.update", "campaign.create"]


def test_a_campaign_that_touchpoints_belong_to_cannot_be_deleted(api, tokens, results_scenario):
    webinar = results_scenario["webinar"]
    response = api("DELETE", f"/campaigns/{webinar.pk}", tokens["admin"]["write"], json={"version": 1})
    assert response.status_code == 409
    assert "cancelled" in response.json()["detail"]


def test_the_planning_form_creates_and_edits_a_campaign(client, planned):
    client.force_login(planned["maria"])
    response = client.post("/campaigns/new/", {
        "name": "Autumn roadshow", "type": "roadshow", "channel": "event", "status": "planned", "currency": "EUR",
        "budget": "25000", "actual_cost": "0", "goal_leads": "300", "goal_mqls": "60", "goal_pipeline": "400000",
        "goal_revenue": "120000", "marketing_owner": planned["maria"].pk, "sales_owner": planned["julia"].pk})
    assert response.status_code == 302
    edit = response["Location"] + "edit/"
    page = client.get(edit).content.decode()
    assert 'value="Autumn roadshow"' in page
    response = client.post(edit, {
        "name": "Autumn roadshow", "type": "roadshow", "channel": "event", "status": "active", "currency": "EUR",
        "budget": "25000", "actual_cost": "3000", "goal_leads": "300", "goal_mqls": "60", "goal_pipeline": "400000",
        "goal_revenue": "120000", "version": "1"})
    assert response.status_code == 302
    assert "Active" in client.get(response["Location"]).content.decode()
