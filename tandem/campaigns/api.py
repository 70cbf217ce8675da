"""Campaigns over HTTP: plan them (CRUD with versions), read what they produced, export the list."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from tandem.campaigns import selectors, services
from tandem.imports import exports
from tandem.people.access import require_permission

router = Router(tags=["campaigns"])

Money = Decimal


class CampaignIn(Schema):
    name: str = Field(..., max_length=200)
    type: str = Field(..., max_length=50, description="e.g. webinar, trade fair, paid search, nurture")
    channel: str = Field(..., description="The main touchpoint channel, e.g. webinar, paid_click, event.")
    marketing_owner_id: int | None = Field(None, description="A user in the Marketing team.")
    sales_owner_id: int | None = Field(None, description="A user in the Sales team.")
    starts_on: date | None = None
    ends_on: date | None = None
    currency: str = Field("EUR", min_length=3, max_length=3)
    budget: Money = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    actual_cost: Money = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    target_segment: str = Field("", description="smb, mid, enterprise, or empty")
    goal_leads: int = Field(0, ge=0)
    goal_mqls: int = Field(0, ge=0)
    goal_pipeline: Money = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    goal_revenue: Money = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    status: str = "planned"
    utm_campaign: str = Field("", max_length=200)


class CampaignPatch(Schema):
    version: int = Field(..., description="The version you read; a stale version gets 409.")
    name: str | None = Field(None, max_length=200)
    type: str | None = Field(None, max_length=50)
    channel: str | None = None
    marketing_owner_id: int | None = None
    sales_owner_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    budget: Money | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    actual_cost: Money | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    target_segment: str | None = None
    goal_leads: int | None = Field(None, ge=0)
    goal_mqls: int | None = Field(None, ge=0)
    goal_pipeline: Money | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    goal_revenue: Money | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    status: str | None = None
    utm_campaign: str | None = Field(None, max_length=200)


class CampaignOut(Schema):
    id: int
    name: str
    type: str
    channel: str
    marketing_owner_id: int | None
    sales_owner_id: int | None
    starts_on: date | None
    ends_on: date | None
    currency: str
    budget: Money
    actual_cost: Money
    target_segment: str
    goal_leads: int
    goal_mqls: int
    goal_pipeline: Money
    goal_revenue: Money
    status: str
    utm_campaign: str
    created_at: datetime
    updated_at: datetime
    version: int


class CampaignListQuery(Schema):
    status: str | None = None
    q: str | None = Field(None, description="Part of the name, or the exact utm_campaign.")
    limit: int = Field(100, ge=1, le=500)


class DeleteIn(Schema):
    version: int = Field(..., description="The version you read; a stale version gets 409.")


class ProducedOut(Schema):
    counting: str
    leads: int
    mqls: int
    sals: int
    pipeline: Money
    won_revenue: Money
    cost_per_lead: Money | None
    cost_per_mql: Money | None
    attainment_percent: dict[str, Decimal | None]
    pipeline_other_currencies: dict[str, Money]
    won_revenue_other_currencies: dict[str, Money]


class ResultsOut(Schema):
    campaign_id: int
    currency: str
    actual_cost: Money
    touchpoints: int
    definitions: dict[str, str]
    sourced: ProducedOut
    touched: ProducedOut


DEFINITIONS = {
    "sourced": "the lead's first touchpoint (earliest occurred_at) belongs to the campaign",
    "touched": "any touchpoint of the lead belongs to the campaign",
    "mql": "the lead has a stage event entering mql (any time, imported history included)",
    "sal": "the lead has a stage event entering sal",
    "pipeline": "amount of the leads' open and won opportunities, in the campaign's currency",
    "won_revenue": "amount of the leads' won opportunities, in the campaign's currency",
    "cost_per_lead": "actual cost ÷ leads (null when there are none)",
}


def _produced(counted: selectors.Counted) -> dict:
    card = counted.scorecard
    return {"counting": card.counting, **card.produced.__dict__, "cost_per_lead": card.cost_per_lead,
            "cost_per_mql": card.cost_per_mql, "attainment_percent": card.attainment,
            "pipeline_other_currencies": counted.other_pipeline,
            "won_revenue_other_currencies": counted.other_won}


@router.get("", response=list[CampaignOut], summary="List campaigns, latest start first")
def list_campaigns(request: HttpRequest, filters: Query[CampaignListQuery]):
    return list(selectors.campaign_list(user=request.auth, status=filters.status, q=filters.q)[: filters.limit])


@router.post("", response={201: CampaignOut}, summary="Plan a campaign")
def create_campaign(request: HttpRequest, payload: CampaignIn):
    require_permission(request.auth, "campaign.write")
    return Status(201, services.campaign_create(by=request.auth, **payload.dict()))


@router.get("/export.csv", summary="Export the campaign list as CSV", response={200: None},
            openapi_extra={"responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}}})
def export_campaigns(request: HttpRequest, filters: Query[CampaignListQuery]):
    require_permission(request.auth, "campaign.view")
    return exports.csv_response(kind="campaigns", user=request.auth, filters=filters.dict(exclude={"limit"}))


@router.get("/{campaign_id}", response=CampaignOut)
def get_campaign(request: HttpRequest, campaign_id: int):
    return selectors.campaign_get(campaign_id=campaign_id, user=request.auth)


@router.patch("/{campaign_id}", response=CampaignOut, summary="Edit fields; send the version you read")
def patch_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch):
    require_permission(request.auth, "campaign.write")
    campaign = selectors.campaign_get(campaign_id=campaign_id, user=request.auth)
    return services.campaign_update(campaign=campaign, by=request.auth, expected_version=payload.version,
                                    **payload.dict(exclude={"version"}, exclude_unset=True))


@router.delete("/{campaign_id}", response={204: None}, summary="Delete a campaign no touchpoint belongs to")
def delete_campaign(request: HttpRequest, campaign_id: int, payload: DeleteIn):
    require_permission(request.auth, "campaign.write")
    campaign = selectors.campaign_get(campaign_id=campaign_id, user=request.auth)
    services.campaign_delete(campaign=campaign, by=request.auth, expected_version=payload.version)
    return Status(204, None)


@router.get("/{campaign_id}/results", response=ResultsOut,
            summary="What the campaign produced against its goals, counted SOURCED and TOUCHED")
def campaign_results(request: HttpRequest, campaign_id: int):
    campaign = selectors.campaign_get(campaign_id=campaign_id, user=request.auth)
    results = selectors.campaign_results(campaign=campaign)
    return {"campaign_id": campaign.pk, "currency": campaign.currency, "actual_cost": campaign.actual_cost,
            "touchpoints": results.touchpoints, "definitions": DEFINITIONS,
            "sourced": _produced(results.sourced), "touched": _produced(results.touched)}
