"""Business calendars in Django: a rep's own calendar times their SLAs, correctly across DST changes.

The core has property tests against a minute-by-minute oracle; these check the stored calendars
(set through the API) reach it intact, with hand-worked deadlines.
"""

from datetime import UTC, datetime

import pytest

from tandem.leads.models import StageEvent
from tandem.sla.models import BusinessCalendar, SlaPolicy
from tandem.sla.timers import timer_start

pytestmark = pytest.mark.django_db
ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def owned_lead(make_lead, users):
    lead = make_lead()
    lead.owner = users["sdr"]
    lead.save(update_fields=["owner"])
    return lead


def set_calendar(api, tokens, users, timezone, hours, holidays=()):
    reply = api("PUT", f"/sla/calendars/rep-{users['sdr'].pk}", tokens["admin"]["write"], json={
        "name": "Rep calendar", "timezone": timezone, "hours": hours, "holidays": list(holidays),
        "user_id": users["sdr"].pk})
    assert reply.status_code == 200, reply.content


def due(lead, minutes, start):
    policy = SlaPolicy.objects.create(key=f"p{minutes}-{start:%H%M}", name="test", stage="mql", stop="exit",
                                      duration_minutes=minutes, team="tele", enabled=False)
    event = StageEvent.objects.filter(lead=lead).first()
    timer = timer_start(policy=policy, lead=lead, event=event, started_at=start)
    return timer


@pytest.mark.parametrize(("start", "minutes", "expected"), [
    # Friday 27 March 16:00 CET + 4 h: 1 h Friday, 3 h Monday 30 March after clocks went forward -> 12:00 CEST
    (datetime(2026, 3, 27, 15, tzinfo=UTC), 240, datetime(2026, 3, 30, 10, tzinfo=UTC)),
    # Friday 23 October 16:00 CEST + 4 h: 1 h Friday, 3 h Monday 26 October after clocks went back -> 12:00 CET
    (datetime(2026, 10, 23, 14, tzinfo=UTC), 240, datetime(2026, 10, 26, 11, tzinfo=UTC)),
])
def test_office_hours_deadlines_follow_the_local_clock_across_a_weekend_dst_change(
        api, tokens, users, owned_lead, start, minutes, expected):
    set_calendar(api, tokens, users, "Europe/Berlin", {d: ["09:00-17:00"] for d in ALL_DAYS[:5]})
    timer = due(owned_lead, minutes, start)
    assert timer.calendar.user == users["sdr"]
    assert timer.due_at == expected


def test_the_spring_forward_gap_is_not_working_time(api, tokens, users, owned_lead):
    # 01:00-04:00 local on 29 March 2026 holds two working hours (02:00-03:00 does not exist)
    set_calendar(api, tokens, users, "Europe/Berlin", {"sun": ["01:00-04:00"]})
    start = datetime(2026, 3, 29, 0, tzinfo=UTC)  # 01:00 CET
    assert due(owned_lead, 120, start).due_at == datetime(2026, 3, 29, 2, tzinfo=UTC)  # 04:00 CEST


def test_the_fall_back_overlap_counts_twice(api, tokens, users, owned_lead):
    # 01:00-04:00 local on 25 October 2026 holds four working hours (02:00-03:00 happens twice)
    set_calendar(api, tokens, users, "Europe/Berlin", {"sun": ["01:00-04:00"]})
    start = datetime(2026, 10, 24, 23, tzinfo=UTC)  # 01:00 CEST
    assert due(owned_lead, 240, start).due_at == datetime(2026, 10, 25, 3, tzinfo=UTC)  # 04:00 CET


def test_a_half_hour_dst_shift_on_lord_howe_island(api, tokens, users, owned_lead):
    # 5 April 2026: at 02:00 (+11:00) clocks go back to 01:30 (+10:30); 01:00-03:00 local holds 2.5 hours
    set_calendar(api, tokens, users, "Australia/Lord_Howe", {"sun": ["01:00-03:00"]})
    start = datetime(2026, 4, 4, 14, tzinfo=UTC)  # 01:00 +11:00
    assert due(owned_lead, 150, start).due_at == datetime(2026, 4, 4, 16, 30, tzinfo=UTC)  # 03:00 +10:30


def test_holidays_are_skipped_and_the_team_calendar_applies_without_a_rep_calendar(api, tokens, users, owned_lead):
    reply = api("PUT", "/sla/calendars/tele", tokens["manager"]["write"], json={
        "name": "Tele", "timezone": "Europe/London", "hours": {d: ["08:00-16:00"] for d in ALL_DAYS[:5]},
        "holidays": ["2026-12-28"], "team": "tele"})
    assert reply.status_code == 200, reply.content
    start = datetime(2026, 12, 24, 15, tzinfo=UTC)  # Thursday 15:00 London; Friday 25th is a work day here
    timer = due(owned_lead, 180, start)
    assert timer.calendar.key == "tele"
    # 1 h Thursday, 2 h Friday morning
    assert timer.due_at == datetime(2026, 12, 25, 10, tzinfo=UTC)
    late = due(owned_lead, 600, start)  # 1 h Thu + 8 h Fri + (Mon 28th is a holiday) 1 h Tue 29th
    assert late.due_at == datetime(2026, 12, 29, 9, tzinfo=UTC)


def test_a_calendar_with_a_bad_zone_or_interval_is_refused_naming_the_problem(api, tokens):
    reply = api("PUT", "/sla/calendars/bad", tokens["admin"]["write"],
                json={"name": "Bad", "timezone": "Mars/Olympus", "hours": {"mon": ["09:00-17:00"]}})
    assert reply.status_code == 422 and "Mars/Olympus" in reply.json()["detail"]
    reply = api("PUT", "/sla/calendars/bad", tokens["admin"]["write"],
                json={"name": "Bad", "timezone": "Europe/Berlin", "hours": {"mon": ["17:00-09:00"]}})
    assert reply.status_code == 422
    assert not BusinessCalendar.objects.filter(key="bad").exists()
