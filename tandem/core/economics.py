"""Marketing economics: sourced vs influenced pipeline, CAC, CLV and campaign ROI.

Definitions (units: money is Decimal rounded to cents in results; ratios are floats):

* Marketing-sourced: the opportunity's lead has origin "mgl" (marketing-generated lead).
  The origin is recorded when the lead is created and is not re-derived from touches.
* Marketing-influenced: at least one touch on a marketing channel occurred strictly before
  the opportunity was created. An opportunity can be sourced, influenced, both or neither;
  the two figures are not additive.
* CAC = (campaign cost + entered overhead) ÷ new customers in the period.
* CLV = average contract value per year × gross margin ÷ annual churn rate (per segment);
  undefined (None) when churn is 0.
* Campaign ROI = (won revenue attributed to the campaign − cost) ÷ cost; None at zero cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tandem.core.periods import require_utc
from tandem.core.pipeline import ZERO, Opportunity, as_decimal, currency_of, money, rate_decimal

MARKETING_ORIGIN = "mgl"


@dataclass(frozen=True)
class Sourcing:
    opportunity_id: int
    sourced: bool
    influenced: bool


def classify_sourcing(opportunity: Opportunity, origin: str | None, touches: Iterable[tuple[datetime, str]],
                      marketing_channels: frozenset[str]) -> Sourcing:
    """Sourced if the lead's origin is MGL; influenced if a marketing touch preceded creation."""
    influenced = any(require_utc(at, field="touch occurred_at") < opportunity.created_at and channel in
                     marketing_channels for at, channel in touches)
    return Sourcing(opportunity.id, origin == MARKETING_ORIGIN, influenced)


@dataclass(frozen=True)
class SourcingSummary:
    count: int
    amount: Decimal
    sourced_count: int
    sourced_amount: Decimal
    influenced_count: int
    influenced_amount: Decimal

    @property
    def sourced_share(self) -> float | None:
        return float(self.sourced_amount / self.amount) if self.amount else None

    @property
    def influenced_share(self) -> float | None:
        return float(self.influenced_amount / self.amount) if self.amount else None


def sourced_and_influenced(opportunities: Sequence[Opportunity], origins: Mapping[int, str],
                           touches: Mapping[int, Sequence[tuple[datetime, str]]],
                           marketing_channels: frozenset[str]) -> SourcingSummary:
    """Counts and amounts of marketing-sourced and -influenced opportunities.

    `origins` maps lead id → origin ("mgl", "tgl", "sgl"); `touches` maps lead id → (occurred_at,
    channel) pairs. Opportunities without a lead are neither sourced nor influenced.
    """
    currency_of(opportunities)
    rows = [(o, classify_sourcing(o, origins.get(o.lead_id), touches.get(o.lead_id, ()), marketing_channels))
            for o in opportunities]
    total = sum((o.amount for o, _ in rows), ZERO)
    sourced = [o for o, s in rows if s.sourced]
    influenced = [o for o, s in rows if s.influenced]
    return SourcingSummary(len(rows), money(total),
                           len(sourced), money(sum((o.amount for o in sourced), ZERO)),
                           len(influenced), money(sum((o.amount for o in influenced), ZERO)))


def cac(campaign_cost: Decimal, overhead: Decimal, new_customers: int) -> Decimal | None:
    """(Campaign cost + overhead) ÷ new customers; None when there were no new customers."""
    if new_customers < 0:
        raise ValueError("new_customers cannot be negative")
    spend = as_decimal(campaign_cost, field="campaign_cost") + as_decimal(overhead, field="overhead")
    return money(spend / new_customers) if new_customers else None


def clv(acv: Decimal, gross_margin: float, annual_churn: float) -> Decimal | None:
    """Customer lifetime value: ACV × margin ÷ churn. Margin and churn are fractions (0.8, not 80)."""
    if not 0 <= gross_margin <= 1:
        raise ValueError(f"gross_margin is a fraction between 0 and 1, got {gross_margin}")
    if not 0 <= annual_churn <= 1:
        raise ValueError(f"annual_churn is a fraction between 0 and 1, got {annual_churn}")
    if annual_churn == 0:
        return None
    return money(as_decimal(acv, field="acv") * rate_decimal(gross_margin) / rate_decimal(annual_churn))


@dataclass(frozen=True)
class SegmentEconomics:
    acv: Decimal
    gross_margin: float
    annual_churn: float


def clv_by_segment(segments: Mapping[str, SegmentEconomics]) -> dict[str, Decimal | None]:
    return {name: clv(s.acv, s.gross_margin, s.annual_churn) for name, s in segments.items()}


def average_contract_value(amounts: Iterable[Decimal], contract_years: Iterable[float]) -> Decimal | None:
    """Mean of amount ÷ contract years (a 3-year deal of 30 000 is 10 000 a year)."""
    pairs = zip(amounts, contract_years, strict=True)
    per_year = [as_decimal(a) / rate_decimal(y) for a, y in pairs if y > 0]
    return money(sum(per_year, ZERO) / len(per_year)) if per_year else None


def campaign_roi(attributed_revenue: Decimal, cost: Decimal) -> float | None:
    """(Attributed won revenue − cost) ÷ cost; 1.5 means 150% return. None when the campaign cost nothing."""
    revenue, spend = as_decimal(attributed_revenue, field="revenue"), as_decimal(cost, field="cost")
    if spend == 0:
        return None
    return float((revenue - spend) / spend)
