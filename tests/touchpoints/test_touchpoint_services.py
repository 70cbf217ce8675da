"""The touchpoint ledger: append-only, campaign from utm_campaign, a sender's id recorded once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from tandem import clock
from tandem.clock import ClockRefused

pytestmark = pytest.mark.django_db


def test_a_touchpoint_joins_the_campaign_that_claims_its_utm_campaign(make_lead):
    from tandem.campaigns.models import Campaign
    from tandem.touchpoints.services import touchpoint_record

    campaign = Campaign.objects.create(name="Webinar May", type="webinar", channel="webinar", utm_campaign="wb-may")
    lead = make_lead()
    touch = touchpoint_record(lead=lead, channel="webinar", utm_campaign="wb-may", utm_source="newsletter")
    assert (touch.campaign_id, touch.account_id, touch.source) == (campaign.pk, lead.account_id, "api")
    assert touchpoint_record(lead=lead, channel="web_visit", utm_campaign="nobody-claims-this").campaign_id is None


def test_an_explicit_campaign_wins_over_the_utm_campaign(make_lead):
    from tandem.campaigns.models import Campaign
    from tandem.touchpoints.services import touchpoint_record

    chosen = Campaign.objects.create(name="Fair", type="event", channel="event")
    Campaign.objects.create(name="Other", type="event", channel="event", utm_campaign="x")
    assert touchpoint_record(lead=make_lead(), channel="event", campaign=chosen, utm_campaign="x").campaign == chosen


def test_a_sender_id_is_recorded_once_per_source(make_lead):
    from tandem.touchpoints.services import DuplicateTouchpoint, touchpoint_record

    lead = make_lead()
    first = touchpoint_record(lead=lead, channel="email_open", external_id="esp-1", source="webhook")
    with pytest.raises(DuplicateTouchpoint) as refused:
        touchpoint_record(lead=lead, channel="email_open", external_id="esp-1", source="webhook")
    assert refused.value.existing_id == first.pk
    assert touchpoint_record(lead=lead, channel="email_open", external_id="esp-1", source="import").pk != first.pk


def test_when_it_happened_defaults_to_now_and_may_be_in_the_past_but_not_the_future(make_lead):
    from tandem.touchpoints.services import touchpoint_record

    lead = make_lead()
    before = clock.now()
    assert touchpoint_record(lead=lead, channel="call").occurred_at >= before
    past = before - timedelta(days=3)
    assert touchpoint_record(lead=lead, channel="call", occurred_at=past).occurred_at == past
    with pytest.raises(ValueError, match="in the future"):
        touchpoint_record(lead=lead, channel="call", occurred_at=before + timedelta(hours=1))


def test_a_back_dated_touch_is_refused_where_time_travel_is_not_allowed(make_lead, settings):
    from tandem.touchpoints.services import touchpoint_record

    settings.TANDEM_ALLOW_TIME_TRAVEL = False
    with pytest.raises(ClockRefused):
        touchpoint_record(lead=make_lead(), channel="call", occurred_at=clock.now() - timedelta(days=1))


@pytest.mark.parametrize("field, value", [("channel", "carrier_pigeon"), ("utm_source", "u" * 201),
                                          ("source", "telepathy")])
def test_a_bad_value_is_refused_naming_its_field(make_lead, field, value):
    from tandem.leads.errors import LeadInvalid
    from tandem.touchpoints.services import touchpoint_record

    values = {"channel": "call", field: value}
    with pytest.raises(LeadInvalid) as refused:
        touchpoint_record(lead=make_lead(), **values)
    assert refused.value.field == field


def test_a_user_recording_a_touch_is_audited_and_needs_the_permission(make_lead, users):
    from tandem.audit.models import AuditEntry
    from tandem.touchpoints.services import touchpoint_record

    lead = make_lead()
    touch = touchpoint_record(lead=lead, channel="call", actor=users["sdr"], by=users["sdr"])
    entry = AuditEntry.objects.get(action="touchpoint.create")
    assert (entry.actor, entry.object_id, entry.changes["touchpoint"]) == (users["sdr"], str(lead.pk), [None, touch.pk])
    with pytest.raises(PermissionDenied):
        touchpoint_record(lead=lead, channel="call", by=users["readonly"])


def test_the_ledger_has_no_service_that_edits_or_deletes_a_touchpoint():
    from tandem.touchpoints import services

    names = [name for name in dir(services) if name.startswith("touchpoint_")]
    assert sorted(names) == ["touchpoint_batch_ingest", "touchpoint_record"]
