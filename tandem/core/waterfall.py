"""The reverse waterfall: from a revenue target back to the leads needed at each stage, and by when.

Given a revenue target for a period, what is already won, the average deal size, and for
each consecutive pair of stages (top → bottom, ending at won) a conversion rate and a cycle
time measured over a look-back:

* won needed = ceil((target − already won) ÷ average deal size), at least 0;
* needed at stage i = ceil(needed at stage i+1 ÷ rate(i → i+1)), so whole leads, rounded
  up at every step; the numbers never decrease going up the funnel (rates are in (0, 1]).
  A quotient within 1e-9 of a whole number counts as that number, so that a measured rate
  such as 2/3, held as a float, does not add a lead through rounding noise;
* deadline at stage i = period end − the sum of cycle days from i down to won, floored to
  00:00 UTC; "by 31 March" means before 1 April 00:00 UTC (the exclusive period end);
* required pipeline coverage = 1 ÷ win rate (by default the last rate, into won).

Rates come from `measure_rates`: for each pair, of the leads entering the upper stage in the
look-back window (each once), the share that reached the lower stage by the window's end,
with the median days it took (see tandem.core.conversion). `gap_statement` turns a plan
step and the progress so far into one plain sentence whose numbers are returned alongside.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from tandem.core.conversion import window_conversion
from tandem.core.funnel import Ledger
from tandem.core.periods import Period, day_start, require_utc
from tandem.core.pipeline import ZERO, as_decimal, money, rate_decimal

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


_NOISE = Decimal("1e-9")


class PlanInfeasible(ValueError):
    """The plan cannot be computed from these inputs (a zero rate, a zero deal size …)."""


@dataclass(frozen=True)
class StageTarget:
    stage: str
    needed: int
    deadline: datetime
    rate_to_next: float | None
    days_to_next: float | None

    @property
    def by_day(self) -> date:
        """The last whole day to reach the number: the day before the deadline instant."""
        return (self.deadline - timedelta(seconds=1)).date()


@dataclass(frozen=True)
class WaterfallPlan:
    target: Decimal
    already_won: Decimal
    remaining: Decimal
    average_deal: Decimal
    period_end: datetime
    steps: tuple[StageTarget, ...]
    required_coverage: float | None

    def step(self, stage: str) -> StageTarget:
        return next(s for s in self.steps if s.stage == stage)

    @property
    def pipeline_needed(self) -> Decimal | None:
        """Open pipeline needed to win the remaining revenue at the win rate: remaining × coverage."""
        if self.required_coverage is None:
            return None
        return money(self.remaining * rate_decimal(self.required_coverage))


def _ceil(value: Decimal, tolerance: Decimal = Decimal(0)) -> int:
    """Round up; a value within `tolerance` above a whole number counts as that number."""
    return int((value - tolerance).to_integral_value(rounding=ROUND_CEILING))


def _check_inputs(stages: Sequence[str], rates: Sequence[float], cycle_days: Sequence[float],
                  average_deal: Decimal) -> None:
    if len(stages) < 2 or len(rates) != len(stages) - 1 or len(cycle_days) != len(stages) - 1:
        raise ValueError("give at least two stages, one rate and one cycle time per consecutive pair")
    if average_deal <= 0:
        raise PlanInfeasible("the average deal size is zero: no deal was won in the look-back")
    for upper, lower, rate, days in zip(stages, stages[1:], rates, cycle_days, strict=False):
        if not 0 < rate <= 1:
            raise PlanInfeasible(f"the conversion rate {upper} → {lower} is {rate:.0%}; it must be above 0% "
                                 "and at most 100% to plan with it")
        if days < 0:
            raise ValueError(f"the cycle time {upper} → {lower} cannot be negative ({days})")


def reverse_waterfall(target: Decimal, period_end: datetime, average_deal: Decimal, stages: Sequence[str],
                      rates: Sequence[float], cycle_days: Sequence[float], *, already_won: Decimal = ZERO,
                      win_rate: float | None = None) -> WaterfallPlan:
    """How many leads each stage needs, and by when, to reach `target` by `period_end` (exclusive)."""
    target, already_won, average_deal = (as_decimal(v) for v in (target, already_won, average_deal))
    end = require_utc(period_end, field="period_end")
    _check_inputs(stages, rates, cycle_days, average_deal)
    remaining = max(target - already_won, ZERO)
    needed = [_ceil(remaining / average_deal)]
    for rate in reversed(rates):
        needed.insert(0, _ceil(Decimal(needed[0]) / rate_decimal(rate), _NOISE))
    lead_times = [sum(cycle_days[i:]) for i in range(len(stages) - 1)] + [0.0]
    steps = tuple(StageTarget(stage, needed[i], day_start(end - timedelta(days=lead_times[i])),
                              rates[i] if i < len(rates) else None, cycle_days[i] if i < len(rates) else None)
                  for i, stage in enumerate(stages))
    win = rates[-1] if win_rate is None else win_rate
    return WaterfallPlan(money(target), money(already_won), money(remaining), money(average_deal), end, steps,
                         1 / win if win else None)


@dataclass(frozen=True)
class MeasuredRates:
    stages: tuple[str, ...]
    entered: tuple[int, ...]
    rates: tuple[float, ...]
    cycle_days: tuple[float, ...]


def measure_rates(ledger: Ledger, stages: Sequence[str], lookback: Period, *,
                  as_of: datetime | None = None) -> MeasuredRates:
    """Conversion rate and median days for each consecutive pair over the look-back window.

    A pair with no conversions gets rate 0 (and 0 days), which `reverse_waterfall` refuses with a
    clear message rather than dividing by zero.
    """
    cut = lookback.end - timedelta(seconds=1) if as_of is None else as_of
    pairs = [window_conversion(ledger, a, b, lookback, as_of=cut)
             for a, b in zip(stages, stages[1:], strict=False)]
    return MeasuredRates(tuple(stages), tuple(p.entered for p in pairs), tuple(p.share or 0.0 for p in pairs),
                         tuple(p.median_days or 0.0 for p in pairs))


@dataclass(frozen=True)
class GapStatement:
    remaining: int
    pace_per_day: float
    days_left: float
    projected: float
    projected_share: float | None
    text: str


def day_text(day: date, today: date) -> str:
    """"31 March", with the year only when it differs from today's."""
    text = f"{day.day} {_MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def _count(n: int, noun: str, plural: str) -> str:
    return f"{n:,} {noun if n == 1 else plural}"


