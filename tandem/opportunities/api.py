"""Opportunities over HTTP: amounts are decimal strings with a currency."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from tandem.accounts.models import Account
from tandem.leads.selectors import lead_get_for_user
from tandem.opportunities import selectors, services
from tandem.opportunities.models import Opportunity
from tandem.people.access import require_permission

router = Router(tags=["opportunities"])


class OpportunityIn(Schema):
    account_id: int
    lead_id: int | None = None
    name: str = Field(..., max_length=200)
    amount: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    currency: str = Field("EUR", min_length=3, max_length=3)
    expected_close_date: date | None = None
    owner_id: int | None = None
    at: datetime | None = None


class OpportunityPatch(Schema):
    version: int
    name: str | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = None
    stage: str | None = None
    expected_close_date: date | None = None
    owner_id: int | None = None


class CloseIn(Schema):
    version: int
    reason_code: str
    at: datetime | None = None


class OpportunityOut(Schema):
    id: int
    account_id: int
    lead_id: int | None
    name: str
    amount: Decimal
    currency: str
    stage: str
    expected_close_date: date | None
    outcome: str
    reason_code: str
    owner_id: int | None
    created_at: datetime
    closed_at: datetime | None
    version: int


class OpportunityListQuery(Schema):
    outcome: str | None = None
    owner_id: int | None = None
    account_id: int | None = None
    limit: int = Field(50, ge=1, le=500)
    after_id: int | None = None


@router.get("", response=list[OpportunityOut])
def list_opportunities(request: HttpRequest, filters: Query[OpportunityListQuery]):
    require_permission(request.auth, "opportunity.view")
    return list(selectors.opportunity_list(**filters.dict(exclude={"limit"}))[: filters.limit])


@router.post("", response={201: OpportunityOut})
def create_opportunity(request: HttpRequest, payload: OpportunityIn):
    require_permission(request.auth, "opportunity.write")
    account = get_object_or_404(Account, pk=payload.account_id)
    lead = lead_get_for_user(lead_id=payload.lead_id, user=request.auth) if payload.lead_id else None
    owner = None
    if payload.owner_id:
        from tandem.people.models import User

        owner = get_object_or_404(User, pk=payload.owner_id)
    return Status(201, services.opportunity_create(
        by=request.auth, account=account, lead=lead, name=payload.name, amount=payload.amount,
        currency=payload.currency, expected_close_date=payload.expected_close_date, owner=owner, at=payload.at))


@router.get("/export.csv", response={200: None}, summary="Export the opportunity list as CSV",
            openapi_extra={"responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}}})
def export_opportunities(request: HttpRequest, filters: Query[OpportunityListQuery]):
    from tandem.imports.exports import csv_response

    return csv_response(kind="opportunities", user=request.auth, filters=filters.dict(exclude={"limit", "after_id"}))


@router.get("/{opportunity_id}", response=OpportunityOut)
def get_opportunity(request: HttpRequest, opportunity_id: int):
    require_permission(request.auth, "opportunity.view")
    return get_object_or_404(Opportunity, pk=opportunity_id)


@router.patch("/{opportunity_id}", response=OpportunityOut)
def patch_opportunity(request: HttpRequest, opportunity_id: int, payload: OpportunityPatch):
    require_permission(request.auth, "opportunity.write")
    opportunity = get_object_or_404(Opportunity, pk=opportunity_id)
    return services.opportunity_update(opportunity=opportunity, by=request.auth, expected_version=payload.version,
                                       **payload.dict(exclude={"version"}, exclude_unset=True))


def _close_endpoint(outcome: str):
    def close(request: HttpRequest, opportunity_id: int, payload: CloseIn):
        require_permission(request.auth, "opportunity.write")
        opportunity = get_object_or_404(Opportunity, pk=opportunity_id)
        return services.opportunity_close(opportunity=opportunity, outcome=outcome, reason_code=payload.reason_code,
                                          by=request.auth, expected_version=payload.version, at=payload.at)

    close.__name__ = f"{'win' if outcome == 'won' else 'lose'}_opportunity"
    verb = "win" if outcome == "won" else "lose"
    router.post(f"/{{opportunity_id}}/{verb}", response=OpportunityOut,
                summary=f"Close as {outcome} with a reason; the lead moves to {outcome.capitalize()}")(close)


_close_endpoint("won")
_close_endpoint("lost")
