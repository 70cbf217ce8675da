"""Leads entering a stage that a team must work are routed by rule, fairly, and the rule is recorded."""

from collections import Counter

import pytest

from tandem.leads.models import Assignment, Lead
from tandem.leads.services import lead_act, lead_advance_stage
from tandem.routing.models import Queue, QueueRotation, RoutingDecision
from tandem.routing.services import queue_members_set, routing_policy_set
from tandem.touchpoints.services import touchpoint_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def sdrs(make_user):
    return [make_user("sdr") for _ in range(3)]


def qualify(make_lead, country=None, **fields):
    lead = make_lead(**fields)
    if country:
        Lead.objects.filter(pk=lead.pk).update(country=country)
    touchpoint_record(lead=lead, channel="form_fill")
    touchpoint_record(lead=lead, channel="webinar")
    lead.refresh_from_db()
    assert lead.stage == "mql"
    return lead


def test_an_mql_goes_to_the_tele_queue_and_the_assignment_names_the_rule(make_lead, sdrs):
    lead = qualify(make_lead)
    assert lead.owner in sdrs
    assignment = Assignment.objects.filter(lead=lead).latest("id")
    assert assignment.rule == "routing:tele_default"
    assert assignment.to_owner == lead.owner
    assert "lowest (assigned + 1) / weight" in assignment.explanation["choice"]
    decision = RoutingDecision.objects.get(lead=lead)
    assert (decision.stage, decision.queue.key, decision.owner) == ("mql", "tele", lead.owner)
    assert decision.explanation["steps"] == ["tele_default: matched; queue tele"]


def test_reps_share_the_queue_by_weight_and_out_of_office_reps_are_skipped(make_lead, sdrs, users):
    queue = Queue.objects.get(key="tele")
    queue_members_set(queue=queue, by=users["admin"], members=[
        {"user_id": sdrs[0].pk, "weight": 2}, {"user_id": sdrs[1].pk, "weight": 1},
        {"user_id": sdrs[2].pk, "weight": 1}])
    sdrs[2].out_of_office = True
    sdrs[2].save(update_fields=["out_of_office"])
    owners = Counter(qualify(make_lead).owner_id for _ in range(6))
    assert owners == {sdrs[0].pk: 4, sdrs[1].pk: 2}
    assert QueueRotation.objects.get(queue=queue).counts == {str(sdrs[0].pk): 4, str(sdrs[1].pk): 2}


def test_a_rep_back_from_absence_starts_at_their_share_not_in_debt(make_lead, sdrs, users):
    queue = Queue.objects.get(key="tele")
    queue_members_set(queue=queue, by=users["admin"], members=[{"user_id": u.pk} for u in sdrs])
    sdrs[2].out_of_office = True
    sdrs[2].save(update_fields=["out_of_office"])
    for _ in range(6):
        qualify(make_lead)
    sdrs[2].out_of_office = False
    sdrs[2].save(update_fields=["out_of_office"])
    owners = Counter(qualify(make_lead).owner_id for _ in range(3))
    assert owners == {u.pk: 1 for u in sdrs}  # not three in a row for the returning rep


def test_a_hand_off_goes_to_the_account_owner_first(make_lead, make_account, sdrs, make_user):
    ae = make_user("sales")
    lead = qualify(make_lead, account=make_account(owner_id=ae.pk))
    lead_act(lead=lead, action="accept", by=lead.owner)
    lead.refresh_from_db()
    lead_advance_stage(lead=lead, to_stage="tql", by=lead.owner)
    lead.refresh_from_db()
    assert lead.owner == ae
    assert Assignment.objects.filter(lead=lead).latest("id").rule == "routing:account_owner"


def test_a_territory_rule_sends_dach_leads_to_their_own_queue(make_lead, make_account, sdrs, make_user, users):
    dach_rep = make_user("sdr")
    queue = Queue.objects.create(key="tele-dach", name="Tele DACH", team="tele")
    queue_members_set(queue=queue, by=users["admin"], members=[{"user_id": dach_rep.pk}])
    routing_policy_set(stage="mql", team="tele", by=users["admin"], rules=[
        {"id": "dach", "kind": "territory", "regions": ["dach"], "queue": "tele-dach"},
        {"id": "rest", "kind": "default", "queue": "tele"}])
    german = qualify(make_lead)
    french = qualify(make_lead, account=make_account(country="FR"), country="FR")
    assert german.owner == dach_rep
    assert french.owner in sdrs
    assert RoutingDecision.objects.get(lead=french).explanation["steps"][0] == "dach: region 'southern_europe' not in ['dach']"


def test_a_lead_already_owned_by_the_team_is_not_routed_again(make_lead, sdrs):
    lead = qualify(make_lead)
    owner = lead.owner
    lead_act(lead=lead, action="accept", by=owner)
    assert Lead.objects.get(pk=lead.pk).owner == owner
    assert RoutingDecision.objects.filter(lead=lead).count() == 1
