"""Reason breakdowns: why leads were rejected, recycled or disqualified, and why deals were won or lost.

Every breakdown is a table of (group, reason, count, share) where `share` is the count
divided by the group's total (shares within a group sum to 1). Groups are a lead source, a
campaign, an outcome, or "all". A missing reason is shown as "(none)" so that data quality
problems stay visible. Rows are sorted by group, then by count (largest first), then reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tandem.core.periods import Period
from tandem.core.pipeline import Opportunity, closed_in

NO_REASON = "(none)"
GROUPINGS = ("source", "campaign", "all")


@dataclass(frozen=True)
class ReasonCount:
    group: str
    reason: str
    count: int
    share: float


@dataclass(frozen=True)
class ReasonEvent:
    """A reasoned stage event: `action` is reject, recycle or disqualify (as in the ledger)."""

    action: str
    reason: str
    source: str
    campaign: str
    occurred_at: datetime


def breakdown(pairs: Iterable[tuple[str, str]]) -> tuple[ReasonCount, ...]:
    """Count (group, reason) pairs and the share of each reason within its group."""
    counts = Counter((group, reason or NO_REASON) for group, reason in pairs)
    totals: Counter[str] = Counter()
    for (group, _), n in counts.items():
        totals[group] += n
    rows = [ReasonCount(g, r, n, n / totals[g]) for (g, r), n in counts.items()]
    return tuple(sorted(rows, key=lambda row: (row.group, -row.count, row.reason)))


def reason_breakdown(events: Iterable[ReasonEvent], *, by: str = "source",
                     actions: Sequence[str] = ("reject",),
                     period: Period | None = None) -> tuple[ReasonCount, ...]:
    """Reasons of the given actions (reject, recycle, disqualify) per source, campaign or overall."""
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {', '.join(GROUPINGS)}, not {by!r}")
    chosen = (e for e in events if e.action in actions and (period is None or period.contains(e.occurred_at)))
    return breakdown(("all" if by == "all" else getattr(e, by), e.reason) for e in chosen)


def win_loss_reasons(opportunities: Iterable[Opportunity], period: Period) -> tuple[ReasonCount, ...]:
    """Reasons of opportunities won and lost in the period, grouped by outcome."""
    return breakdown((o.outcome, o.reason) for o in closed_in(opportunities, period))
