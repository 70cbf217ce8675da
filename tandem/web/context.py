"""Template context shared by every page: the navigation for the signed-in user.

Besides the core pages, an app may add entries with a `navigation.py` module holding
`NAV = [(order, url_name, label, permission or None), ...]`.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache

from django.conf import settings
from django.http import HttpRequest

CORE_NAV = [(10, "home", "Overview", None), (20, "lead_list", "Leads", "lead.view"),
            (90, "definitions", "Definitions", None), (95, "tokens", "API tokens", None)]


@cache
def _all_entries() -> tuple:
    entries = list(CORE_NAV)
    for app in settings.INSTALLED_APPS:
        module = f"{app}.navigation"
        if app.startswith("tandem.") and importlib.util.find_spec(module) is not None:
            entries += importlib.import_module(module).NAV
    return tuple(sorted(entries))


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = [(name, label) for _, name, label, perm in _all_entries() if perm is None or user.can(perm)]
    return {"nav": items, "nav_is_admin": user.role == "admin"}
