"""The issue's scenario, end to end through the API and `tandem sla tick --now`.

Two leads arrive through the API on Monday 2 March 2026 (Berlin, CET = UTC+1, working hours
Mon–Fri 09:00–17:00), are scored, auto-qualified to MQL by their touches and routed to the two
SDRs. Time moves forward with `tandem sla tick --now`. The expected figures below are worked out
by hand from the calendar, not by calling the code under test.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tandem.leads.models import Lead
from tandem.notifications.models import Notification
from tandem.people.models import User
from tandem.sla.models import SlaBreach, SlaTimer

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, CET (UTC+1)
ARRIVE_1 = "2026-03-02T08:00:00Z"  # 09:00 CET
ARRIVE_2 = "2026-03-02T14:00:00Z"  # 15:00 CET


@pytest.fixture
def team(users, make_user):
    sdr_a, sdr_b = users["sdr"], make_user("sdr")
    User.objects.filter(pk__in=[sdr_a.pk, sdr_b.pk]).update(manager=users["manager"])
    return sdr_a, sdr_b


def at(monkeypatch, instant: str) -> None:
    monkeypatch.setenv("TANDEM_NOW", instant)


def tick(instant: str) -> None:
    call_command("sla", "tick", "--now", instant)


def arrive(api, tokens, make_account, django_capture_on_commit_callbacks, n: int) -> Lead:
    account = make_account()
    reply = api("POST", "/leads", tokens["marketing"]["write"], json={
        "email": f"buyer{n}@example.com", "first_name": "Kim", "last_name": f"Buyer{n}", "title": "VP Operations",
        "phone": "+49 30 555 0101", "account_id": account.pk, "country": "DE"})
    assert reply.status_code == 201, reply.content
    lead_id = reply.json()["id"]
    assert reply.json()["score"] == 8 + 4 + 5 + 2  # VP, 250 employees, DACH, phone
    with django_capture_on_commit_callbacks(execute=True):
        batch = api("POST", "/touchpoints/batch", tokens["marketing"]["write"], json={"items": [
            {"lead_id": lead_id, "channel": "form_fill"}, {"lead_id": lead_id, "channel": "webinar"}]})
    assert batch.status_code == 200 and batch.json()["created"] == 2, batch.content
    return Lead.objects.get(pk=lead_id)


def test_leads_are_scored_qualified_routed_and_held_to_their_slas(
        api, tokens, users, team, make_account, monkeypatch, django_capture_on_commit_callbacks):
    sdr_a, sdr_b = team
    manager = users["manager"]

    # Marketing commits to 2 MQLs in March at an acceptance rate of at least 50%, and 5 enterprise MQLs
    at(monkeypatch, "2026-03-01T00:00:00Z")
    for body in ({"month": "2026-03", "target_mqls": 2, "min_acceptance_rate": "0.5", "owner_id": users["marketing"].pk},
                 {"month": "2026-03", "target_mqls": 5, "segment": "enterprise", "min_acceptance_rate": "0.5"}):
        assert api("POST", "/sla/commitments", tokens["marketing"]["write"], json=body).status_code == 201

    # given two leads arriving through the API, qualified by their touches and routed
    at(monkeypatch, ARRIVE_1)
    first = arrive(api, tokens, make_account, django_capture_on_commit_callbacks, 1)
    at(monkeypatch, ARRIVE_2)
    second = arrive(api, tokens, make_account, django_capture_on_commit_callbacks, 2)
    for lead in (first, second):
        assert (lead.stage, lead.score) == ("mql", 19 + 20 + 15)
    assert {first.owner_id, second.owner_id} == {sdr_a.pk, sdr_b.pk}  # one each: the quota method
    score = api("GET", f"/scoring/leads/{first.pk}", tokens["admin"]["read"]).json()
    assert sum(c["points"] for c in score["explanation"]) == score["total"] == 54

    # then the first-touch and tele-acceptance timers run in business hours
    due = {(t.lead_id, t.policy.key): t for t in SlaTimer.objects.select_related("policy")}
    assert due[first.pk, "mql_first_touch"].due_at.isoformat() == "2026-03-02T12:00:00+00:00"  # 13:00 CET
    assert due[first.pk, "tele_acceptance"].due_at.isoformat() == "2026-03-02T16:00:00+00:00"  # 17:00 CET
    # 15:00-17:00 Monday, then 09:00-11:00 Tuesday; warned at 3 of the 4 hours (10:00 CET Tuesday)
    assert due[second.pk, "mql_first_touch"].due_at.isoformat() == "2026-03-03T10:00:00+00:00"
    assert due[second.pk, "mql_first_touch"].warn_at.isoformat() == "2026-03-03T09:00:00+00:00"

    # when the first lead's owner calls at 10:30 CET and accepts it at 11:00 CET
    owner_one = User.objects.get(pk=first.owner_id)
    at(monkeypatch, "2026-03-02T09:30:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        call = api("POST", "/touchpoints/batch", tokens["sdr" if owner_one == sdr_a else "marketing"]["write"],
                   json={"items": [{"lead_id": first.pk, "channel": "call", "actor_id": owner_one.pk}]})
    assert call.json()["created"] == 1, call.content
    at(monkeypatch, "2026-03-02T10:00:00Z")
    first.refresh_from_db()
    from tandem.leads.services import lead_act
    lead_act(lead=first, action="accept", by=owner_one)

    # and time moves on; nobody touches the second lead
    for instant in ("2026-03-02T17:00:00Z", "2026-03-03T08:59:00Z"):
        tick(instant)
    assert not Notification.objects.filter(event__in=["sla_warning", "sla_breach"]).exists()
    tick("2026-03-03T09:30:00Z")
    tick("2026-03-03T09:45:00Z")
    owner_two = User.objects.get(pk=second.owner_id)
    assert list(Notification.objects.filter(event="sla_warning").values_list("user_id", flat=True)) == [owner_two.pk]
    tick("2026-03-03T10:00:00Z")  # the due instant itself is not yet late
    assert not SlaBreach.objects.exists()
    tick("2026-03-03T10:00:01Z")
    tick("2026-03-03T10:30:00Z")

    # then the breach fires once, against the SDR and the tele team, and their manager hears of it once
    breach = SlaBreach.objects.get()
    assert (breach.lead_id, breach.team, breach.user_id, breach.policy.key) == (second.pk, "tele", owner_two.pk,
                                                                               "mql_first_touch")
    assert sorted(Notification.objects.filter(event="sla_breach").values_list("user_id", flat=True)) == sorted(
        [owner_two.pk, manager.pk])
    assert Notification.objects.filter(event="sla_warning").count() == 1

    # the second lead is accepted at 12:00 CET Tuesday: 2 + 3 business hours after it arrived
    at(monkeypatch, "2026-03-03T11:00:00Z")
    second.refresh_from_db()
    lead_act(lead=second, action="accept", by=owner_two)

    # compliance for March, by policy (worked by hand):
    #   first touch: lead 1 met after 1.5 h (09:00 -> 10:30 CET); lead 2 breached, still open
    #   tele acceptance: lead 1 met after 2 h; lead 2 met after 5 h -> median 3.5 h, p90 2 + 0.9 * 3 = 4.7 h
    report = api("GET", "/sla/compliance", tokens["manager"]["read"],
                 query={"month": "2026-03", "group_by": "policy"}).json()
    rows = {r["key"]: r["stats"] for r in report["rows"]}
    assert rows["mql_first_touch"] == {"timers": 2, "met": 1, "breached": 1, "pending": 0, "share_met": 0.5,
                                       "median_response_hours": 1.5, "p90_response_hours": 1.5}
    assert rows["tele_acceptance"]["met"] == 2 and rows["tele_acceptance"]["breached"] == 0
    assert rows["tele_acceptance"]["median_response_hours"] == pytest.approx(3.5)
    assert rows["tele_acceptance"]["p90_response_hours"] == pytest.approx(4.7)
    assert report["speed_to_lead"]["median_response_hours"] == 1.5
    by_user = api("GET", "/sla/compliance", tokens["manager"]["read"],
                  query={"month": "2026-03", "group_by": "user"}).json()
    persons = {r["key"]: r["stats"] for r in by_user["rows"]}
    assert persons[str(owner_two.pk)]["breached"] == 1 and persons[str(owner_one.pk)]["breached"] == 0

    # Marketing's commitments, judged when March is over: 2 of 2 MQLs, both accepted -> met; 0 of 5 -> missed
    tick("2026-04-01T00:00:00Z")
    tick("2026-04-01T00:00:30Z")
    commitments = {c["segment"]: c for c in api("GET", "/sla/commitments", tokens["marketing"]["read"]).json()}
    assert (commitments[""]["status"], commitments[""]["delivered"], commitments[""]["accepted"]) == ("met", 2, 2)
    assert (commitments["enterprise"]["status"], commitments["enterprise"]["delivered"]) == ("missed", 0)
    missed = SlaBreach.objects.get(kind="commitment")
    assert missed.team == "marketing"
    assert SlaBreach.objects.count() == 2  # one timer breach and one missed commitment, each exactly once
