"""Template context shared by every page: the navigation for the signed-in user."""

from __future__ import annotations

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = [("home", "Overview"), ("lead_list", "Leads"), ("definitions", "Definitions"), ("tokens", "API tokens")]
    return {"nav": items, "nav_is_admin": user.role == "admin"}
