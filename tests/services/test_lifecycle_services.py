"""Moving leads through the lifecycle service: refusals change nothing; accepted moves write the ledger."""

from datetime import timedelta

import pytest

from tandem import clock
from tandem.core.lifecycle import CriteriaNotMet, InvalidTransition, NotPermitted, ReasonRequired
from tandem.leads.errors import DuplicateLead, LeadInvalid, StaleVersion
from tandem.leads.models import Lead, StageEvent
from tandem.leads.services import LeadData, lead_advance_stage, lead_create, lead_update

pytestmark = pytest.mark.django_db


def _snapshot(lead):
    lead = Lead.objects.get(pk=lead.pk)
    return lead.stage, lead.version, lead.stage_events.count()


def test_a_new_lead_starts_in_inquiry_with_one_stage_event_that_records_the_taxonomy_version(make_user):
    marketer = make_user("marketing")
    lead = lead_create(data=LeadData(email="  Ada@Example.COM "), by=marketer)
    event = lead.stage_events.get()
    assert (lead.stage, lead.email_normalized, lead.version) == ("inquiry", "ada@example.com", 1)
    assert (event.from_stage, event.to_stage, event.action, event.taxonomy_version) == ("", "inquiry", "create", 1)
    assert event.actor == marketer


def test_email_is_unique_whatever_its_case(make_user):
    lead_create(data=LeadData(email="ada@example.com"), by=None)
    with pytest.raises(DuplicateLead) as err:
        lead_create(data=LeadData(email="ADA@example.com "), by=None)
    assert Lead.objects.count() == 1
    assert err.value.existing_id == Lead.objects.get().pk


@pytest.mark.parametrize(("to_stage", "role", "reason", "error"), [
    ("sal", "manager", None, InvalidTransition),
    ("tal", "marketing", None, NotPermitted),
    ("recycled", "sdr", None, ReasonRequired),
])
def test_refused_moves_change_nothing(make_lead, make_user, to_stage, role, reason, error):
    lead = make_lead("mql")
    before = _snapshot(lead)
    with pytest.raises(error):
        lead_advance_stage(lead=lead, to_stage=to_stage, by=make_user(role), reason_code=reason)
    assert _snapshot(lead) == before


def test_unmet_criteria_are_refused_and_change_nothing(make_lead, make_user):
    lead = make_lead("tal")
    Lead.objects.filter(pk=lead.pk).update(phone="")
    lead.refresh_from_db()
    before = _snapshot(lead)
    with pytest.raises(CriteriaNotMet, match="missing phone"):
        lead_advance_stage(lead=lead, to_stage="tql", by=make_user("sdr"))
    assert _snapshot(lead) == before


def test_a_stale_version_is_refused_and_changes_nothing(make_lead, make_user):
    lead = make_lead("mql")
    before = _snapshot(lead)
    with pytest.raises(StaleVersion):
        lead_advance_stage(lead=lead, to_stage="tal", by=make_user("sdr"), expected_version=lead.version - 1)
    assert _snapshot(lead) == before


def test_a_concurrent_writer_loses_to_the_version_guard(make_lead, make_user):
    lead = make_lead("mql")
    stale_copy = Lead.objects.get(pk=lead.pk)
    lead_update(lead=lead, changes={"title": "CIO"}, by=make_user("marketing"))
    with pytest.raises(StaleVersion):
        lead_advance_stage(lead=stale_copy, to_stage="tal", by=make_user("sdr"))
    assert Lead.objects.get(pk=lead.pk).stage == "mql"


def test_accepting_records_criteria_and_makes_the_acceptor_the_owner(make_lead, make_user):
    lead, sdr = make_lead("mql"), make_user("sdr")
    event = lead_advance_stage(lead=lead, to_stage="tal", by=sdr, note="Spoke to her")
    lead.refresh_from_db()
    assert (lead.stage, lead.owner, event.actor_team) == ("tal", sdr, "tele")
    assert event.criteria == [{"criterion": "accepted by tele", "passed": True, "detail": "accepted by tele"}]
    assert lead.assignments.last().rule == "accepted"


def test_the_system_auto_advances_when_criteria_become_true_and_says_so(make_lead):
    lead = make_lead("mql")
    events = list(lead.stage_events.order_by("id"))
    assert [(e.to_stage, e.actor_kind, e.note) for e in events] == [
        ("inquiry", "system", ""), ("aql", "system", "criteria met"), ("mql", "system", "criteria met")]
    assert all(c["passed"] for c in events[2].criteria)


def test_a_back_dated_move_keeps_when_it_happened_apart_from_when_it_was_recorded(make_account, make_user):
    arrived = clock.now() - timedelta(days=3)
    lead = lead_create(data=LeadData(email="old@example.com", first_name="O", last_name="Ld",
                                     account_id=make_account().pk), by=None, at=arrived)
    assert (lead.created_at, lead.stage_events.get().occurred_at) == (arrived, arrived)
    Lead.objects.filter(pk=lead.pk).update(score=90)
    lead.refresh_from_db()
    at = arrived + timedelta(hours=2)
    event = lead_advance_stage(lead=lead, to_stage="mql", by=make_user("marketing"), at=at)
    assert event.occurred_at == at and event.recorded_at > at
    with pytest.raises(LeadInvalid, match="before the lead entered mql"):
        lead_advance_stage(lead=Lead.objects.get(pk=lead.pk), to_stage="tal", by=make_user("sdr"),
                           at=at - timedelta(minutes=1))


def test_an_event_in_the_future_is_refused(make_lead, make_user):
    lead = make_lead("mql")
    with pytest.raises(ValueError, match="in the future"):
        lead_advance_stage(lead=lead, to_stage="tal", by=make_user("sdr"), at=clock.now() + timedelta(hours=1))
    assert Lead.objects.get(pk=lead.pk).stage == "mql"


def test_back_dating_is_refused_where_the_instance_forbids_time_travel(make_lead, make_user, settings):
    lead = make_lead("mql")
    settings.TANDEM_ALLOW_TIME_TRAVEL = False
    with pytest.raises(clock.ClockRefused):
        lead_advance_stage(lead=lead, to_stage="tal", by=make_user("sdr"), at=clock.now() - timedelta(days=1))


def test_the_stage_ledger_is_append_only_in_practice(make_lead, make_user):
    lead = make_lead("mql")
    ids = list(StageEvent.objects.filter(lead=lead).values_list("id", flat=True))
    lead_advance_stage(lead=lead, to_stage="tal", by=make_user("sdr"))
    assert list(StageEvent.objects.filter(lead=lead).values_list("id", flat=True))[: len(ids)] == ids


def test_invalid_fields_are_refused_naming_the_field(make_user):
    with pytest.raises(LeadInvalid) as err:
        lead_create(data=LeadData(email="not-an-email"), by=None)
    assert err.value.field == "email"
    with pytest.raises(LeadInvalid) as err:
        lead_create(data=LeadData(email="a@b.example", country="Germany"), by=None)
    assert err.value.field == "country"
    assert Lead.objects.count() == 0
