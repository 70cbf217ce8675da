"""SLA timers start on stage entry, stop on the qualifying action only, and escalate a breach once."""

from datetime import UTC, datetime, timedelta

import pytest

from tandem import clock
from tandem.leads.models import Lead
from tandem.leads.services import lead_act, lead_advance_stage
from tandem.notifications.models import Notification
from tandem.sla.models import SlaBreach, SlaPolicy, SlaTimer
from tandem.sla.services import sla_tick
from tandem.touchpoints.services import touchpoint_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def mql(make_lead, users):
    """A lead that just became an MQL and was routed to the one SDR."""
    lead = make_lead()
    touchpoint_record(lead=lead, channel="form_fill")
    touchpoint_record(lead=lead, channel="webinar")
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == ("mql", users["sdr"])
    return lead


def timer(lead, key):
    return SlaTimer.objects.get(lead=lead, policy__key=key)


def test_entering_mql_starts_the_first_touch_and_the_acceptance_timers_for_the_owner(mql, users):
    first, decision = timer(mql, "mql_first_touch"), timer(mql, "tele_acceptance")
    assert first.responsible == decision.responsible == users["sdr"]
    assert first.team == "tele" and first.stopped_at is None
    assert first.started_at == mql.stage_entered_at


def test_a_call_by_someone_other_than_the_owner_does_not_stop_the_first_touch_timer(mql, users, make_user):
    touchpoint_record(lead=mql, channel="call", actor=make_user("sdr"))
    touchpoint_record(lead=mql, channel="email_open", actor=users["sdr"])
    assert timer(mql, "mql_first_touch").stopped_at is None
    touch = touchpoint_record(lead=mql, channel="email_sent", actor=users["sdr"])
    stopped = timer(mql, "mql_first_touch")
    assert (stopped.stop_kind, stopped.stop_touch_id, stopped.stopped_at) == ("met", touch.pk, touch.occurred_at)


def test_accepting_meets_the_acceptance_sla_and_a_recycle_later_cancels_nothing_already_stopped(mql, users):
    lead_act(lead=mql, action="accept", by=users["sdr"])
    decided = timer(mql, "tele_acceptance")
    assert decided.stop_kind == "met" and decided.stop_event.action == "accept"
    assert timer(mql, "mql_first_touch").stopped_at is None  # accepting is not a touch


def test_leaving_the_stage_another_way_cancels_the_timer(mql, users):
    lead_act(lead=mql, action="disqualify", by=users["sdr"], reason_code="competitor")
    assert timer(mql, "tele_acceptance").stop_kind == "met"  # disqualify is a decision the SLA accepts
    assert timer(mql, "mql_first_touch").stop_kind == "cancelled"  # out of the funnel


def test_a_sales_hand_off_starts_the_sales_acceptance_timer_and_a_procedural_reject_meets_it(mql, users):
    lead_act(lead=mql, action="accept", by=users["sdr"])
    mql.refresh_from_db()
    lead_advance_stage(lead=mql, to_stage="tql", by=users["sdr"])
    mql.refresh_from_db()
    assert mql.owner == users["sales"]
    handoff = timer(mql, "sales_acceptance")
    assert handoff.responsible == users["sales"]
    lead_act(lead=mql, action="reject", by=users["sales"], reason_code="incomplete_handoff")
    mql.refresh_from_db()
    assert timer(mql, "sales_acceptance").stop_kind == "met"
    assert mql.owner == users["sdr"]  # back to the SDR who had it: rule previous_owner


def test_a_breach_fires_once_however_often_the_tick_runs_and_the_manager_hears_once(mql, users):
    users["sdr"].manager = users["manager"]
    users["sdr"].save(update_fields=["manager"])
    due = timer(mql, "mql_first_touch").due_at
    for instant in (due, due + timedelta(seconds=1), due + timedelta(minutes=5), due + timedelta(hours=1)):
        sla_tick(now=instant)
    breach = SlaBreach.objects.get(timer__policy__key="mql_first_touch")
    assert (breach.user, breach.team, breach.detected_at) == (users["sdr"], "tele", due + timedelta(seconds=1))
    assert Notification.objects.filter(event="sla_breach", user=users["manager"]).count() == 1
    assert Notification.objects.filter(event="sla_breach", user=users["sdr"]).count() == 1
    assert Notification.objects.filter(event="sla_warning", user=users["sdr"]).count() == 1  # warned before


def test_a_timer_stopped_late_is_still_breached_once(mql, users, monkeypatch):
    due = timer(mql, "mql_first_touch").due_at
    monkeypatch.setenv("TANDEM_NOW", (due + timedelta(minutes=10)).isoformat())
    touchpoint_record(lead=mql, channel="call", actor=users["sdr"])
    assert timer(mql, "mql_first_touch").stopped_at is not None
    report = sla_tick(now=due + timedelta(minutes=11))
    assert len(report.breached) == 1
    assert sla_tick(now=due + timedelta(minutes=12)).breached == []


def test_a_policy_may_reroute_on_breach_to_another_rep_with_a_fresh_timer(mql, users, make_user):
    SlaPolicy.objects.filter(key="mql_first_touch").update(reroute_on_breach=True)
    other = make_user("sdr")
    due = timer(mql, "mql_first_touch").due_at
    sla_tick(now=due + timedelta(seconds=1))
    mql.refresh_from_db()
    assert mql.owner == other
    breach = SlaBreach.objects.get()
    assert (breach.user, breach.rerouted_to) == (users["sdr"], other)
    fresh = SlaTimer.objects.get(lead=mql, policy__key="mql_first_touch", round=2)
    assert (fresh.responsible, fresh.started_at) == (other, due + timedelta(seconds=1))
    assert Notification.objects.filter(user=other, event="assignment").count() == 1


def test_policy_changes_apply_to_timers_started_afterwards(api, tokens, make_lead):
    reply = api("PATCH", "/sla/policies/mql_first_touch", tokens["manager"]["write"],
                json={"version": 1, "duration_minutes": 60, "warn_share": "0.5"})
    assert reply.status_code == 200, reply.content
    assert api("PATCH", "/sla/policies/mql_first_touch", tokens["manager"]["write"],
               json={"version": 1, "duration_minutes": 30}).status_code == 409
    start = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)  # Wednesday 09:00 CET
    with clock.at_instant(start):
        lead = make_lead()
        touchpoint_record(lead=lead, channel="form_fill")
        touchpoint_record(lead=lead, channel="webinar")
    first = timer(Lead.objects.get(pk=lead.pk), "mql_first_touch")
    assert (first.due_at, first.warn_at) == (start + timedelta(hours=1), start + timedelta(minutes=30))
