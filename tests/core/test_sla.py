"""SLA timers, the sweep, Marketing's commitment and compliance figures: pure, no database."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.business_time import Calendar, to_us
from tandem.core.sla import (
    NEVER,
    Commitment,
    Timer,
    TimerArrays,
    compliance_stats,
    project_commitment,
    start_timer,
    sweep,
    timer_compliance,
    warn_at,
)

BERLIN = Calendar.build("Europe/Berlin", {d: ["09:00-12:00", "13:00-17:30"] for d in range(5)},
                        holidays=[date(2026, 4, 3)])


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)


def test_breach_fires_once_after_four_business_hours():
    timer = start_timer(1, berlin(2026, 3, 24, 10), timedelta(hours=4), BERLIN, warn_share=None)
    assert timer.due_at == berlin(2026, 3, 24, 15)
    assert sweep([timer], berlin(2026, 3, 24, 15))[1].tolist() == []
    assert sweep([timer], berlin(2026, 3, 24, 15, 0, 1))[1].tolist() == [1]
    recorded = replace(timer, breached=True)
    assert sweep([recorded], berlin(2026, 3, 25, 9))[1].tolist() == []


def test_the_warning_comes_at_three_quarters_of_the_business_time_and_only_once():
    timer = start_timer(7, berlin(2026, 3, 24, 11), timedelta(hours=4), BERLIN)
    assert timer.warn_at == berlin(2026, 3, 24, 15)
    assert sweep([timer], berlin(2026, 3, 24, 14, 59))[0].tolist() == []
    warn, breach = sweep([timer], berlin(2026, 3, 24, 15))
    assert (warn.tolist(), breach.tolist()) == ([7], [])
    assert sweep([replace(timer, warned=True)], berlin(2026, 3, 24, 15, 30))[0].tolist() == []


def test_a_friday_evening_lead_is_due_on_monday_morning_and_not_breached_over_the_weekend():
    timer = start_timer(2, berlin(2026, 3, 27, 17), timedelta(hours=2), BERLIN)
    assert timer.due_at == berlin(2026, 3, 30, 10, 30)
    assert sweep([timer], berlin(2026, 3, 29, 23))[1].tolist() == []


def test_warn_at_splits_business_time_not_wall_time():
    start, due = berlin(2026, 3, 24, 16), berlin(2026, 3, 25, 11)
    assert warn_at(start, due, 0.5, BERLIN) == berlin(2026, 3, 25, 9, 15)
    assert warn_at(start, due, 1.0, BERLIN) == due


@pytest.mark.parametrize("share", [0, -0.1, 1.5])
def test_a_warning_share_outside_zero_to_one_is_refused(share):
    with pytest.raises(ValueError, match="share"):
        warn_at(berlin(2026, 3, 24, 9), berlin(2026, 3, 24, 12), share, BERLIN)


@pytest.mark.parametrize(("stopped", "breached"), [
    (None, True),
    (berlin(2026, 3, 24, 14), False),
    (berlin(2026, 3, 24, 15), False),
    (berlin(2026, 3, 24, 16), True),
])
def test_a_stop_at_or_before_the_due_instant_meets_and_a_late_stop_still_breaches_once(stopped, breached):
    timer = Timer(3, berlin(2026, 3, 24, 10), berlin(2026, 3, 24, 15), stopped_at=stopped)
    assert sweep([timer], berlin(2026, 3, 24, 18))[1].tolist() == ([3] if breached else [])


def test_a_timer_breached_in_this_sweep_is_not_also_warned():
    timer = Timer(4, berlin(2026, 3, 24, 10), berlin(2026, 3, 24, 15), warn_at=berlin(2026, 3, 24, 14))
    warn, breach = sweep([timer], berlin(2026, 3, 24, 16))
    assert (warn.tolist(), breach.tolist()) == ([], [4])


def test_a_stopped_timer_is_not_warned():
    timer = Timer(5, berlin(2026, 3, 24, 10), berlin(2026, 3, 24, 15), warn_at=berlin(2026, 3, 24, 14),
                  stopped_at=berlin(2026, 3, 24, 13))
    assert sweep([timer], berlin(2026, 3, 24, 14, 30))[0].tolist() == []


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        Timer(1, datetime(2026, 3, 24, 10), berlin(2026, 3, 24, 15))
    with pytest.raises(ValueError, match="timezone-aware"):
        sweep([], datetime(2026, 3, 24, 10))


def test_timer_arrays_must_agree_in_length():
    with pytest.raises(ValueError, match="same length"):
        two, one = np.zeros(2, np.int64), np.zeros(1, np.int64)
        TimerArrays(two, two, one, two, np.zeros(2, bool), np.zeros(2, bool))


instants = st.integers(0, 40).map(lambda h: berlin(2026, 3, 24, 0) + timedelta(hours=h))


@st.composite
def timers(draw) -> Timer:
    start = draw(instants)
    due = start + timedelta(hours=draw(st.integers(0, 10)))
    warn = draw(st.none() | st.integers(0, 10).map(lambda h: start + timedelta(hours=h)))
    stopped = draw(st.none() | st.integers(0, 20).map(lambda h: start + timedelta(hours=h)))
    warned, breached = draw(st.booleans()), draw(st.booleans())
    return Timer(draw(st.integers(0, 10**9)), start, due, warn, stopped, warned, breached)


@settings(max_examples=200, deadline=None)
@given(st.lists(timers(), max_size=30), instants)
def test_the_vectorised_sweep_agrees_with_the_rules_one_timer_at_a_time(batch, now):
    def breaches(t: Timer) -> bool:
        return not t.breached and now > t.due_at and (t.stopped_at is None or t.stopped_at > t.due_at)

    def warns(t: Timer) -> bool:
        return (not t.warned and not t.breached and not breaches(t) and t.warn_at is not None
                and t.warn_at <= now and (t.stopped_at is None or t.stopped_at > now))

    warn, breach = sweep(batch, now)
    assert warn.tolist() == [t.id for t in batch if warns(t)]
    assert breach.tolist() == [t.id for t in batch if breaches(t)]


def test_a_million_open_timers_are_swept_quickly():
    n = 1_000_000
    base = to_us(berlin(2026, 3, 24, 9))
    rng = np.random.default_rng(7)
    due = base + rng.integers(0, 10 * 3600 * 10**6, n)
    arrays = TimerArrays(np.arange(n, dtype=np.int64), due, due - 3600 * 10**6, np.full(n, NEVER, np.int64),
                         np.zeros(n, bool), np.zeros(n, bool))
    warn, breach = sweep(arrays, berlin(2026, 3, 24, 14))
    assert len(warn) + len(breach) > 0 and set(warn.tolist()).isdisjoint(breach.tolist())


# --- compliance ----------------------------------------------------------------------------


def test_compliance_counts_met_breached_and_pending_and_reports_business_hour_percentiles():
    start = berlin(2026, 3, 24, 9)
    batch = [Timer(i, start, berlin(2026, 3, 24, 13), stopped_at=start + timedelta(hours=h))
             for i, h in enumerate([1, 2, 3, 4, 6])]
    batch += [Timer(10, start, berlin(2026, 3, 24, 13)), Timer(11, start, berlin(2026, 3, 25, 13))]
    stats = timer_compliance(batch, BERLIN, berlin(2026, 3, 24, 17))
    assert (stats.timers, stats.met, stats.breached, stats.pending) == (7, 4, 2, 1)
    assert stats.share_met == pytest.approx(4 / 6)
    # business hours skip lunch: responses after 1, 2, 3, 4 and 6 wall hours are 1, 2, 3, 3 and 5
    assert stats.median_response_hours == pytest.approx(3.0)
    assert stats.p90_response_hours == pytest.approx(4.2)


def test_compliance_without_any_decided_timer_has_no_share():
    open_timer = (np.array([NEVER - 1]), np.array([NEVER]), np.array([np.nan]))
    stats = compliance_stats(*open_timer, berlin(2026, 3, 24, 9))
    assert (stats.share_met, stats.median_response_hours, stats.pending) == (None, None, 1)


# --- Marketing's commitment ------------------------------------------------------------------

MARCH = Commitment(target=100, min_acceptance_rate=0.6, period_start=datetime(2026, 3, 1, tzinfo=UTC),
                   period_end=datetime(2026, 3, 31, tzinfo=UTC))


@pytest.mark.parametrize(("delivered", "accepted", "rejected", "now", "status"), [
    (50, 30, 10, datetime(2026, 3, 16, tzinfo=UTC), "on_track"),
    (40, 30, 10, datetime(2026, 3, 16, tzinfo=UTC), "at_risk"),
    (50, 20, 20, datetime(2026, 3, 16, tzinfo=UTC), "at_risk"),
    (50, 0, 0, datetime(2026, 3, 16, tzinfo=UTC), "on_track"),
    (100, 70, 30, datetime(2026, 3, 20, tzinfo=UTC), "met"),
    (100, 50, 50, datetime(2026, 3, 20, tzinfo=UTC), "at_risk"),
    (0, 0, 0, datetime(2026, 3, 1, 12, tzinfo=UTC), "on_track"),
    (0, 0, 0, datetime(2026, 2, 20, tzinfo=UTC), "on_track"),
    (101, 61, 40, datetime(2026, 4, 2, tzinfo=UTC), "met"),
    (99, 99, 0, datetime(2026, 3, 31, tzinfo=UTC), "missed"),
    (120, 50, 50, datetime(2026, 4, 2, tzinfo=UTC), "missed"),
])
def test_the_commitment_status_follows_pace_and_acceptance(delivered, accepted, rejected, now, status):
    assert project_commitment(MARCH, delivered, accepted, rejected, now).status == status


def test_the_projection_is_linear_over_calendar_time_and_says_what_is_needed_per_day():
    projection = project_commitment(MARCH, 45, 30, 10, datetime(2026, 3, 13, tzinfo=UTC))
    assert projection.elapsed_share == pytest.approx(0.4)
    assert projection.projected == pytest.approx(112.5)
    assert projection.acceptance_rate == pytest.approx(0.75)
    assert projection.needed_per_day == pytest.approx(55 / 18)
    assert projection.reasons[0].startswith("45 of 100 MQLs delivered; 112.5 projected")


def test_a_broken_commitment_is_refused():
    with pytest.raises(ValueError, match="acceptance rate"):
        Commitment(10, 1.5, MARCH.period_start, MARCH.period_end)
    with pytest.raises(ValueError, match="end after"):
        Commitment(10, 0.5, MARCH.period_end, MARCH.period_start)
    with pytest.raises(ValueError, match="negative"):
        project_commitment(MARCH, -1, 0, 0, MARCH.period_end)
