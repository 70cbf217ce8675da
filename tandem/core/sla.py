"""SLA timers and the sweep that warns and breaches them; Marketing's commitment; compliance.

Timer semantics (instants are aware UTC datetimes at the API; the array form uses int64
microseconds since the Unix epoch, with `NEVER` for "not set"):

* A timer *meets* its SLA iff it was stopped at or before its due instant
  (``stopped_at <= due_at``).
* A sweep at ``now`` breaches a timer iff it is not already breached, ``now > due_at``
  and it was not stopped by then (``stopped_at`` unset or ``> due_at``). A timer stopped
  late but never swept is therefore still breached, once.
* A sweep warns a timer iff it is not already warned or breached, is not breached by the
  same sweep, has a warning instant with ``warn_at <= now``, and is still open at ``now``.
* The caller records ``warned`` / ``breached`` after acting, so each fires exactly once
  however often the sweep runs.

Marketing's commitment is projected linearly over *calendar* time (weekends and holidays
count; leads arrive on them too): ``projected = delivered / elapsed_share``. Its status
rules are in `project_commitment`. Response times in the compliance figures are in
business hours (see `business_time`); percentiles interpolate linearly between order
statistics (numpy's default, as a spreadsheet's PERCENTILE.INC).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from tandem.core.business_time import Calendar, business_elapsed, due_at, from_us, to_us

NEVER = np.iinfo(np.int64).max
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Timer:
    """One SLA clock: due at `due_at`, warned from `warn_at` (if set), stopped by a response."""

    id: int
    started_at: datetime
    due_at: datetime
    warn_at: datetime | None = None
    stopped_at: datetime | None = None
    warned: bool = False
    breached: bool = False

    def __post_init__(self) -> None:
        if to_us(self.due_at, "due_at") < to_us(self.started_at, "started_at"):
            raise ValueError(f"timer {self.id}: due_at is before started_at")
        for name in ("warn_at", "stopped_at"):
            value = getattr(self, name)
            if value is not None:
                to_us(value, name)


@dataclass(frozen=True)
class TimerArrays:
    """Many timers as parallel numpy arrays (int64 µs since the epoch; `NEVER` = not set)."""

    ids: np.ndarray
    due_us: np.ndarray
    warn_us: np.ndarray
    stopped_us: np.ndarray
    warned: np.ndarray
    breached: np.ndarray

    def __post_init__(self) -> None:
        names = ("ids", "due_us", "warn_us", "stopped_us", "warned", "breached")
        sizes = {len(getattr(self, name)) for name in names}
        if len(sizes) != 1:
            raise ValueError(f"timer arrays must all have the same length (got lengths {sorted(sizes)})")

    @classmethod
    def from_timers(cls, timers: Sequence[Timer]) -> TimerArrays:
        def instants(name: str) -> np.ndarray:
            values = (getattr(t, name) for t in timers)
            micros = (NEVER if v is None else to_us(v, name) for v in values)
            return np.fromiter(micros, np.int64, len(timers))

        return cls(
            ids=np.fromiter((t.id for t in timers), np.int64, len(timers)),
            due_us=instants("due_at"), warn_us=instants("warn_at"), stopped_us=instants("stopped_at"),
            warned=np.fromiter((t.warned for t in timers), bool, len(timers)),
            breached=np.fromiter((t.breached for t in timers), bool, len(timers)),
        )


def start_timer(timer_id: int, started_at: datetime, duration: timedelta, calendar: Calendar,
                warn_share: float | None = 0.75) -> Timer:
    """A new timer due `duration` of business time after `started_at`, warned at `warn_share` of it."""
    due = due_at(started_at, duration, calendar)
    warn = None if warn_share is None else warn_at(started_at, due, warn_share, calendar)
    return Timer(id=timer_id, started_at=from_us(to_us(started_at, "started_at")), due_at=due, warn_at=warn)


def warn_at(start: datetime, due: datetime, share: float, calendar: Calendar) -> datetime:
    """The instant when `share` (0 < share <= 1) of the business time from start to due has passed."""
    if not 0 < share <= 1:
        raise ValueError(f"warning share must be in (0, 1], got {share}")
    return due_at(start, business_elapsed(start, due, calendar) * share, calendar)


def sweep(timers: TimerArrays | Sequence[Timer], now: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Ids to warn and ids to breach at `now` (disjoint int64 arrays, in input order)."""
    arrays = timers if isinstance(timers, TimerArrays) else TimerArrays.from_timers(timers)
    now_us = np.int64(to_us(now, "now"))
    to_breach = ~arrays.breached & (arrays.due_us < now_us) & (arrays.stopped_us > arrays.due_us)
    to_warn = (~arrays.warned & ~arrays.breached & ~to_breach
               & (arrays.warn_us <= now_us) & (arrays.stopped_us > now_us))
    return arrays.ids[to_warn], arrays.ids[to_breach]


# --- compliance --------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceStats:
    """SLA compliance as of an instant: `share_met` is met / (met + breached); pending = open, not due."""

    timers: int
    met: int
    breached: int
    pending: int
    share_met: float | None
    median_response_hours: float | None
    p90_response_hours: float | None


