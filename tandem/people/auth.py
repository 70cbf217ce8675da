"""API authentication: bearer tokens for integrations, the session for the browser.

A read-scoped token may only make safe (GET/HEAD) requests. A revoked token fails on its
very next request, since every request looks the token up afresh.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from tandem.people.services import api_token_authenticate

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        if api_token.scope == "read" and request.method not in SAFE_METHODS:
            raise HttpError(403, "this token has read scope; use a write token to change data")
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class BrowserSession(SessionAuth):
    """The signed-in browser session (CSRF is checked on unsafe methods)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_authenticated else None


api_auth = [TokenAuth(), BrowserSession()]
