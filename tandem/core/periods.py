"""Reporting periods: days, ISO weeks, months, quarters and years, all bounded in UTC.

DECISION: every period boundary is computed in UTC. A month is 00:00:00 UTC on its first
day up to (not including) 00:00:00 UTC on the first day of the next month, whatever the
instance's or the user's local time zone. Two people in different zones therefore always
see the same figures for "March 2026"; the price is that an event at 23:30 local time in
a zone east of UTC may count in the next UTC day, month or quarter.

Invariants:

* Periods are half-open ``[start, end)``: an event at exactly 00:00 UTC on 1 April counts
  in April, never in March. ``Period.last_day`` is the last calendar day inside it.
* Weeks are ISO weeks (Monday to Sunday), labelled by ISO year and number ("2026-W10").
  Quarters start in January, April, July and October.
* Instants at the API are timezone-aware datetimes; a naive datetime raises
  `NaiveDatetimeError` (a ValueError). Results are UTC.
* In arrays, instants are int64 whole seconds since the Unix epoch (sub-seconds are
  floored) and `NO_TIME` marks "no instant". Period indices (`period_index`) count days,
  weeks, months, quarters or years since the one containing 1970-01-01.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

KINDS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")
SPAN = "span"
NO_TIME = np.iinfo(np.int64).min
DAY_S = 86_400

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")


class NaiveDatetimeError(ValueError):
    """A datetime without a UTC offset was given where an instant is required."""


def require_utc(value: datetime, *, field: str = "instant") -> datetime:
    """`value` as an aware UTC datetime; a naive datetime raises NaiveDatetimeError."""
    if not isinstance(value, datetime):
        raise TypeError(f"{field}: expected a timezone-aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"{field}: {value.isoformat()} has no UTC offset; give a timezone-aware "
                                 "instant (e.g. datetime(..., tzinfo=UTC))")
    return value.astimezone(UTC)


def to_epoch(value: datetime, *, field: str = "instant") -> int:
    """Whole seconds since the Unix epoch (floored)."""
    return (require_utc(value, field=field) - _EPOCH) // _SECOND


def from_epoch(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=int(seconds))


def epoch_seconds(values: np.ndarray | Sequence[datetime | None] | Iterable[datetime | None], *,
                  field: str = "instants") -> np.ndarray:
    """An int64 array of epoch seconds from datetimes (None becomes NO_TIME), datetime64 or integers.

    numpy datetime64 values carry no zone; they are read as UTC.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False)
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        out = values.astype("datetime64[s]").astype(np.int64)
        out[np.isnat(values)] = NO_TIME
        return out
    return np.fromiter((NO_TIME if v is None else to_epoch(v, field=field) for v in values), dtype=np.int64)


def parse_instant(text: str, *, field: str = "instant") -> datetime:
    """An ISO-8601 instant with an offset (or Z) as aware UTC; one without an offset is refused."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{field}: {text!r} is not an ISO-8601 instant (e.g. 2026-03-27T09:00:00Z)") from exc
    return require_utc(parsed, field=field)


def day_start(instant: datetime) -> datetime:
    u = require_utc(instant)
    return datetime(u.year, u.month, u.day, tzinfo=UTC)


def week_start(instant: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week containing `instant`."""
    start = day_start(instant)
    return start - timedelta(days=start.weekday())


def month_start(instant: datetime) -> datetime:
    u = require_utc(instant)
    return datetime(u.year, u.month, 1, tzinfo=UTC)


