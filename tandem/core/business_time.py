"""Business time: working hours in a local time zone, and clocks that only run inside them.

A `Calendar` is weekly working hours (any number of half-open intervals per weekday, in
local wall-clock time, e.g. 09:00–12:00 and 13:00–17:30), an IANA time zone and a set of
local holiday dates.

Exact semantics (the invariants the tests check against a minute-by-minute oracle):

* An instant ``u`` is *working* iff its local wall-clock reading in the calendar's zone,
  date ``D`` and time of day ``t``, has ``D`` not a holiday and ``t`` inside one of the
  intervals ``[start, end)`` configured for ``D``'s weekday.
* ``business_elapsed(start, end)`` is the amount of working time in ``[start, end)``
  (zero when ``end <= start``).
* ``due_at(start, duration)`` is the earliest instant ``t >= start`` with
  ``business_elapsed(start, t) == duration``. A zero duration gives ``start``; a deadline
  that uses up an interval exactly is that interval's end (17:30, not 09:00 next day).
* DST gap: a local wall time that does not exist is never working, so 01:00–04:00 on a
  spring-forward night with a one-hour gap is two hours of business time.
* DST overlap: a wall time that occurs twice is working both times (real elapsed time),
  so 01:00–04:00 on a fall-back night with a one-hour overlap is four hours.
* Every computation runs on absolute UTC instants: each local day's intervals are turned
  into UTC intervals by splitting them at the zone's offset changes, then clipped.

Units: datetimes at the API are timezone-aware (naive ones raise ValueError) and results
are UTC; internally instants are integer microseconds since the Unix epoch, and working
hours are whole seconds after local midnight (``24:00`` may end a day). Cost is O(days
spanned), each day's UTC intervals are cached. Assumes (as tzdata does) that a zone's
offset stays within ±16 hours and never changes twice within six hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[int, int]

_US = 1_000_000
_DAY_S = 86_400
_MAX_OFFSET_S = 16 * 3600
_SAMPLE_STEP_S = 6 * 3600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DATE = date(1970, 1, 1)
_ONE_US = timedelta(microseconds=1)
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class Calendar:
    """Weekly working hours in `timezone`, plus local holiday dates.

    `hours[w]` (Monday is 0) holds sorted, non-overlapping ``(start_s, end_s)`` pairs of
    seconds after local midnight, ``0 <= start_s < end_s <= 86400``.
    """

    timezone: str
    hours: tuple[tuple[Interval, ...], ...]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        zone_of(self.timezone)
        if len(self.hours) != 7:
            raise ValueError(f"calendar hours need 7 weekdays (Monday first), got {len(self.hours)}")
        for weekday, intervals in enumerate(self.hours):
            _check_day(_DAY_NAMES[weekday], intervals)
        if not any(self.hours):
            raise ValueError("calendar has no working time at all: give at least one weekday working hours")
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @classmethod
    def build(cls, timezone: str, weekly: Mapping[int | str, Iterable[str | tuple[str | time, str | time]]],
              holidays: Iterable[date] = ()) -> Calendar:
        """From friendly data: ``{"mon": ["09:00-12:00", "13:00-17:30"], 5: []}``; missing days are off."""
        days: list[list[Interval]] = [[] for _ in range(7)]
        for key, intervals in weekly.items():
            weekday = _weekday(key)
            days[weekday] = sorted(_parse_interval(_DAY_NAMES[weekday], item) for item in intervals)
        return cls(timezone, tuple(tuple(day) for day in days), frozenset(holidays))


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone `name`, or ValueError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)") from exc


def _weekday(key: int | str) -> int:
    if isinstance(key, int) and 0 <= key <= 6:
        return key
    if isinstance(key, str) and key[:3].lower() in _DAY_NAMES:
        return _DAY_NAMES.index(key[:3].lower())
    raise ValueError(f"weekday {key!r}: use 0-6 (Monday is 0) or mon..sun")


def _clock_seconds(day: str, value: str | time, *, is_end: bool) -> int:
    if isinstance(value, time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return _DAY_S if is_end and seconds == 0 else seconds
    match = _CLOCK.match(value.strip())
    if not match:
        raise ValueError(f"{day}: {value!r} is not a time like 09:00 or 17:30")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    seconds = hour * 3600 + minute * 60 + second
    if minute > 59 or second > 59 or seconds > _DAY_S:
        raise ValueError(f"{day}: {value!r} is not a time of day (00:00 to 24:00)")
    return seconds


def _parse_interval(day: str, item: str | tuple[str | time, str | time]) -> Interval:
    if isinstance(item, str):
        parts = item.split("-")
        if len(parts) != 2:
            raise ValueError(f"{day}: {item!r} is not an interval like 09:00-17:30")
        item = (parts[0], parts[1])
    start, end = item
    return _clock_seconds(day, start, is_end=False), _clock_seconds(day, end, is_end=True)


def _check_day(day: str, intervals: tuple[Interval, ...]) -> None:
    previous_end = 0
    for start, end in intervals:
        if not 0 <= start < end <= _DAY_S:
            raise ValueError(f"{day}: interval {start}s-{end}s must satisfy 0 <= start < end <= 86400")
        if start < previous_end:
            raise ValueError(f"{day}: intervals overlap or are not sorted at {start}s")
        previous_end = end


# --- instants ----------------------------------------------------------------------------


def to_us(instant: datetime, name: str = "instant") -> int:
    """Microseconds since the Unix epoch of an aware datetime; naive ones are refused."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime (got naive {instant.isoformat()})")
    return (instant - _EPOCH) // _ONE_US


