"""Business-time clocks: table cases, then properties against a minute-by-minute oracle.

The oracle walks UTC minutes and counts a minute when its local wall-clock reading falls in
working hours on a non-holiday; it never looks at offsets or transitions itself.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.business_time import Calendar, business_elapsed, due_at, is_working, working_periods

OFFICE = {day: ["09:00-12:00", "13:00-17:30"] for day in ("mon", "tue", "wed", "thu", "fri")}
BERLIN = Calendar.build("Europe/Berlin", OFFICE, holidays=[date(2026, 4, 3), date(2026, 4, 6)])
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(zone: str, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def nights(zone: str) -> Calendar:
    """01:00–04:00 local every day: straddles every DST change of the zones above."""
    return Calendar.build(zone, {day: ["01:00-04:00"] for day in range(7)})


@pytest.mark.parametrize(("start", "hours", "expected"), [
    (local("Europe/Berlin", 2026, 3, 24, 9), 4, local("Europe/Berlin", 2026, 3, 24, 14)),
    (local("Europe/Berlin", 2026, 3, 24, 11, 30), 1, local("Europe/Berlin", 2026, 3, 24, 13, 30)),
    (local("Europe/Berlin", 2026, 3, 24, 11), 1, local("Europe/Berlin", 2026, 3, 24, 12)),
    (local("Europe/Berlin", 2026, 3, 24, 9), 7.5, local("Europe/Berlin", 2026, 3, 24, 17, 30)),
    (local("Europe/Berlin", 2026, 3, 27, 16), 4, local("Europe/Berlin", 2026, 3, 30, 11, 30)),
    (local("Europe/Berlin", 2026, 3, 28, 10), 1, local("Europe/Berlin", 2026, 3, 30, 10)),
    (local("Europe/Berlin", 2026, 3, 24, 20), 0.5, local("Europe/Berlin", 2026, 3, 25, 9, 30)),
    (local("Europe/Berlin", 2026, 4, 2, 17), 1, local("Europe/Berlin", 2026, 4, 7, 9, 30)),
    (local("Europe/Berlin", 2026, 3, 24, 12, 15), 0.25, local("Europe/Berlin", 2026, 3, 24, 13, 15)),
    (local("Europe/Berlin", 2026, 3, 24, 9), 0, local("Europe/Berlin", 2026, 3, 24, 9)),
    (local("Europe/Berlin", 2026, 3, 28, 10), 0, local("Europe/Berlin", 2026, 3, 28, 10)),
])
def test_due_at_walks_office_hours_lunch_weekends_and_holidays(start, hours, expected):
    assert due_at(start, timedelta(hours=hours), BERLIN) == expected


def test_a_deadline_that_uses_up_the_day_is_the_end_of_the_day_not_the_next_morning():
    start = local("Europe/Berlin", 2026, 3, 24, 13)
    assert due_at(start, timedelta(hours=4.5), BERLIN) == local("Europe/Berlin", 2026, 3, 24, 17, 30)
    next_morning = local("Europe/Berlin", 2026, 3, 25, 9, 0, 1)
    assert due_at(start, timedelta(hours=4.5, seconds=1), BERLIN) == next_morning


@pytest.mark.parametrize(("zone", "day", "expected_hours"), [
    ("Europe/Berlin", date(2026, 3, 29), 2),
    ("Europe/Berlin", date(2026, 10, 25), 4),
    ("America/New_York", date(2026, 3, 8), 2),
    ("America/New_York", date(2026, 11, 1), 4),
    ("America/St_Johns", date(2026, 3, 8), 2),
    ("America/St_Johns", date(2026, 11, 1), 4),
    ("Australia/Lord_Howe", date(2025, 10, 5), 2.5),
    ("Australia/Lord_Howe", date(2026, 4, 5), 3.5),
    ("Asia/Kolkata", date(2026, 3, 29), 3),
])
def test_a_night_shift_skips_the_dst_gap_and_counts_the_overlap_twice(zone, day, expected_hours):
    start = datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)
    end = datetime.combine(day, time(12), ZoneInfo(zone)).astimezone(UTC)
    assert business_elapsed(start, end, nights(zone)) == timedelta(hours=expected_hours)


def test_the_overlap_is_worked_twice_in_real_time_so_the_deadline_falls_in_the_second_pass():
    start = local("Europe/Berlin", 2026, 10, 25, 1)
    due = due_at(start, timedelta(hours=2), nights("Europe/Berlin"))
    assert due == local("Europe/Berlin", 2026, 10, 25, 2, fold=1)
    assert due == utc(2026, 10, 25, 1)


def test_the_gap_is_skipped_so_an_hour_from_one_oclock_ends_at_three():
    start = local("Europe/Berlin", 2026, 3, 29, 1)
    three = local("Europe/Berlin", 2026, 3, 29, 3)
    assert due_at(start, timedelta(hours=1), nights("Europe/Berlin")) == three


def test_twelve_weeks_of_office_hours_across_a_dst_change_end_at_the_same_wall_time():
    calendar = Calendar.build("Europe/Berlin", OFFICE)
    start = local("Europe/Berlin", 2026, 2, 2, 10)
    assert due_at(start, timedelta(hours=37.5 * 12), calendar) == local("Europe/Berlin", 2026, 4, 27, 10)
    assert business_elapsed(start, local("Europe/Berlin", 2026, 4, 27, 10), calendar) == timedelta(hours=450)


def test_a_year_of_business_hours_is_computed_quickly_and_round_trips():
    calendar = Calendar.build("America/New_York", OFFICE, holidays=[date(2026, 7, 3), date(2026, 12, 25)])
    start = local("America/New_York", 2026, 1, 5, 9, 17, 3)
    due = due_at(start, timedelta(hours=7.5 * 250), calendar)
    assert business_elapsed(start, due, calendar) == timedelta(hours=7.5 * 250)


def test_microseconds_are_kept():
    start = local("Europe/Berlin", 2026, 3, 24, 9) + timedelta(microseconds=7)
    duration = timedelta(seconds=1, microseconds=5)
    assert due_at(start, duration, BERLIN) == start + duration


def test_an_aware_non_utc_start_is_accepted_and_the_result_is_utc():
    start = datetime(2026, 3, 24, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    result = due_at(start, timedelta(hours=1), BERLIN)
    assert result.tzinfo is UTC and result == local("Europe/Berlin", 2026, 3, 24, 10)


def test_elapsed_is_zero_when_the_end_is_not_after_the_start():
    start = local("Europe/Berlin", 2026, 3, 24, 10)
    assert business_elapsed(start, start - timedelta(hours=3), BERLIN) == timedelta(0)


def test_working_periods_list_each_stretch_of_working_time_in_utc():
    start, end = local("Europe/Berlin", 2026, 3, 24, 10), local("Europe/Berlin", 2026, 3, 24, 14)
    periods = working_periods(start, end, BERLIN)
    assert periods == [(local("Europe/Berlin", 2026, 3, 24, 10), local("Europe/Berlin", 2026, 3, 24, 12)),
                       (local("Europe/Berlin", 2026, 3, 24, 13), local("Europe/Berlin", 2026, 3, 24, 14))]


@pytest.mark.parametrize("call", [
    lambda: due_at(datetime(2026, 3, 24, 9), timedelta(hours=1), BERLIN),
    lambda: business_elapsed(datetime(2026, 3, 24, 9), utc(2026, 3, 25), BERLIN),
    lambda: business_elapsed(utc(2026, 3, 24), datetime(2026, 3, 25), BERLIN),
    lambda: is_working(datetime(2026, 3, 24, 9), BERLIN),
])
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_a_negative_duration_is_refused():
    with pytest.raises(ValueError, match="negative"):
        due_at(utc(2026, 3, 24), timedelta(hours=-1), BERLIN)


@pytest.mark.parametrize(("weekly", "message"), [
    ({}, "no working time at all"),
    ({"mon": []}, "no working time at all"),
    ({"mon": ["17:00-09:00"]}, "start < end"),
    ({"mon": ["09:00-12:00", "11:00-13:00"]}, "overlap"),
    ({"mon": ["9-17"]}, "not a time"),
    ({"mon": ["09:00-24:30"]}, "not a time of day"),
    ({"funday": ["09:00-17:00"]}, "weekday"),
])
def test_calendars_without_working_time_or_with_broken_hours_are_refused(weekly, message):
    with pytest.raises(ValueError, match=message):
        Calendar.build("Europe/Berlin", weekly)


def test_an_unknown_time_zone_is_refused_by_name():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        Calendar.build("Mars/Olympus", OFFICE)


def test_hours_may_run_to_midnight_and_be_given_as_times():
    calendar = Calendar.build("Asia/Kolkata", {"sat": [(time(22), time(0))], "sun": ["00:00-01:00"]})
    start = local("Asia/Kolkata", 2026, 3, 28, 23)
    assert due_at(start, timedelta(hours=2), calendar) == local("Asia/Kolkata", 2026, 3, 29, 1)


# --- properties against the oracle ---------------------------------------------------------


def oracle_is_working(instant_s: int, calendar: Calendar) -> bool:
    wall = datetime.fromtimestamp(instant_s, ZoneInfo(calendar.timezone))
    if wall.date() in calendar.holidays:
        return False
    seconds = wall.hour * 3600 + wall.minute * 60 + wall.second
    return any(start <= seconds < end for start, end in calendar.hours[wall.weekday()])


def oracle_elapsed_minutes(start: datetime, end: datetime, calendar: Calendar) -> int:
    first, last = int(start.timestamp()), int(end.timestamp())
    return sum(oracle_is_working(second, calendar) for second in range(first, last, 60))


def oracle_due(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    instant, counted = int(start.timestamp()), 0
    while counted < minutes:
        counted += oracle_is_working(instant, calendar)
        instant += 60
    return datetime.fromtimestamp(instant, UTC)


@lru_cache
def transitions(zone: str) -> tuple[datetime, ...]:
    """Offset changes of `zone` in 2025–2026, found by an hourly scan refined to the minute."""
    tz, found = ZoneInfo(zone), []
    hour = utc(2025, 1, 1)
    while hour < utc(2027, 1, 1):
        nxt = hour + timedelta(hours=1)
        if hour.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            found.append(next(hour + timedelta(minutes=m) for m in range(61)
                              if (hour + timedelta(minutes=m)).astimezone(tz).utcoffset()
                              == nxt.astimezone(tz).utcoffset()))
        hour = nxt
    return tuple(found) or (utc(2026, 3, 29, 1), utc(2026, 10, 25, 1))


QUARTERS = st.lists(st.integers(0, 96), min_size=0, max_size=6, unique=True).map(sorted)


@st.composite
def calendars(draw, zone: str) -> Calendar:
    fixed = [nights(zone), Calendar.build(zone, OFFICE),
             Calendar.build(zone, {day: ["00:00-02:15", "02:45-11:00", "12:00-24:00"] for day in range(7)})]
    if draw(st.booleans()):
        return draw(st.sampled_from(fixed))
    days = []
    for _ in range(7):
        edges = draw(QUARTERS)
        pairs = [(edges[i] * 900, edges[i + 1] * 900) for i in range(0, len(edges) - 1, 2)]
        days.append(tuple(pair for pair in pairs if pair[0] < pair[1]))
    if not any(days):
        days[draw(st.integers(0, 6))] = ((3600, 3 * 3600),)
    return Calendar(zone, tuple(days))


@st.composite
def situations(draw) -> tuple[datetime, Calendar]:
    zone = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(transitions(zone)))
    start = anchor + timedelta(minutes=draw(st.integers(-2 * 1440, 1440)))
    calendar = draw(calendars(zone))
    holidays = draw(st.sets(st.integers(-3, 3), max_size=2))
    anchor_day = anchor.astimezone(ZoneInfo(zone)).date()
    calendar = Calendar(zone, calendar.hours, frozenset(anchor_day + timedelta(days=d) for d in holidays))
    return start, calendar


BOUNDED = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@BOUNDED
@given(situations(), st.integers(0, 3 * 1440))
def test_business_elapsed_matches_the_minute_oracle_around_dst_changes(situation, minutes):
    start, calendar = situation
    end = start + timedelta(minutes=minutes)
    expected = timedelta(minutes=oracle_elapsed_minutes(start, end, calendar))
    assert business_elapsed(start, end, calendar) == expected


@BOUNDED
@given(situations(), st.integers(0, 8 * 60))
def test_due_at_matches_the_minute_oracle_around_dst_changes(situation, minutes):
    start, calendar = situation
    assert due_at(start, timedelta(minutes=minutes), calendar) == oracle_due(start, minutes, calendar)


@BOUNDED
@given(situations(), st.integers(0, 40 * 3600 * 10**6), st.integers(0, 59 * 10**6))
def test_elapsed_until_the_due_instant_is_exactly_the_duration(situation, duration_us, jitter_us):
    start, calendar = situation
    start += timedelta(microseconds=jitter_us)
    duration = timedelta(microseconds=duration_us)
    due = due_at(start, duration, calendar)
    assert business_elapsed(start, due, calendar) == duration
    assert due == start or business_elapsed(start, due - timedelta(microseconds=1), calendar) < duration


@BOUNDED
@given(situations(), st.integers(0, 2 * 1440), st.integers(0, 2 * 1440))
def test_elapsed_time_adds_up_over_consecutive_spans(situation, first, second):
    start, calendar = situation
    middle, end = start + timedelta(minutes=first), start + timedelta(minutes=first + second)
    assert (business_elapsed(start, middle, calendar) + business_elapsed(middle, end, calendar)
            == business_elapsed(start, end, calendar))


@BOUNDED
@given(situations(), st.integers(0, 1440))
def test_is_working_agrees_with_the_oracle(situation, minutes):
    start, calendar = situation
    instant = start + timedelta(minutes=minutes)
    assert is_working(instant, calendar) == oracle_is_working(int(instant.timestamp()), calendar)