def quarter_start(instant: datetime) -> datetime:
    u = require_utc(instant)
    return datetime(u.year, 3 * ((u.month - 1) // 3) + 1, 1, tzinfo=UTC)


def year_start(instant: datetime) -> datetime:
    return datetime(require_utc(instant).year, 1, 1, tzinfo=UTC)


def _add_months(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


_STARTS: dict[str, Callable[[datetime], datetime]] = {
    "day": day_start, "week": week_start, "month": month_start, "quarter": quarter_start, "year": year_start,
}
_STEPS: dict[str, Callable[[datetime, int], datetime]] = {
    "day": lambda s, n: s + timedelta(days=n),
    "week": lambda s, n: s + timedelta(weeks=n),
    "month": lambda s, n: _add_months(s, n),
    "quarter": lambda s, n: _add_months(s, 3 * n),
    "year": lambda s, n: _add_months(s, 12 * n),
}


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown period kind {kind!r}; use one of: {', '.join(KINDS)}")


def period_start(kind: str, instant: datetime) -> datetime:
    _check_kind(kind)
    return _STARTS[kind](instant)


def period_end(kind: str, instant: datetime) -> datetime:
    """The exclusive end: the start of the next period (e.g. 1 April 00:00 UTC for any March instant)."""
    return _STEPS[kind](period_start(kind, instant), 1)


def day_end(instant: datetime) -> datetime:
    return period_end("day", instant)


def week_end(instant: datetime) -> datetime:
    return period_end("week", instant)


def month_end(instant: datetime) -> datetime:
    return period_end("month", instant)


def quarter_end(instant: datetime) -> datetime:
    return period_end("quarter", instant)


def year_end(instant: datetime) -> datetime:
    return period_end("year", instant)


@dataclass(frozen=True, order=True)
class Period:
    """A half-open UTC interval ``[start, end)``; `kind` is one of KINDS or "span" (any interval)."""

    start: datetime
    end: datetime
    kind: str = SPAN

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", require_utc(self.start, field="period start"))
        object.__setattr__(self, "end", require_utc(self.end, field="period end"))
        if self.end <= self.start:
            raise ValueError(f"a period must end after it starts: {self._range}")
        if self.kind != SPAN:
            _check_kind(self.kind)
            whole = period_start(self.kind, self.start), period_end(self.kind, self.start)
            if whole != (self.start, self.end):
                raise ValueError(f"{self._range} is not a whole UTC {self.kind}")

    @property
    def _range(self) -> str:
        return f"{self.start.isoformat()} → {self.end.isoformat()}"

    @classmethod
    def of(cls, kind: str, instant: datetime) -> Period:
        """The period of `kind` that contains `instant`."""
        return cls(period_start(kind, instant), period_end(kind, instant), kind)

    @classmethod
    def span(cls, start: datetime, end: datetime) -> Period:
        return cls(start, end, SPAN)

    @property
    def start_epoch(self) -> int:
        return to_epoch(self.start)

    @property
    def end_epoch(self) -> int:
        return to_epoch(self.end)

    @property
    def last_day(self) -> date:
        """The last calendar day (UTC) inside the period: 31 March for March."""
        return (self.end - _SECOND).date()

    @property
    def days(self) -> float:
        return (self.end - self.start) / timedelta(days=1)

    @property
    def label(self) -> str:
        """The machine label that `parse_period` reads back: 2026-03-05, 2026-W10, 2026-03, 2026-Q1, 2026."""
        s = self.start
        if self.kind == "day":
            return s.date().isoformat()
        if self.kind == "week":
            iso = s.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.kind == "month":
            return f"{s.year}-{s.month:02d}"
        if self.kind == "quarter":
            return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(s.year)
        return f"{s.isoformat()}/{self.end.isoformat()}"

    @property
    def title(self) -> str:
        """A label for people: "March 2026", "Q1 2026", "Week 10 of 2026", "5 March 2026"."""
        s = self.start
        titles = {
            "day": f"{s.day} {_MONTH_NAMES[s.month - 1]} {s.year}",
            "week": f"Week {s.isocalendar().week} of {s.isocalendar().year}",
            "month": f"{_MONTH_NAMES[s.month - 1]} {s.year}",
            "quarter": f"Q{(s.month - 1) // 3 + 1} {s.year}",
            "year": str(s.year),
        }
        return titles.get(self.kind, f"{s.date().isoformat()} – {self.last_day.isoformat()}")

    def contains(self, instant: datetime) -> bool:
        return self.start <= require_utc(instant) < self.end

    def shift(self, n: int) -> Period:
        """The period `n` steps later (earlier if negative); spans cannot shift."""
        if self.kind == SPAN:
            raise ValueError("a span has no next or previous period")
        start = _STEPS[self.kind](self.start, n)
        return Period(start, _STEPS[self.kind](start, 1), self.kind)

    def next(self) -> Period:
        return self.shift(1)

    def previous(self) -> Period:
        return self.shift(-1)


def period_of(kind: str, instant: datetime) -> Period:
    return Period.of(kind, instant)


def iter_periods(kind: str, start: datetime, end: datetime) -> Iterator[Period]:
    """Every period of `kind` that overlaps ``[start, end)``, in order."""
    end = require_utc(end, field="end")
    period = Period.of(kind, start)
    while period.start < end:
        yield period
        period = period.next()


def period_edges(periods: Sequence[Period]) -> np.ndarray:
    """Epoch seconds of each period's start plus the last end; the periods must be contiguous."""
    if not periods:
        raise ValueError("no periods given")
    for earlier, later in zip(periods, periods[1:], strict=False):
        if earlier.end != later.start:
            raise ValueError(f"periods must be contiguous and in order: {earlier.label} then {later.label}")
    return np.array([p.start_epoch for p in periods] + [periods[-1].end_epoch], dtype=np.int64)


def period_index(kind: str, at: np.ndarray) -> np.ndarray:
    """For each epoch second in `at` (no NO_TIME allowed), the index of its period of `kind`."""
    _check_kind(kind)
    at = np.asarray(at, dtype=np.int64)
    if kind in ("day", "week"):
        days = np.floor_divide(at, DAY_S)
        return days if kind == "day" else np.floor_divide(days + 3, 7)  # 1970-01-01 was a Thursday
    days = np.floor_divide(at, DAY_S)
    if days.size and int(days.max()) - int(days.min()) < 1_000_000:  # look up each distinct day once
        low = int(days.min())
        months = _months_since_epoch(np.arange(low, int(days.max()) + 1, dtype=np.int64))[days - low]
    else:
        months = _months_since_epoch(days)
    return {"month": months, "quarter": np.floor_divide(months, 3), "year": np.floor_divide(months, 12)}[kind]


def _months_since_epoch(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each day number (proleptic Gregorian; integer arithmetic, no datetime64)."""
    z = days + 719_468  # days since 0000-03-01
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153  # month counted from March
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return (year - 1970) * 12 + month - 1


def period_at_index(kind: str, index: int) -> Period:
    """The inverse of `period_index`."""
    _check_kind(kind)
    first = Period.of(kind, _EPOCH)
    return first.shift(int(index))


def parse_period(text: str) -> Period:
    """Read "2026-03", "2026-Q1", "2026-W10", "2026-03-05", "2026" or an ISO interval "start/end"."""
    value = text.strip()
    try:
        return _parse_period(value)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a period; write a month (2026-03), a quarter (2026-Q1), "
                         f"an ISO week (2026-W10), a date (2026-03-05), a year (2026) or start/end "
                         f"instants ({exc})") from None


def _parse_period(value: str) -> Period:
    if "/" in value:
        start, end = value.split("/", 1)
        return Period.span(parse_instant(start, field="start"), parse_instant(end, field="end"))
    if m := _MONTH.match(value):
        return Period.of("month", datetime(int(m[1]), int(m[2]), 1, tzinfo=UTC))
    if m := _QUARTER.match(value):
        return Period.of("quarter", datetime(int(m[1]), 3 * int(m[2]) - 2, 1, tzinfo=UTC))
    if m := _WEEK.match(value):
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return Period.of("week", datetime(monday.year, monday.month, monday.day, tzinfo=UTC))
    if m := _DAY.match(value):
        return Period.of("day", datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC))
    if m := _YEAR.match(value):
        return Period.of("year", datetime(int(m[1]), 1, 1, tzinfo=UTC))
    raise ValueError("unrecognised format")