def compliance_stats(due_us: np.ndarray, stopped_us: np.ndarray, response_business_s: np.ndarray,
                     now: datetime) -> ComplianceStats:
    """Compliance from arrays: due and stop instants (µs, `NEVER` = open) and business seconds to respond.

    `response_business_s` holds each stopped timer's business time from start to stop
    (NaN for open ones, see `response_business_seconds`); percentiles use stopped timers only.
    """
    now_us = np.int64(to_us(now, "now"))
    closed = stopped_us <= now_us
    met = closed & (stopped_us <= due_us)
    breached = (closed & (stopped_us > due_us)) | (~closed & (due_us < now_us))
    responses = np.asarray(response_business_s, dtype=np.float64)[closed]
    responses = responses[~np.isnan(responses)] / 3600.0
    decided = int(met.sum() + breached.sum())
    return ComplianceStats(
        timers=len(due_us), met=int(met.sum()), breached=int(breached.sum()),
        pending=len(due_us) - decided,
        share_met=float(met.sum() / decided) if decided else None,
        median_response_hours=float(np.percentile(responses, 50)) if len(responses) else None,
        p90_response_hours=float(np.percentile(responses, 90)) if len(responses) else None,
    )


def response_business_seconds(timers: Sequence[Timer], calendar: Calendar) -> np.ndarray:
    """Business seconds from start to stop of each timer (NaN while open), for `compliance_stats`."""
    def seconds(t: Timer) -> float:
        if t.stopped_at is None:
            return np.nan
        return business_elapsed(t.started_at, t.stopped_at, calendar).total_seconds()

    return np.array([seconds(t) for t in timers], dtype=np.float64)


def timer_compliance(timers: Sequence[Timer], calendar: Calendar, now: datetime) -> ComplianceStats:
    """`compliance_stats` for timer objects (convenience for small sets)."""
    arrays = TimerArrays.from_timers(timers)
    responses = response_business_seconds(timers, calendar)
    return compliance_stats(arrays.due_us, arrays.stopped_us, responses, now)


# --- Marketing's commitment ----------------------------------------------------------------


@dataclass(frozen=True)
class Commitment:
    """Marketing promises `target` MQLs in [period_start, period_end) at an acceptance rate >= the minimum."""

    target: int
    min_acceptance_rate: float
    period_start: datetime
    period_end: datetime

    def __post_init__(self) -> None:
        if self.target < 0:
            raise ValueError(f"commitment target must not be negative (got {self.target})")
        if not 0 <= self.min_acceptance_rate <= 1:
            raise ValueError(f"minimum acceptance rate must be between 0 and 1 "
                             f"(got {self.min_acceptance_rate})")
        if to_us(self.period_end, "period_end") <= to_us(self.period_start, "period_start"):
            raise ValueError("commitment period must end after it starts")


@dataclass(frozen=True)
class Projection:
    """Where the commitment is heading; `reasons` explain the status in words."""

    status: str
    projected: float
    elapsed_share: float
    acceptance_rate: float | None
    needed_per_day: float | None
    reasons: tuple[str, ...]


def project_commitment(commitment: Commitment, delivered: int, accepted: int, rejected: int,
                       now: datetime) -> Projection:
    """Project delivered MQLs to the period end at the pace so far (calendar time) and judge the status.

    Rules, first that applies: after the period, "met" if the target was reached and the
    acceptance rate is at least the minimum, else "missed". During it: "met" once both
    hold already; "on_track" during the first calendar day (too early to judge);
    "at_risk" if the projection falls short of the target or the acceptance rate is below
    the minimum; otherwise "on_track". With no accept/reject decisions yet the acceptance
    rate is not judged.
    """
    if min(delivered, accepted, rejected) < 0:
        raise ValueError("counts must not be negative")
    start, end, now = commitment.period_start, commitment.period_end, _aware(now)
    share = min(max((now - start) / (end - start), 0.0), 1.0)
    projected = float(delivered) / share if share > 0 else float(delivered)
    rate = accepted / (accepted + rejected) if accepted + rejected else None
    rate_ok = rate is None or rate >= commitment.min_acceptance_rate
    reasons = _reasons(commitment, delivered, projected, rate, rate_ok)
    remaining_days = (end - now) / _DAY
    needed = max(commitment.target - delivered, 0) / remaining_days if remaining_days > 0 else None
    return Projection(_status(commitment, delivered, projected, rate_ok, now), projected, share, rate, needed,
                      reasons)


def _aware(now: datetime) -> datetime:
    to_us(now, "now")
    return now


def _status(commitment: Commitment, delivered: int, projected: float, rate_ok: bool, now: datetime) -> str:
    reached = delivered >= commitment.target
    if now >= commitment.period_end:
        return "met" if reached and rate_ok else "missed"
    if reached and rate_ok:
        return "met"
    if now - commitment.period_start < _DAY:
        return "on_track"
    return "on_track" if projected >= commitment.target and rate_ok else "at_risk"


def _reasons(commitment: Commitment, delivered: int, projected: float, rate: float | None,
             rate_ok: bool) -> tuple[str, ...]:
    reasons = [f"{delivered} of {commitment.target} MQLs delivered; "
               f"{projected:.1f} projected at the current pace"]
    if rate is None:
        reasons.append("no accept/reject decisions yet: acceptance rate not judged")
    else:
        verdict = "meets" if rate_ok else "is below"
        minimum = commitment.min_acceptance_rate
        reasons.append(f"acceptance rate {rate:.0%} {verdict} the {minimum:.0%} minimum")
    return tuple(reasons)
