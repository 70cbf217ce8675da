"""Opportunity metrics: win rate, deal size, sales cycle, pipeline velocity and coverage.

Invariants and units:

* Money is Decimal, never float, and is rounded to cents (ROUND_HALF_UP) only in results.
  All opportunities given to one call must share a currency (`MixedCurrencies` otherwise);
  convert or filter first.
* "Closed in period P" means closed_at in ``[P.start, P.end)`` (UTC, half-open).
* Win rate = won ÷ (won + lost), over opportunities closed in P; a float in [0, 1], None if
  nothing closed. Average deal size = mean amount of the won ones. Sales cycle =
  closed_at − created_at of the won ones, in days (mean and median).
* Open pipeline at instant T: created_at <= T and (not closed, or closed_at > T).
* Pipeline velocity = open opportunities × average deal size × win rate ÷ sales cycle
  (days): money per day that the current pipeline is expected to turn into revenue.
* Pipeline coverage = open pipeline ÷ (quota − closed won); required coverage = 1 ÷ win
  rate. Rules of thumb of 3x or 4x coverage only hold at win rates of 33% or 25%.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from tandem.core.periods import Period, require_utc

OUTCOMES = ("open", "won", "lost")
CENT = Decimal("0.01")
ZERO = Decimal(0)


class MixedCurrencies(ValueError):
    """Money in different currencies was mixed in one figure."""


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def as_decimal(value: Decimal | int | str, *, field: str = "amount") -> Decimal:
    """Money input as Decimal; floats are refused because they cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError(f"{field}: money must be a Decimal, int or string, never a float ({value!r})")
    return value if isinstance(value, Decimal) else Decimal(value)


def rate_decimal(rate: float) -> Decimal:
    """A float rate as a Decimal via its shortest repr, so 0.25 stays exactly 0.25."""
    return Decimal(repr(float(rate)))


@dataclass(frozen=True)
class Opportunity:
    id: int
    lead_id: int | None
    account_id: int
    amount: Decimal
    currency: str
    created_at: datetime
    closed_at: datetime | None
    outcome: str
    reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", as_decimal(self.amount))
        object.__setattr__(self, "created_at", require_utc(self.created_at, field="created_at"))
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome {self.outcome!r} is not one of {', '.join(OUTCOMES)}")
        if (self.closed_at is None) != (self.outcome == "open"):
            raise ValueError(f"opportunity {self.id}: closed_at must be set exactly when it is won or lost")
        if self.closed_at is not None:
            object.__setattr__(self, "closed_at", require_utc(self.closed_at, field="closed_at"))

    @property
    def cycle_days(self) -> float | None:
        if self.closed_at is None:
            return None
        return (self.closed_at - self.created_at).total_seconds() / 86_400


def currency_of(opportunities: Iterable[Opportunity]) -> str | None:
    currencies = {o.currency for o in opportunities}
    if len(currencies) > 1:
        raise MixedCurrencies(f"opportunities in several currencies ({', '.join(sorted(currencies))}); "
                              "convert or filter to one currency first")
    return next(iter(currencies), None)


def closed_in(opportunities: Iterable[Opportunity], period: Period,
              outcome: str | None = None) -> list[Opportunity]:
    """Won and lost opportunities (or only `outcome`) closed in the period."""
    return [o for o in opportunities if o.closed_at is not None and period.contains(o.closed_at)
            and (outcome is None or o.outcome == outcome)]


@dataclass(frozen=True)
class WinRate:
    won: int
    lost: int

    @property
    def rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


def win_rate(opportunities: Iterable[Opportunity], period: Period) -> WinRate:
    closed = closed_in(opportunities, period)
    return WinRate(sum(o.outcome == "won" for o in closed), sum(o.outcome == "lost" for o in closed))


@dataclass(frozen=True)
class DealSize:
    count: int
    total: Decimal
    currency: str | None

    @property
    def average(self) -> Decimal | None:
        return money(self.total / self.count) if self.count else None


def average_deal_size(opportunities: Iterable[Opportunity], period: Period) -> DealSize:
    won = closed_in(opportunities, period, "won")
    return DealSize(len(won), sum((o.amount for o in won), ZERO), currency_of(won))


@dataclass(frozen=True)
class SalesCycle:
    count: int
    total_seconds: int
    median_days: float | None

    @property
    def mean_days(self) -> float | None:
        return self.total_seconds / self.count / 86_400 if self.count else None


def sales_cycle(opportunities: Iterable[Opportunity], period: Period) -> SalesCycle:
    """Created → closed of the won opportunities closed in the period (whole seconds)."""
    won = closed_in(opportunities, period, "won")
    seconds = [int((o.closed_at - o.created_at).total_seconds()) for o in won]
    median = statistics.median(seconds) / 86_400 if seconds else None
    return SalesCycle(len(seconds), sum(seconds), median)


@dataclass(frozen=True)
class OpenPipeline:
    count: int
    amount: Decimal
    currency: str | None


def open_pipeline(opportunities: Iterable[Opportunity], as_of: datetime) -> OpenPipeline:
    """Opportunities open at `as_of` (created by then, not closed by then) and their amount."""
    instant = require_utc(as_of, field="as_of")
    live = [o for o in opportunities
            if o.created_at <= instant and (o.closed_at is None or o.closed_at > instant)]
    return OpenPipeline(len(live), sum((o.amount for o in live), ZERO), currency_of(live))


def pipeline_velocity(open_count: int, average_deal: Decimal | None, win_rate: float | None,
                      cycle_days: float | None) -> Decimal | None:
    """Open opportunities × average deal × win rate ÷ cycle days: money per day (None if undefined)."""
    if average_deal is None or win_rate is None or not cycle_days or cycle_days <= 0:
        return None
    value = Decimal(open_count) * as_decimal(average_deal) * rate_decimal(win_rate) / rate_decimal(cycle_days)
    return money(value)


@dataclass(frozen=True)
class Coverage:
    """`coverage` is open pipeline ÷ remaining quota; `required` is 1 ÷ win rate."""

    open_pipeline: Decimal
    remaining: Decimal
    coverage: float | None
    required: float | None

    @property
    def sufficient(self) -> bool | None:
        if self.remaining <= 0:
            return True
        if self.coverage is None or self.required is None:
            return None
        return self.coverage >= self.required


def pipeline_coverage(open_amount: Decimal, quota: Decimal, closed_won: Decimal,
                      win_rate: float | None) -> Coverage:
    """Coverage of the quota still to win; None when the quota is already met or nothing was won/lost."""
    open_amount, quota, closed_won = (as_decimal(v) for v in (open_amount, quota, closed_won))
    remaining = quota - closed_won
    coverage = float(open_amount / remaining) if remaining > 0 else None
    required = 1 / win_rate if win_rate else None
    return Coverage(money(open_amount), money(remaining), coverage, required)


def new_customers(opportunities: Sequence[Opportunity], period: Period) -> int:
    """Accounts whose first won opportunity (ever) closed in the period."""
    first_win: dict[int, datetime] = {}
    for o in opportunities:
        if o.outcome == "won" and o.closed_at is not None:
            known = first_win.get(o.account_id)
            first_win[o.account_id] = o.closed_at if known is None else min(known, o.closed_at)
    return sum(period.contains(at) for at in first_win.values())
