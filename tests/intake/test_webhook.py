"""The signed webhook: a delivery becomes a touchpoint on the person's one lead; a bad signature writes nothing."""

from datetime import timedelta

import pytest

from tandem import clock
from tests.intake.conftest import SECRET

pytestmark = pytest.mark.django_db

PAT = {"email": "pat@example.com", "first_name": "Pat", "last_name": "Lee", "phone": "+49 30 1234567",
       "company": "Acme GmbH", "domain": "https://www.Acme.example/about", "country": "DE", "title": "CTO",
       "self_reported_source": "A podcast", "utm_source": "newsletter", "utm_medium": "email",
       "utm_campaign": "spring-launch", "consent": True}


def _written():
    from tandem.accounts.models import Account
    from tandem.audit.models import AuditEntry
    from tandem.intake.models import IdempotencyKey
    from tandem.leads.models import Lead, StageEvent
    from tandem.touchpoints.models import Touchpoint

    return {model.__name__: model.objects.count()
            for model in (Lead, StageEvent, Touchpoint, Account, AuditEntry, IdempotencyKey)}


def test_a_delivery_from_a_new_person_creates_the_lead_the_account_and_the_touchpoint(deliver):
    from tandem.leads.models import Lead
    from tandem.touchpoints.models import Touchpoint

    response = deliver({**PAT, "external_id": "crm-1", "gclid": "g-123"})
    assert response.status_code == 201
    body = response.json()
    assert body["lead_created"] is True and body["duplicate"] is False
    lead = Lead.objects.select_related("account").get(pk=body["lead_id"])
    assert (lead.email_normalized, lead.phone_normalized) == ("pat@example.com", "+49301234567")
    assert lead.stage_events.order_by("id").first().to_stage == "inquiry"
    assert (lead.account.name, lead.account.domain) == ("Acme GmbH", "acme.example")
    assert (lead.consent_status, lead.lawful_basis, lead.self_reported_source) == ("granted", "consent", "A podcast")
    touch = Touchpoint.objects.get(pk=body["touchpoint_id"])
    assert (touch.lead_id, touch.account_id, touch.channel, touch.source) == (lead.pk, lead.account_id,
                                                                             "form_fill", "webhook")
    assert (touch.utm_campaign, touch.click_ids, touch.external_id) == ("spring-launch", {"gclid": "g-123"}, "crm-1")


@pytest.mark.parametrize("spelling", [
    {"email": "  PAT@Example.COM "},
    {"email": "", "phone": "030 1234567", "country": "DE"},
    {"email": "pat.lee@elsewhere.example", "phone": "+49 (30) 123-4567"},
])
def test_a_known_person_gets_a_new_touchpoint_on_the_existing_lead_never_a_second_lead(deliver, spelling):
    from tandem.leads.models import Lead
    from tandem.touchpoints.models import Touchpoint

    first = deliver(PAT).json()
    again = deliver({**PAT, **spelling})
    assert again.status_code == 200
    assert again.json()["lead_id"] == first["lead_id"] and again.json()["lead_created"] is False
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.filter(lead_id=first["lead_id"]).count() == 2


def test_a_known_lead_gets_its_blanks_filled_and_keeps_what_it_had(deliver):
    from tandem.audit.models import AuditEntry
    from tandem.leads.models import Lead

    lead_id = deliver({"email": "sam@example.com", "first_name": "Sam"}).json()["lead_id"]
    deliver({"email": "sam@example.com", "first_name": "Samuel", "last_name": "Berg", "domain": "berg.example"})
    lead = Lead.objects.select_related("account").get(pk=lead_id)
    assert (lead.first_name, lead.last_name, lead.account.domain) == ("Sam", "Berg", "berg.example")
    fill = AuditEntry.objects.get(action="lead.update", object_id=str(lead_id))
    assert fill.actor is None and fill.changes["last_name"] == [None, "Berg"] and "first_name" not in fill.changes


def test_the_second_delivery_of_an_external_id_returns_the_first_touchpoint_and_stores_nothing(deliver):
    first = deliver({**PAT, "external_id": "crm-7"}).json()
    before = _written()
    again = deliver({**PAT, "external_id": "crm-7", "first_name": "Changed"})
    assert again.status_code == 200
    assert again.json() == {**first, "lead_created": False, "duplicate": True}
    assert _written() == before


