"""Identity over HTTP: likely duplicates, merging leads and accounts, and resolving merged ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from tandem.accounts.models import Account
from tandem.identity import selectors, services
from tandem.leads.selectors import lead_get_for_user
from tandem.people.access import require_permission

router = Router(tags=["identity"])


class DuplicateLeadOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    account_id: int | None
    account_name: str | None = Field(None, alias="account.name")
    stage: str
    version: int
    created_at: datetime


class DuplicateGroupOut(Schema):
    reason: str
    reason_text: str
    key: str
    leads: list[DuplicateLeadOut]


class DuplicatesOut(Schema):
    groups: list[DuplicateGroupOut]
    next_after: dict[str, str | None] = Field(..., description="Per reason: pass as `after` (with `reason`) "
                                              "for the next page; null when there is none")


class DuplicatesQuery(Schema):
    reason: str | None = Field(None, description="email, phone or name; all three when omitted")
    limit: int = Field(50, ge=1, le=200, description="Groups per reason")
    after: str | None = Field(None, description="The last key of the previous page (needs reason)")


class DuplicateAccountOut(Schema):
    id: int
    name: str
    domain: str
    country: str
    version: int
    lead_count: int


class AccountGroupOut(Schema):
    key: str
    accounts: list[DuplicateAccountOut]


class AccountDuplicatesQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    after: str | None = None


class LeadMergeIn(Schema):
    survivor_id: int
    loser_id: int
    survivor_version: int = Field(..., description="The survivor's version you read; a stale one gets 409")
    loser_version: int = Field(..., description="The loser's version you read; a stale one gets 409")


class AccountMergeIn(LeadMergeIn):
    pass


class MergeOut(Schema):
    merge_id: int
    survivor_id: int
    loser_id: int
    survivor_version: int
    moved: dict[str, int]
    filled: dict[str, Any]
    consent_status: str | None
    at: datetime


class ResolveOut(Schema):
    lead_id: int
    resolved_id: int
    merged: bool


def _merge_out(result: services.MergeResult) -> dict[str, Any]:
    return {"merge_id": result.record.pk, "survivor_id": result.survivor.pk, "loser_id": result.loser.pk,
            "survivor_version": result.survivor.version, "moved": result.moved,
            "filled": {k: v for k, v in result.filled.items()}, "consent_status": result.consent_status,
            "at": result.at}


@router.get("/duplicates", response=DuplicatesOut, summary="Groups of leads that are likely the same person")
def lead_duplicates(request: HttpRequest, filters: Query[DuplicatesQuery]):
    reasons = [filters.reason] if filters.reason else list(selectors.REASONS)
    groups, next_after = [], {}
    for reason in reasons:
        page = selectors.lead_duplicate_groups(user=request.auth, reason=reason, limit=filters.limit,
                                               after=filters.after if filters.reason else None)
        groups += page
        next_after[reason] = page[-1].key if len(page) == filters.limit else None
    return {"groups": groups, "next_after": next_after}


@router.get("/duplicates/accounts", response=list[AccountGroupOut], summary="Accounts with the same name")
def account_duplicates(request: HttpRequest, filters: Query[AccountDuplicatesQuery]):
    require_permission(request.auth, "account.view")
    return selectors.account_duplicate_groups(limit=filters.limit, after=filters.after)


@router.post("/leads/merge", response=MergeOut, summary="Merge two leads: the loser's history moves to the survivor")
def merge_leads(request: HttpRequest, payload: LeadMergeIn):
    require_permission(request.auth, "lead.merge")
    survivor = selectors.lead_get_for_merge(lead_id=payload.survivor_id, user=request.auth, field="survivor_id")
    loser = selectors.lead_get_for_merge(lead_id=payload.loser_id, user=request.auth, field="loser_id")
    survivor.version, loser.version = payload.survivor_version, payload.loser_version
    return _merge_out(services.lead_merge(survivor=survivor, loser=loser, by=request.auth))


@router.post("/accounts/merge", response=MergeOut, summary="Merge two accounts: leads, deals and touches move over")
def merge_accounts(request: HttpRequest, payload: AccountMergeIn):
    require_permission(request.auth, "lead.merge")
    survivor = get_object_or_404(Account, pk=payload.survivor_id)
    loser = get_object_or_404(Account, pk=payload.loser_id)
    survivor.version, loser.version = payload.survivor_version, payload.loser_version
    return _merge_out(services.account_merge(survivor=survivor, loser=loser, by=request.auth))


@router.get("/leads/{lead_id}/resolve", response=ResolveOut,
            summary="The live lead an id stands for (follows merges); 404 if you may not see it")
def resolve_lead(request: HttpRequest, lead_id: int):
    resolved = selectors.lead_resolve(lead_id=lead_id)
    lead_get_for_user(lead_id=resolved, user=request.auth)
    return {"lead_id": lead_id, "resolved_id": resolved, "merged": resolved != lead_id}
