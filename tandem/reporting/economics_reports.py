"""Marketing economics: CAC, CLV per segment and campaign ROI (core economics), from entered costs.

Costs in a period: a campaign's actual cost, and an entered overhead, are spread evenly over their
days (a campaign's starts_on–ends_on; an overhead's starts_on–ends_on, inclusive); the period gets
the share of those days that fall inside it. A campaign without both dates counts in full in the
period containing its start date (or, without one, its creation). Only costs in the report's
currency count; others are named in the note.

Campaign ROI credits each won deal's amount to the campaign of its lead's first touch (the
originating campaign) unless tandem.attribution provides `campaign_revenue` for a chosen model.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q

from tandem.campaigns.models import Campaign
from tandem.core import economics, pipeline
from tandem.core.periods import Period
from tandem.reporting import reads
from tandem.reporting.dimensions import lead_dims
from tandem.reporting.filters import ReportFilter
from tandem.reporting.funnel_reports import meta
from tandem.reporting.models import OverheadCost, SegmentAssumption
from tandem.reporting.outputs import CampaignRoi, Economics, SegmentClv
from tandem.reporting.pipeline_reports import _one_currency
from tandem.reporting.team_reports import call_other_app, provided

ZERO = Decimal("0")


def _share(amount: Decimal, first: date, last: date, period: Period) -> Decimal:
    """The part of `amount` spread over [first, last] (inclusive days) that falls inside the period."""
    days = (last - first).days + 1
    if days <= 0:
        return ZERO
    inside_first = max(first, period.start.date())
    inside_last = min(last, period.last_day)
    inside = (inside_last - inside_first).days + 1
    return amount * inside / days if inside > 0 else ZERO


def _campaign_cost(campaign: Campaign, period: Period) -> Decimal:
    if campaign.starts_on and campaign.ends_on:
        return _share(campaign.actual_cost, campaign.starts_on, campaign.ends_on, period)
    start = campaign.starts_on or campaign.created_at.astimezone(UTC).date()
    moment = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return campaign.actual_cost if period.contains(moment) else ZERO


def costs(period: Period, currency: str | None) -> tuple[Decimal, Decimal, dict[int, Decimal], list[str]]:
    """(campaign cost, overhead, cost per campaign, other currencies seen) for the period."""
    per_campaign: dict[int, Decimal] = {}
    others: set[str] = set()
    last = period.last_day
    for c in Campaign.objects.filter(Q(starts_on__lte=last) | Q(starts_on__isnull=True)):
        if currency and c.currency != currency:
            others.add(c.currency)
            continue
        cost = _campaign_cost(c, period)
        if cost:
            per_campaign[c.pk] = cost
    overhead = ZERO
    for o in OverheadCost.objects.filter(starts_on__lte=last, ends_on__gte=period.start.date()):
        if currency and o.currency != currency:
            others.add(o.currency)
            continue
        overhead += _share(o.amount, o.starts_on, o.ends_on, period)
    return sum(per_campaign.values(), ZERO), overhead, per_campaign, sorted(others)


def _campaign_revenue(won: list[pipeline.Opportunity], period: Period) -> tuple[dict[int, Decimal], str]:
    attributed = provided("tandem.attribution.selectors", "campaign_revenue")
    if attributed is not None:
        revenue, _ = call_other_app(attributed, start=period.start, end=period.end)
        if revenue is not None:
            return revenue, "attribution app (W-shaped)"
    dims = lead_dims({o.lead_id for o in won if o.lead_id})
    revenue: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for o in won:
        campaign = dims.values_of(o.lead_id)["campaign"] if o.lead_id else ""
        if campaign:
            revenue[int(campaign)] += o.amount
    return dict(revenue), "first touch (originating campaign)"


def _clv(won: list[pipeline.Opportunity], segments: dict[int, str]) -> tuple[SegmentClv, ...]:
    by_segment: dict[str, list[Decimal]] = defaultdict(list)
    for o in won:
        by_segment[segments.get(o.id, "")].append(o.amount)
    rows = []
    for assumption in SegmentAssumption.objects.order_by("segment"):
        amounts = by_segment.get(assumption.segment, [])
        years = float(assumption.contract_years)
        acv = economics.average_contract_value(amounts, [years] * len(amounts))
        value = economics.clv(acv, float(assumption.gross_margin), float(assumption.annual_churn)) \
            if acv is not None else None
        rows.append(SegmentClv(assumption.segment, len(amounts), acv, float(assumption.gross_margin),
                               float(assumption.annual_churn), value))
    return tuple(rows)


def economics_report(f: ReportFilter, *, currency: str | None = None, clv_lookback_days: int = 365) -> Economics:
    """CAC for the period, CLV per segment (won deals of the look-back), ROI of each campaign with a cost."""
    all_won = reads.filtered_opportunities(f, Q(outcome="won"))
    chosen = _one_currency({o.currency for o, _ in all_won}, currency)
    won_all = [o for o, _ in all_won if o.currency == chosen]
    customers = pipeline.new_customers(won_all, f.period)
    campaign_cost, overhead, per_campaign, others = costs(f.period, chosen)
    cac = economics.cac(campaign_cost, overhead, customers)
    won_in = pipeline.closed_in(won_all, f.period, "won")
    revenue, model = _campaign_revenue(won_in, f.period)
    names = dict(Campaign.objects.filter(pk__in=set(per_campaign) | set(revenue)).values_list("id", "name"))
    campaigns = tuple(CampaignRoi(pk, names.get(pk, str(pk)), pipeline.money(cost),
                                  pipeline.money(revenue.get(pk, ZERO)), economics.campaign_roi(revenue.get(pk, ZERO),
                                                                                                cost))
                      for pk, cost in sorted(per_campaign.items(), key=lambda kv: names.get(kv[0], "")))
    end = f.period.end
    lookback = Period.span(end - timedelta(days=clv_lookback_days), end)
    segments = {o.id: facts["segment"] for o, facts in all_won}
    clv = _clv(pipeline.closed_in(won_all, lookback, "won"), segments)
    note = f"Costs in {', '.join(others)} are not counted (report currency {chosen})." if others else ""
    return Economics(meta("economics", f, "opportunities", ("cac", "new_customers", "clv", "campaign_roi")), chosen,
                     pipeline.money(campaign_cost), pipeline.money(overhead), customers, cac, clv, campaigns, model,
                     note)