@pytest.mark.parametrize("problem, kwargs, skew", [
    ("missing", {"secret": None}, 0),
    ("wrong secret", {"secret": "not-the-secret"}, 0),
    ("stale", {}, -302),
    ("from the future", {}, 302),
])
def test_a_missing_stale_or_bad_signature_gets_401_and_writes_nothing(deliver, problem, kwargs, skew):
    before = _written()
    response = deliver({**PAT, "external_id": "crm-9"}, key="k-401", at=clock.now() + timedelta(seconds=skew),
                       **kwargs)
    assert response.status_code == 401, problem
    assert response.json()["field"] == "X-Tandem-Signature"
    assert _written() == before


def test_a_body_changed_after_signing_gets_401(client):
    from tandem.intake.signatures import sign

    signature = sign(SECRET, b'{"email": "pat@example.com"}', int(clock.now().timestamp()))
    response = client.post("/api/v1/intake/webhook", '{"email": "eve@example.com"}', content_type="application/json",
                           HTTP_X_TANDEM_SIGNATURE=signature)
    assert response.status_code == 401


def test_staleness_is_judged_by_the_one_clock(deliver, monkeypatch):
    monkeypatch.setenv("TANDEM_NOW", "2026-03-02T09:00:00Z")
    response = deliver(PAT, at=clock.parse_instant("2026-03-02T08:56:00Z"))
    assert response.status_code == 201
    assert deliver(PAT, at=clock.parse_instant("2026-03-02T08:54:59Z")).status_code == 401


def test_while_rotating_deliveries_signed_with_the_old_secret_still_pass(deliver, settings):
    settings.TANDEM_WEBHOOK_SECRETS = ["the-new-secret", SECRET]
    assert deliver(PAT).status_code == 201
    assert deliver(PAT, secret="the-new-secret").status_code == 200


def test_an_unknown_field_is_refused_by_name_and_nothing_is_written(deliver):
    before = _written()
    response = deliver({**PAT, "emial": "typo@example.com"})
    assert response.status_code == 422
    assert response.json()["field"] == "emial"
    assert _written() == before


def test_a_new_person_without_an_email_is_refused(deliver):
    response = deliver({"first_name": "Nobody", "phone": "+1 202 555 0100"})
    assert response.status_code == 422 and response.json()["field"] == "email"


def test_the_touchpoint_joins_the_campaign_that_claims_its_utm_campaign(deliver):
    from tandem.campaigns.models import Campaign
    from tandem.touchpoints.models import Touchpoint

    campaign = Campaign.objects.create(name="Spring launch", type="webinar", channel="webinar",
                                       utm_campaign="spring-launch")
    touch = Touchpoint.objects.get(pk=deliver(PAT).json()["touchpoint_id"])
    assert touch.campaign_id == campaign.pk


def test_a_delivery_with_a_past_occurred_at_is_recorded_at_that_instant(deliver):
    from tandem.touchpoints.models import Touchpoint

    at = "2026-01-15T10:30:00+01:00"
    touch = Touchpoint.objects.get(pk=deliver({**PAT, "occurred_at": at, "channel": "webinar"}).json()["touchpoint_id"])
    assert touch.occurred_at == clock.parse_instant(at) and touch.channel == "webinar"


def test_an_account_is_found_by_its_normalised_domain_not_duplicated(deliver, make_account):
    from tandem.accounts.models import Account

    account = make_account(name="Acme", domain="acme.example")
    deliver({**PAT, "domain": "WWW.ACME.EXAMPLE"})
    deliver({**PAT, "email": "kim@acme.example", "phone": "", "domain": "", "website": "https://acme.example/contact"})
    assert Account.objects.count() == 1
    assert set(account.leads.values_list("email", flat=True)) == {"pat@example.com", "kim@acme.example"}


def test_every_text_field_is_stored_exactly_as_given(deliver):
    from tandem.leads.models import Lead
    from tandem.touchpoints.models import Touchpoint

    payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    body = deliver({**PAT, "first_name": payload[:100], "title": payload, "self_reported_source": payload,
                    "utm_content": payload, "company": payload}).json()
    lead = Lead.objects.select_related("account").get(pk=body["lead_id"])
    assert (lead.first_name, lead.title, lead.self_reported_source, lead.account.name) == (payload[:100], payload,
                                                                                            payload, payload)
    assert Touchpoint.objects.get(pk=body["touchpoint_id"]).utm_content == payload
