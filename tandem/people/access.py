"""Enforcing the role matrix (tandem.core.roles) at the edges: API, views and CLI."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from tandem.core.roles import PERMISSION_TEXT


def require_permission(user: Any, permission: str) -> None:
    if user is None or not user.can(permission):
        role = getattr(user, "role", "anonymous")
        raise PermissionDenied(f"the {role} role may not: {PERMISSION_TEXT[permission].lower()}")
