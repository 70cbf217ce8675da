"""Reads of campaigns, and what each produced under the SOURCED and TOUCHED countings.

Membership comes from touchpoints (Touchpoint.campaign). Stage facts come from the stage-event
ledger: a lead counts as an MQL if any of its stage events entered `mql` (whenever that was,
imported history included), as a SAL if any entered `sal`. Pipeline is the amount of its open and
won opportunities, won revenue the amount of the won ones, in the campaign's currency; amounts in
other currencies are reported apart, never converted. Merged-away leads do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum

from tandem.campaigns.models import Campaign
from tandem.core.campaign_results import Goals, Produced, Scorecard, scorecard
from tandem.leads.models import Lead, StageEvent
from tandem.opportunities.models import Opportunity, Outcome
from tandem.touchpoints.models import Touchpoint

MQL, SAL = "mql", "sal"


def _require_view(user: Any) -> None:
    if user is not None and not user.can("campaign.view"):
        raise PermissionDenied("you may not see campaigns")


def campaign_list(*, user: Any = None, status: str | None = None, q: str | None = None) -> QuerySet[Campaign]:
    _require_view(user)
    campaigns = Campaign.objects.select_related("marketing_owner", "sales_owner")
    if status:
        campaigns = campaigns.filter(status=status)
    if q:
        campaigns = campaigns.filter(Q(name__icontains=q.strip()) | Q(utm_campaign__iexact=q.strip()))
    return campaigns.order_by("-starts_on", "name", "id")


def campaign_get(*, campaign_id: int, user: Any = None) -> Campaign:
    """The campaign, or Campaign.DoesNotExist (404)."""
    _require_view(user)
    return Campaign.objects.select_related("marketing_owner", "sales_owner").get(pk=campaign_id)


def campaign_leads(*, campaign: Campaign, counting: str) -> QuerySet[Lead]:
    """The leads the campaign counts: any touch (touched) or the first touch (sourced)."""
    touched = Touchpoint.objects.filter(campaign_id=campaign.pk).values("lead_id")
    leads = Lead.objects.filter(pk__in=touched, merged_into__isnull=True)
    if counting == "touched":
        return leads
    if counting != "sourced":
        raise ValueError("counting: must be sourced or touched")
    first = Touchpoint.objects.filter(lead_id=OuterRef("pk")).order_by("occurred_at", "id").values("campaign_id")[:1]
    return leads.annotate(first_campaign=Subquery(first)).filter(first_campaign=campaign.pk)


@dataclass(frozen=True)
class Money:
    main: Decimal
    other_currencies: dict[str, Decimal]


def _amounts(opportunities: QuerySet[Opportunity], currency: str) -> Money:
    sums = dict(opportunities.order_by().values_list("currency").annotate(total=Sum("amount")))
    other = {code: total for code, total in sorted(sums.items()) if code != currency and total}
    return Money(main=sums.get(currency) or Decimal("0.00"), other_currencies=other)


@dataclass(frozen=True)
class Counted:
    scorecard: Scorecard
    other_pipeline: dict[str, Decimal]
    other_won: dict[str, Decimal]


def campaign_produced(*, campaign: Campaign, counting: str) -> Counted:
    """Leads, MQLs, SALs, pipeline and won revenue of the campaign's leads under `counting`."""
    ids = campaign_leads(campaign=campaign, counting=counting).values("pk")
    entered = StageEvent.objects.filter(lead_id__in=ids)
    opportunities = Opportunity.objects.filter(lead_id__in=ids)
    pipeline = _amounts(opportunities.filter(outcome__in=(Outcome.OPEN, Outcome.WON)), campaign.currency)
    won = _amounts(opportunities.filter(outcome=Outcome.WON), campaign.currency)
    produced = Produced(
        leads=Lead.objects.filter(pk__in=ids).count(),
        mqls=entered.filter(to_stage=MQL).values("lead_id").distinct().count(),
        sals=entered.filter(to_stage=SAL).values("lead_id").distinct().count(),
        pipeline=pipeline.main,
        won_revenue=won.main,
    )
    goals = Goals(leads=campaign.goal_leads, mqls=campaign.goal_mqls, pipeline=campaign.goal_pipeline,
                  revenue=campaign.goal_revenue)
    card = scorecard(counting, produced, cost=campaign.actual_cost, goals=goals)
    return Counted(scorecard=card, other_pipeline=pipeline.other_currencies, other_won=won.other_currencies)


@dataclass(frozen=True)
class CampaignResults:
    campaign: Campaign
    sourced: Counted
    touched: Counted
    touchpoints: int


def campaign_results(*, campaign: Campaign) -> CampaignResults:
    return CampaignResults(
        campaign=campaign,
        sourced=campaign_produced(campaign=campaign, counting="sourced"),
        touched=campaign_produced(campaign=campaign, counting="touched"),
        touchpoints=Touchpoint.objects.filter(campaign_id=campaign.pk).count(),
    )
