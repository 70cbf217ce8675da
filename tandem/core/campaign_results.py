"""What a campaign produced against its goals: plain arithmetic over counts and Decimal money.

Two countings, never added together (a lead can be sourced by one campaign and touched by many):

* SOURCED: the lead's first touchpoint (earliest `occurred_at`, then lowest id) belongs to the campaign.
* TOUCHED: any touchpoint of the lead belongs to the campaign.

Units: money is Decimal in the campaign's currency, rounded to cents (half up); goal attainment is
a Decimal percentage with one decimal place. A ratio over zero (cost per lead with no lead, attainment
of a goal of 0) is None: undefined, not zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
COUNTINGS = ("sourced", "touched")


@dataclass(frozen=True)
class Produced:
    """What the campaign's leads did, under one counting."""

    leads: int
    mqls: int
    sals: int
    pipeline: Decimal
    won_revenue: Decimal


@dataclass(frozen=True)
class Goals:
    leads: int
    mqls: int
    pipeline: Decimal
    revenue: Decimal


@dataclass(frozen=True)
class Scorecard:
    counting: str
    produced: Produced
    cost_per_lead: Decimal | None
    cost_per_mql: Decimal | None
    attainment: dict[str, Decimal | None]  # leads, mqls, pipeline, revenue -> percent of goal


def cost_per(cost: Decimal, count: int) -> Decimal | None:
    """Cost divided by a count, to the cent; None when nothing was produced."""
    if count <= 0:
        return None
    return (Decimal(cost) / count).quantize(CENT, rounding=ROUND_HALF_UP)


def attainment(actual: Decimal | int, goal: Decimal | int) -> Decimal | None:
    """Actual as a percentage of the goal (one decimal); None when no goal was set."""
    if not goal:
        return None
    return (Decimal(actual) * 100 / Decimal(goal)).quantize(TENTH, rounding=ROUND_HALF_UP)


def scorecard(counting: str, produced: Produced, *, cost: Decimal, goals: Goals) -> Scorecard:
    if counting not in COUNTINGS:
        raise ValueError(f"counting: must be one of {', '.join(COUNTINGS)}")
    return Scorecard(
        counting=counting,
        produced=produced,
        cost_per_lead=cost_per(cost, produced.leads),
        cost_per_mql=cost_per(cost, produced.mqls),
        attainment={
            "leads": attainment(produced.leads, goals.leads),
            "mqls": attainment(produced.mqls, goals.mqls),
            "pipeline": attainment(produced.pipeline, goals.pipeline),
            "revenue": attainment(produced.won_revenue, goals.revenue),
        },
    )
