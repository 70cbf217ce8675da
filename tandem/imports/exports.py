"""CSV exports of the lists: leads (with the lead list's filters and visibility), accounts, opportunities,
touchpoints and campaigns.

The columns are the import's field names, so an export imports back as it is. Times are ISO 8601
in UTC with their offset, money is a plain decimal. A cell a spreadsheet would run as a formula
(starting with = + - @, a tab or a carriage return) is prefixed with a single quote; the import
removes that quote again.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse

from tandem import clock
from tandem.accounts.selectors import account_list
from tandem.campaigns.selectors import campaign_list
from tandem.imports.cells import guard
from tandem.leads.selectors import LeadFilter, lead_list, lead_visibility_filter, lead_visible_queryset
from tandem.opportunities.selectors import opportunity_list
from tandem.touchpoints.models import Touchpoint

PAGE = 2000
KINDS = ("leads", "accounts", "opportunities", "touchpoints", "campaigns")
PERMISSION = {"leads": "lead.view", "accounts": "account.view", "opportunities": "opportunity.view",
              "touchpoints": "lead.view", "campaigns": "campaign.view"}
COLUMNS = {
    "leads": ("id", "email", "first_name", "last_name", "phone", "title", "company", "domain", "country", "source",
              "self_reported_source", "origin", "owner", "stage", "stage_entered_at", "score", "consent_status",
              "lawful_basis", "created_at"),
    "accounts": ("id", "name", "domain", "industry", "employees", "segment", "country", "owner", "created_at"),
    "opportunities": ("id", "name", "account", "account_domain", "lead_email", "amount", "currency", "stage",
                      "outcome", "reason_code", "owner", "created_at", "expected_close_date", "closed_at"),
    "touchpoints": ("id", "lead_email", "channel", "occurred_at", "recorded_at", "campaign", "utm_source",
                    "utm_medium", "utm_campaign", "utm_term", "utm_content", "content_item", "click_ids", "actor",
                    "source", "external_id", "properties"),
    "campaigns": ("id", "name", "type", "channel", "marketing_owner", "sales_owner", "starts_on", "ends_on",
                  "currency", "budget", "actual_cost", "target_segment", "goal_leads", "goal_mqls", "goal_pipeline",
                  "goal_revenue", "status", "utm_campaign", "created_at"),
}


class Operator:
    """Whoever runs `tandem export` on the server without --as: sees every record, as an admin does."""

    pk = None
    role = "admin"
    team = "management"
    is_active = True

    def can(self, permission: str) -> bool:
        return True


def cell(value: Any) -> str:
    """One value as CSV text, guarded against formula injection."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = str(value)
    return guard(text)


def _username(user: Any) -> str:
    return user.username if user is not None else ""


def _leads(user: Any, filters: dict) -> Iterator[tuple]:
    wanted = LeadFilter(**{k: v for k, v in filters.items() if k in LeadFilter.__dataclass_fields__ and v})
    cursor = None
    while True:
        page = lead_list(user=user, filters=wanted, limit=PAGE, cursor=cursor)
        for lead in page.items:
            account = lead.account
            yield (lead.pk, lead.email, lead.first_name, lead.last_name, lead.phone, lead.title,
                   account.name if account else "", account.domain if account else "", lead.country, lead.source,
                   lead.self_reported_source, lead.origin, _username(lead.owner), lead.stage, lead.stage_entered_at,
                   lead.score, lead.consent_status, lead.lawful_basis, lead.created_at)
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def _accounts(user: Any, filters: dict) -> Iterator[tuple]:
    for a in account_list(q=filters.get("q"), owner_id=filters.get("owner_id")).iterator(chunk_size=PAGE):
        yield (a.pk, a.name, a.domain, a.industry, a.employees, a.segment, a.country, _username(a.owner),
               a.created_at)


def _opportunities(user: Any, filters: dict) -> Iterator[tuple]:
    wanted = {k: filters.get(k) for k in ("outcome", "owner_id", "account_id")}
    for o in opportunity_list(**wanted).iterator(chunk_size=PAGE):
        yield (o.pk, o.name, o.account.name, o.account.domain, o.lead.email if o.lead else "", o.amount, o.currency,
               o.stage, o.outcome, o.reason_code, _username(o.owner), o.created_at, o.expected_close_date,
               o.closed_at)


def _touchpoints(user: Any, filters: dict) -> Iterator[tuple]:
    touchpoints = Touchpoint.objects.select_related("lead", "campaign", "actor").order_by("id")
    if lead_visibility_filter(user) is not None:
        touchpoints = touchpoints.filter(lead__in=lead_visible_queryset(user=user))
    wanted = {k: filters.get(k) for k in ("lead_id", "campaign_id", "channel")}
    touchpoints = touchpoints.filter(**{k: v for k, v in wanted.items() if v})
    for t in touchpoints.iterator(chunk_size=PAGE):
        yield (t.pk, t.lead.email, t.channel, t.occurred_at, t.recorded_at, t.campaign.name if t.campaign else "",
               t.utm_source, t.utm_medium, t.utm_campaign, t.utm_term, t.utm_content, t.content_item, t.click_ids,
               _username(t.actor), t.source, t.external_id, t.properties)


def _campaigns(user: Any, filters: dict) -> Iterator[tuple]:
    for c in campaign_list(user=user, status=filters.get("status"), q=filters.get("q")).iterator(chunk_size=PAGE):
        yield (c.pk, c.name, c.type, c.channel, _username(c.marketing_owner), _username(c.sales_owner), c.starts_on,
               c.ends_on, c.currency, c.budget, c.actual_cost, c.target_segment, c.goal_leads, c.goal_mqls,
               c.goal_pipeline, c.goal_revenue, c.status, c.utm_campaign, c.created_at)


ROWS: dict[str, Callable[[Any, dict], Iterator[tuple]]] = {
    "leads": _leads, "accounts": _accounts, "opportunities": _opportunities, "touchpoints": _touchpoints,
    "campaigns": _campaigns,
}


def export_rows(*, kind: str, user: Any, filters: dict | None = None) -> Iterator[tuple]:
    """The header, then one tuple per record this user may see (user None: every record)."""
    if kind not in KINDS:
        raise ValueError(f"kind: must be one of {', '.join(KINDS)}")
    user = Operator() if user is None else user
    if not user.can(PERMISSION[kind]):
        raise PermissionDenied(f"you may not see {kind}")
    yield COLUMNS[kind]
    yield from ROWS[kind](user, filters or {})


def export_lines(*, kind: str, user: Any, filters: dict | None = None) -> Iterator[str]:
    """The export as CSV text, one line at a time (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = export_rows(kind=kind, user=user, filters=filters)
    writer.writerow(next(rows))
    for row in rows:
        writer.writerow([cell(v) for v in row])
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_filename(kind: str) -> str:
    return f"tandem-{kind}-{clock.now():%Y%m%d-%H%M%S}.csv"


def csv_response(*, kind: str, user: Any, filters: dict | None = None) -> StreamingHttpResponse:
    lines = export_lines(kind=kind, user=user, filters=filters)
    first = next(lines)  # the header: permission and filters are checked before the response starts
    response = StreamingHttpResponse(_chain(first, lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(kind)}"'
    return response


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest
