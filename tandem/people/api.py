"""Who am I, and API tokens: created (the secret is shown once), listed and revoked."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from tandem.people import selectors, services
from tandem.people.access import require_permission
from tandem.people.models import User

router = Router(tags=["people"])


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    team: str
    role: str


class TokenIn(Schema):
    name: str = Field(..., max_length=100)
    scope: Literal["read", "write"] = "read"
    user_id: int | None = Field(None, description="Admins may issue a token for another user.")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    user_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    secret: str = Field(..., description="Shown once. Store it now; only a digest is kept.")


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    return request.auth


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest):
    require_permission(request.auth, "token.own")
    return list(selectors.api_token_list(user=request.auth))


@router.post("/tokens", response={201: IssuedTokenOut})
def create_token(request: HttpRequest, payload: TokenIn):
    require_permission(request.auth, "token.own")
    owner = request.auth
    if payload.user_id and payload.user_id != request.auth.pk:
        require_permission(request.auth, "token.manage_all")
        owner = get_object_or_404(User, pk=payload.user_id)
    issued = services.api_token_create(user=owner, name=payload.name, scope=payload.scope, by=request.auth)
    token = issued.token
    return Status(201, {**TokenOut.from_orm(token).dict(), "secret": issued.secret})


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
def revoke_token(request: HttpRequest, token_id: int):
    require_permission(request.auth, "token.own")
    token = get_object_or_404(selectors.api_token_list(user=request.auth), pk=token_id)
    return services.api_token_revoke(token=token, by=request.auth)
