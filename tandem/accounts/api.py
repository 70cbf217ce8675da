"""Accounts over HTTP."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from tandem.accounts import selectors, services
from tandem.accounts.models import Account
from tandem.people.access import require_permission

router = Router(tags=["accounts"])


class AccountIn(Schema):
    name: str = Field(..., max_length=200)
    domain: str = Field("", max_length=200)
    industry: str = Field("", max_length=100)
    employees: int | None = Field(None, ge=0)
    country: str = Field("", max_length=2)
    owner_id: int | None = None


class AccountPatch(Schema):
    version: int
    name: str | None = Field(None, max_length=200)
    domain: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=100)
    employees: int | None = Field(None, ge=0)
    country: str | None = Field(None, max_length=2)
    owner_id: int | None = None


class AccountOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    employees: int | None
    segment: str
    country: str
    owner_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class AccountListQuery(Schema):
    q: str | None = None
    owner_id: int | None = None
    limit: int = Field(50, ge=1, le=500)
    after_id: int | None = Field(None, description="Keyset cursor: the last id of the previous page.")


@router.get("", response=list[AccountOut])
def list_accounts(request: HttpRequest, filters: Query[AccountListQuery]):
    require_permission(request.auth, "account.view")
    return list(selectors.account_list(q=filters.q, owner_id=filters.owner_id, after_id=filters.after_id)
                [: filters.limit])


@router.post("", response={201: AccountOut})
def create_account(request: HttpRequest, payload: AccountIn):
    require_permission(request.auth, "account.write")
    return Status(201, services.account_create(by=request.auth, **payload.dict()))


@router.get("/export.csv", response={200: None}, summary="Export the account list as CSV",
            openapi_extra={"responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}}})
def export_accounts(request: HttpRequest, filters: Query[AccountListQuery]):
    from tandem.imports.exports import csv_response

    return csv_response(kind="accounts", user=request.auth, filters=filters.dict(exclude={"limit", "after_id"}))


@router.get("/{account_id}", response=AccountOut)
def get_account(request: HttpRequest, account_id: int):
    require_permission(request.auth, "account.view")
    return get_object_or_404(Account, pk=account_id)


@router.patch("/{account_id}", response=AccountOut)
def patch_account(request: HttpRequest, account_id: int, payload: AccountPatch):
    require_permission(request.auth, "account.write")
    account = get_object_or_404(Account, pk=account_id)
    return services.account_update(account=account, by=request.auth, expected_version=payload.version,
                                   **payload.dict(exclude={"version"}, exclude_unset=True))
