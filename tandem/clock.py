"""The one clock. Every read of "now" in Tandem goes through `now()`.

Order of precedence:
1. an explicit instant set for a block of code (`at_instant`, used by `--now`);
2. `TANDEM_NOW` (an ISO-8601 instant with offset): time stands still at that instant;
3. `TANDEM_NOW_SHIFT` (for example `-30d`, `+2h30m`): the real clock, shifted;
4. the real clock, in UTC.

2 and 3 apply only where the instance allows time travel (`TANDEM_ALLOW_TIME_TRAVEL`;
refused by default in production settings). Every value returned is timezone-aware UTC.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from functools import lru_cache

_explicit: ContextVar[datetime | None] = ContextVar("tandem_now", default=None)
_SHIFT = re.compile(r"^(?P<sign>[+-])?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


class ClockRefused(RuntimeError):
    """The instance does not allow the clock to be fixed or shifted."""


def parse_instant(value: str, *, field: str = "at") -> datetime:
    """An ISO-8601 instant with an offset (or Z), as aware UTC. Naive input is refused."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError as exc:
        raise ValueError(f"{field}: {value!r} is not an ISO-8601 instant (e.g. 2026-03-27T09:00:00Z)") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"{field}: {value!r} has no UTC offset; add Z or +01:00")
    return parsed.astimezone(UTC)


@lru_cache(maxsize=8)
def parse_shift(value: str) -> timedelta:
    match = _SHIFT.match(value.strip())
    if not match or not any(match.group(k) for k in "dhms"):
        raise ValueError(f"TANDEM_NOW_SHIFT: {value!r} is not a shift like -30d or +2h30m")
    delta = timedelta(
        days=int(match["d"] or 0), hours=int(match["h"] or 0), minutes=int(match["m"] or 0),
        seconds=int(match["s"] or 0),
    )
    return -delta if match["sign"] == "-" else delta


@lru_cache(maxsize=8)
def _fixed(value: str) -> datetime:
    return parse_instant(value, field="TANDEM_NOW")


def time_travel_allowed() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "TANDEM_ALLOW_TIME_TRAVEL", False))


def environment_override() -> tuple[str | None, str | None]:
    return os.environ.get("TANDEM_NOW") or None, os.environ.get("TANDEM_NOW_SHIFT") or None


def check_environment() -> None:
    """Refuse, at start-up, a fixed or shifted clock that the instance does not allow."""
    fixed, shift = environment_override()
    if (fixed or shift) and not time_travel_allowed():
        raise ClockRefused(
            "TANDEM_NOW / TANDEM_NOW_SHIFT are set but this instance does not allow time travel "
            "(set TANDEM_ALLOW_TIME_TRAVEL=true to enable it deliberately)."
        )
    if fixed:
        _fixed(fixed)
    if shift:
        parse_shift(shift)


def real_now() -> datetime:
    return datetime.now(UTC)  # noqa: TID251 - the one place that reads the real clock


def now() -> datetime:
    explicit = _explicit.get()
    if explicit is not None:
        return explicit
    fixed, shift = environment_override()
    if fixed or shift:
        check_environment()
        if fixed:
            return _fixed(fixed)
        return real_now() + parse_shift(shift)
    return real_now()


@contextmanager
def at_instant(instant: datetime) -> Iterator[datetime]:
    """Within the block, `now()` is `instant` (as used by `--now` on time-based commands)."""
    if instant.tzinfo is None:
        raise ValueError("at_instant needs a timezone-aware instant")
    token = _explicit.set(instant.astimezone(UTC))
    try:
        yield instant
    finally:
        _explicit.reset(token)


def check_past(at: datetime | None, *, field: str = "at") -> datetime:
    """An event's explicit `at`: allowed only where time travel is, never in the future."""
    current = now()
    if at is None:
        return current
    if at.tzinfo is None:
        raise ValueError(f"{field}: the instant has no UTC offset")
    if not time_travel_allowed():
        raise ClockRefused(f"{field}: this instance does not accept back-dated events")
    if at > current + timedelta(seconds=1):
        raise ValueError(f"{field}: {at.isoformat()} is in the future (now is {current.isoformat()})")
    return at.astimezone(UTC)
