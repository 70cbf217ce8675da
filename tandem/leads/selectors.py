"""Reads of leads: visibility, lists with keyset pagination, facts for the lifecycle core."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from tandem.core import roles
from tandem.leads.models import Assignment, Lead, Note, StageEvent
from tandem.taxonomy.selectors import taxonomy_current

LIST_FIELDS = ("first_name", "last_name", "email", "title", "country", "source", "stage", "score",
               "created_at", "updated_at", "origin", "version", "account__name", "owner__username")


def lead_visibility_filter(user: Any) -> Q | None:
    """None when the user sees every lead; otherwise the Q of their team's queue plus their own."""
    if roles.LEAD_VISIBILITY.get(user.role) == "all":
        return None
    _, taxonomy = taxonomy_current()
    return Q(stage__in=taxonomy.stages_worked_by(user.team)) | Q(owner_id=user.pk)


def lead_visible_queryset(*, user: Any) -> QuerySet[Lead]:
    if not user.can("lead.view"):
        raise PermissionDenied("you may not see leads")
    leads = Lead.objects.filter(merged_into__isnull=True)
    visibility = lead_visibility_filter(user)
    return leads if visibility is None else leads.filter(visibility)


def lead_get_for_user(*, lead_id: int, user: Any) -> Lead:
    """The lead if this user may see it; Lead.DoesNotExist otherwise (404, never 403: no probing)."""
    return lead_visible_queryset(user=user).select_related("account", "owner").get(pk=lead_id)


@dataclass(frozen=True)
class LeadFilter:
    stage: str | None = None
    owner_id: int | None = None
    account_id: int | None = None
    country: str | None = None
    source: str | None = None
    origin: str | None = None
    q: str | None = None
    mine: bool = False


@dataclass(frozen=True)
class LeadPage:
    items: list[Lead]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = raw.split(":", 1)
        if kind != "id":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("cursor: not a cursor this server issued") from exc


def _apply_filter(leads: QuerySet[Lead], f: LeadFilter, user: Any) -> QuerySet[Lead]:
    exact = {"stage": f.stage, "owner_id": f.owner_id, "account_id": f.account_id,
             "country": (f.country or "").upper() or None, "source": f.source, "origin": f.origin}
    leads = leads.filter(**{k: v for k, v in exact.items() if v not in (None, "")})
    if f.mine:
        leads = leads.filter(owner_id=user.pk)
    if f.q:
        term = f.q.strip()
        leads = leads.filter(Q(email_normalized__startswith=term.lower()) | Q(last_name__istartswith=term)
                             | Q(account__name__istartswith=term))
    return leads


def lead_list(*, user: Any, filters: LeadFilter, limit: int = 50, cursor: str | None = None) -> LeadPage:
    """One page of visible leads, newest first, by keyset on id: two queries whatever the size."""
    leads = _apply_filter(lead_visible_queryset(user=user), filters, user)
    if cursor:
        leads = leads.filter(id__lt=decode_cursor(cursor))
    rows = list(leads.select_related("account", "owner").order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return LeadPage(items=rows, next_cursor=encode_cursor(rows[-1].id) if more and rows else None)


def lead_facts(lead: Lead) -> dict[str, Any]:
    """The flat facts the lifecycle core's criteria read: lead fields, account.* fields, score."""
    account = lead.account
    facts: dict[str, Any] = {
        "email": lead.email, "first_name": lead.first_name, "last_name": lead.last_name,
        "phone": lead.phone, "title": lead.title, "country": lead.country or (account.country if account else ""),
        "source": lead.source, "origin": lead.origin, "score": lead.score,
        "account": account.name if account else None,
        "consent_status": lead.consent_status,
        "has_open_opportunity": lead.opportunities.filter(outcome="open").exists() or None,
    }
    if account:
        facts.update({"account.name": account.name, "account.domain": account.domain,
                      "account.industry": account.industry, "account.employees": account.employees,
                      "account.segment": account.segment, "account.country": account.country,
                      "employees": account.employees, "industry": account.industry, "segment": account.segment})
    return facts


def lead_stage_history(*, lead: Lead) -> QuerySet[StageEvent]:
    return lead.stage_events.select_related("actor").order_by("occurred_at", "id")


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # stage | assignment | note | touchpoint
    at: Any
    obj: Any


def lead_timeline(*, lead: Lead) -> list[TimelineEntry]:
    """Stage events, owner changes, notes and touchpoints (the newest few hundred), newest first."""
    entries = [TimelineEntry("stage", e.occurred_at, e) for e in lead_stage_history(lead=lead)]
    entries += [TimelineEntry("assignment", a.occurred_at, a)
                for a in Assignment.objects.filter(lead=lead).select_related("to_owner", "from_owner", "by")]
    entries += [TimelineEntry("note", n.created_at, n) for n in Note.objects.filter(lead=lead).select_related("author")]
    from tandem.touchpoints.selectors import touchpoints_for_lead  # here, as that module imports this one

    entries += [TimelineEntry("touchpoint", t.occurred_at, t) for t in touchpoints_for_lead(lead=lead)]
    return sorted(entries, key=lambda e: (e.at, getattr(e.obj, "id", 0)), reverse=True)


def lead_available_moves(*, lead: Lead, user: Any) -> list[dict[str, Any]]:
    """The transitions out of the lead's stage that this user may attempt, with their reasons."""
    from tandem.core.roles import OVERRIDE_ROLES

    if not user.can("lead.move"):
        return []
    _, taxonomy = taxonomy_current()
    stage = taxonomy.stage(lead.stage)
    moves = []
    for t in stage.next:
        if user.role not in OVERRIDE_ROLES and user.team not in t.teams:
            continue
        reasons = [taxonomy.reason(code) for code in t.reasons]
        moves.append({"to": t.to, "to_name": taxonomy.stage(t.to).name, "action": t.action,
                      "reasons": [r for r in reasons if r], "procedural_only": t.procedural_only})
    return moves
