"""Reads of the touchpoint ledger: pages newest first (keyset on occurred_at, id), and a lead's touches."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from tandem import clock
from tandem.leads.models import Lead
from tandem.leads.selectors import lead_get_for_user, lead_visibility_filter, lead_visible_queryset
from tandem.touchpoints.models import Touchpoint

#: The lead page shows at most this many touchpoints, newest first; the API pages through all of them.
TIMELINE_LIMIT = 300


@dataclass(frozen=True)
class TouchpointPage:
    items: list[Touchpoint]
    next_cursor: str | None


def encode_cursor(touch: Touchpoint) -> str:
    raw = f"tp:{touch.occurred_at.isoformat()}|{touch.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, rest = raw.split(":", 1)
        at, pk = rest.rsplit("|", 1)
        if kind != "tp":
            raise ValueError
        return clock.parse_instant(at), int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("cursor: not a cursor this server issued") from exc


def _visible(user: Any) -> QuerySet[Touchpoint]:
    leads = lead_visible_queryset(user=user)  # refuses a role without lead.view
    if lead_visibility_filter(user) is None:
        return Touchpoint.objects.all()
    return Touchpoint.objects.filter(lead__in=leads.values("id"))


def touchpoint_list(*, user: Any, lead_id: int | None = None, channel: str | None = None,
                    campaign_id: int | None = None, limit: int = 50, cursor: str | None = None) -> TouchpointPage:
    """One page of the touchpoints of leads this user may see, newest first (Lead.DoesNotExist: 404)."""
    if lead_id is not None:
        touches = Touchpoint.objects.filter(lead=lead_get_for_user(lead_id=lead_id, user=user))
    else:
        touches = _visible(user)
    if channel:
        touches = touches.filter(channel=channel)
    if campaign_id is not None:
        touches = touches.filter(campaign_id=campaign_id)
    if cursor:
        at, pk = decode_cursor(cursor)
        touches = touches.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=pk))
    rows = list(touches.select_related("campaign").order_by("-occurred_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return TouchpointPage(items=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else None)


def touchpoints_for_lead(*, lead: Lead, limit: int = TIMELINE_LIMIT) -> list[Touchpoint]:
    """The lead's newest touchpoints, for its timeline."""
    return list(Touchpoint.objects.filter(lead=lead).select_related("campaign", "actor")
                .order_by("-occurred_at", "-id")[:limit])
