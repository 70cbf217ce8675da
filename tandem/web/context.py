"""Template context shared by every page: the navigation for the signed-in user.

Besides the core pages, an app may add entries with a `navigation.py` module holding
`NAV = [(order, url_name, label, permission or None), ...]`. Entries ordered below 40 are the daily
pages shown in the bar; the rest (tools and settings) sit under "More".
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache

from django.conf import settings
from django.http import HttpRequest

CORE_NAV = [(10, "home", "Overview", None), (20, "lead_list", "Leads", "lead.view"),
            (38, "definitions", "Definitions", None), (95, "tokens", "API tokens", None)]
PRIMARY_BELOW = 40


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
    allowed = [(order, name, label) for order, name, label, perm in _all_entries() if perm is None or user.can(perm)]
    return {"nav": [(name, label) for order, name, label in allowed if order < PRIMARY_BELOW],
            "nav_more": [(name, label) for order, name, label in allowed if order >= PRIMARY_BELOW],
            "nav_is_admin": user.role == "admin",
            "nav_role_short": user.get_role_display().split(" (")[0]}