def from_us(us: int) -> datetime:
    """The aware UTC datetime of `us` microseconds since the Unix epoch."""
    return _EPOCH + timedelta(microseconds=us)


def _offset_s(zone: ZoneInfo, instant_s: int) -> int:
    offset = datetime.fromtimestamp(instant_s, zone).utcoffset()
    assert offset is not None
    return offset // timedelta(seconds=1)


def _first_change(zone: ZoneInfo, lo: int, offset_lo: int, hi: int) -> tuple[int, int]:
    """The first second in (lo, hi] whose offset differs from `offset_lo` (hi's does)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_s(zone, mid) == offset_lo:
            lo = mid
        else:
            hi = mid
    return hi, _offset_s(zone, hi)


def _offset_segments(zone: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """``(from_s, to_s, offset_s)`` pieces covering [lo, hi) with a constant UTC offset."""
    points = [*range(lo, hi, _SAMPLE_STEP_S), hi]
    changes = [(lo, _offset_s(zone, lo))]
    for a, b in pairwise(points):
        offset_b = _offset_s(zone, b)
        while changes[-1][1] != offset_b:
            changes.append(_first_change(zone, max(a, changes[-1][0]), changes[-1][1], b))
    ends = [start for start, _ in changes[1:]] + [hi]
    return [(start, end, offset) for (start, offset), end in zip(changes, ends, strict=True) if start < end]


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@lru_cache(maxsize=16_384)
def _day_utc(timezone: str, day_hours: tuple[Interval, ...], day: date) -> tuple[Interval, ...]:
    """UTC intervals (epoch seconds) of the instants whose wall clock is in `day_hours` on `day`."""
    if not day_hours:
        return ()
    wall_midnight = (day - _EPOCH_DATE).days * _DAY_S
    lo = wall_midnight + day_hours[0][0] - _MAX_OFFSET_S
    hi = wall_midnight + day_hours[-1][1] + _MAX_OFFSET_S
    segments = _offset_segments(zone_of(timezone), lo, hi)
    pieces = []
    for start, end in day_hours:
        for seg_start, seg_end, offset in segments:
            a = max(wall_midnight + start - offset, seg_start)
            b = min(wall_midnight + end - offset, seg_end)
            if a < b:
                pieces.append((a, b))
    return tuple(_merge(pieces))


def _wall_date(zone: ZoneInfo, us: int) -> date:
    return from_us(us).astimezone(zone).date()


def _intervals_from(calendar: Calendar, begin_us: int, until_us: int | None = None) -> Iterator[Interval]:
    """Working UTC intervals (µs, sorted, disjoint, clipped to start at `begin_us`), in order.

    Walks local dates; a date's intervals are released once no later date can reach them
    (every instant of a later date is at least its wall midnight minus 16 hours).
    """
    day = _wall_date(zone_of(calendar.timezone), begin_us) - timedelta(days=1)
    pending: list[Interval] = []
    idle_days, idle_limit = 0, 7 * (len(calendar.holidays) + 4)
    while True:
        next_floor_us = ((day - _EPOCH_DATE).days + 1) * _DAY_S * _US - _MAX_OFFSET_S * _US
        if until_us is not None and next_floor_us - _DAY_S * _US >= until_us:
            yield from pending
            return
        hours = calendar.hours[day.weekday()]
        found = () if day in calendar.holidays else _day_utc(calendar.timezone, hours, day)
        idle_days = 0 if found else idle_days + 1
        if idle_days > idle_limit:
            raise ValueError(f"calendar has no working time in {idle_limit} days after {from_us(begin_us)}")
        fresh = [(max(a * _US, begin_us), b * _US) for a, b in found if b * _US > begin_us]
        pending = _merge(pending + fresh)
        while pending and pending[0][1] <= next_floor_us:
            yield pending.pop(0)
        day += timedelta(days=1)


# --- the public clock functions ------------------------------------------------------------


def business_elapsed(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Working time in [start, end); zero when end is not after start."""
    start_us, end_us = to_us(start, "start"), to_us(end, "end")
    total = 0
    if end_us <= start_us:
        return timedelta(0)
    for a, b in _intervals_from(calendar, start_us, end_us):
        if a >= end_us:
            break
        total += min(b, end_us) - a
    return timedelta(microseconds=total)


def due_at(start: datetime, duration: timedelta, calendar: Calendar) -> datetime:
    """The earliest instant t >= start with business_elapsed(start, t) == duration (UTC)."""
    start_us = to_us(start, "start")
    remaining = duration // _ONE_US
    if remaining < 0:
        raise ValueError(f"duration must not be negative (got {duration})")
    if remaining == 0:
        return from_us(start_us)
    for a, b in _intervals_from(calendar, start_us):
        if b - a >= remaining:
            return from_us(a + remaining)
        remaining -= b - a
    raise AssertionError("unreachable: the interval stream is endless")  # pragma: no cover


def working_periods(start: datetime, end: datetime, calendar: Calendar) -> list[tuple[datetime, datetime]]:
    """The working UTC periods within [start, end), in order (for display and checks)."""
    start_us, end_us = to_us(start, "start"), to_us(end, "end")
    periods = []
    for a, b in _intervals_from(calendar, start_us, end_us):
        if a >= end_us:
            break
        periods.append((from_us(a), from_us(min(b, end_us))))
    return periods


def is_working(instant: datetime, calendar: Calendar) -> bool:
    """Whether `instant` is working time (its wall clock is in working hours on a non-holiday)."""
    to_us(instant)
    local = instant.astimezone(zone_of(calendar.timezone))
    if local.date() in calendar.holidays:
        return False
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / _US
    return any(start <= seconds < end for start, end in calendar.hours[local.weekday()])
