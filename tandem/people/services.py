"""Writes for people and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tandem import clock
from tandem.audit.services import audit_record
from tandem.people.choices import TokenScope
from tandem.people.models import ApiToken, User

TOKEN_PREFIX = "tdm_"


class TokenNotAllowed(PermissionDenied):
    pass


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def api_token_create(*, user: User, name: str, scope: str, by: User | None = None) -> IssuedToken:
    """Issue a token for `user`. Read-only users may hold read tokens only."""
    if scope not in TokenScope.values:
        raise ValueError(f"scope: must be one of {', '.join(TokenScope.values)}")
    if scope == TokenScope.WRITE and user.role == "readonly":
        raise TokenNotAllowed("scope: a read-only user can only hold read tokens")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "token", prefix=secret[: len(TOKEN_PREFIX) + 8],
        digest=token_digest(secret), scope=scope,
    )
    audit_record(actor=by or user, action="token.create", obj=token, changes={"scope": [None, scope]})
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    if token.user_id != by.pk and not by.can("token.manage_all"):
        raise TokenNotAllowed("only the token's owner or an admin may revoke it")
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=clock.now())
        token.refresh_from_db()
        audit_record(actor=by, action="token.revoke", obj=token, changes={"revoked_at": [None, str(token.revoked_at)]})
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The active token for this secret, with its user; touches last_used_at at most once a minute."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True).first())
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_create(*, username: str, password: str, role: str, team: str | None = None, first_name: str = "",
                last_name: str = "", email: str = "") -> User:
    from tandem.core.roles import ROLE_TEAM

    user = User(username=username, role=role, team=team or ROLE_TEAM[role], first_name=first_name,
                last_name=last_name, email=email, is_staff=role == "admin", is_superuser=role == "admin")
    user.set_password(password)
    user.save()
    return user