def gap_statement(noun: str, needed: int, achieved: int, deadline: datetime, as_of: datetime,
                  recent_count: int, *, recent_days: int = 30, plural: str | None = None) -> GapStatement:
    """"412 more MQLs are needed by 31 March at current rates; at the last 30 days' pace you will reach 71%".

    `deadline` is the exclusive instant of a plan step; `achieved` what the stage has so far in the
    period; `recent_count` what it gained in the last `recent_days` days (the pace). The projection
    is achieved + pace × days left, and the percentage is floored so that it never over-promises.
    """
    if recent_days <= 0:
        raise ValueError("recent_days must be positive")
    now, end = require_utc(as_of, field="as_of"), require_utc(deadline, field="deadline")
    plural = plural or f"{noun}s"
    remaining = max(needed - achieved, 0)
    pace = recent_count / recent_days
    days_left = max((end - now).total_seconds() / 86_400, 0.0)
    projected = achieved + pace * days_left
    share = projected / needed if needed else None
    by = day_text((end - timedelta(seconds=1)).date(), now.astimezone(UTC).date())
    if remaining == 0:
        verb = "is" if needed == 1 else "are"
        text = f"The {_count(needed, noun, plural)} needed by {by} {verb} reached: {achieved:,} so far."
    elif days_left == 0:
        text = (f"{_count(remaining, noun, plural)} short of the {needed:,} needed by {by}; "
                f"that date has passed.")
    else:
        verb = "is" if remaining == 1 else "are"
        pace_text = "the last day's" if recent_days == 1 else f"the last {recent_days} days'"
        percent = math.floor(projected * 100 / needed + 1e-9)
        what = noun if remaining == 1 else plural
        text = (f"{remaining:,} more {what} {verb} needed by {by} at current rates; "
                f"at {pace_text} pace you will reach {percent}%.")
    return GapStatement(remaining, pace, days_left, projected, share, text)
