"""Touchpoints over HTTP: a batch of thousands, checked item by item; a lead's touches, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from tandem.intake.idempotency import idempotent, rendered, request_scope
from tandem.people.access import require_permission
from tandem.touchpoints import selectors, services

router = Router(tags=["touchpoints"])


class BatchIn(Schema):
    items: list[Any] = Field(..., max_length=services.MAX_BATCH, description=(
        f"Up to {services.MAX_BATCH} touchpoints, each shaped like TouchpointItem: lead_id or lead_email, channel, "
        "and optionally occurred_at, campaign_id, utm_*, click_ids, content_item, external_id, properties, "
        "actor_id, opportunity_id."))


class ItemProblemOut(Schema):
    index: int
    field: str | None
    message: str


class BatchOut(Schema):
    batch_id: int
    received: int
    created: int
    ids: list[int | None] = Field(..., description="The touchpoint stored for each item, in order; null if not")
    errors: list[ItemProblemOut] = Field(..., description="Items refused, by index and field")
    skipped: list[ItemProblemOut] = Field(..., description="Items already recorded (same external_id)")


class TouchpointOut(Schema):
    id: int
    lead_id: int
    account_id: int | None
    opportunity_id: int | None
    channel: str
    campaign_id: int | None
    campaign_name: str | None = Field(None, alias="campaign.name")
    content_item: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    click_ids: dict
    occurred_at: datetime
    recorded_at: datetime
    actor_id: int | None
    source: str
    external_id: str
    properties: dict
    original_lead_id: int | None


class TouchpointPageOut(Schema):
    items: list[TouchpointOut]
    next_cursor: str | None


class TouchpointQuery(Schema):
    lead_id: int | None = Field(None, description="Only this lead's touchpoints (404 if you may not see it)")
    channel: str | None = None
    campaign_id: int | None = None
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None


@router.post("/batch", response={200: BatchOut},
             summary="Record a batch of touchpoints: valid items are stored, bad ones reported by index and field")
def record_batch(request: HttpRequest, payload: BatchIn):
    require_permission(request.auth, "touchpoint.create")
    token = getattr(request, "api_token", None)

    def run() -> HttpResponse:
        report = services.touchpoint_batch_ingest(items=payload.items, by=request.auth,
                                                  token_prefix=token.prefix if token else "")
        batch = report.batch
        return rendered(request, {"batch_id": batch.pk, "received": batch.received, "created": batch.created,
                             "ids": report.ids, "errors": [p.as_dict() for p in report.errors],
                             "skipped": [p.as_dict() for p in report.skipped]}, status=200)

    return idempotent(request, scope=request_scope(request), run=run)


@router.get("", response=TouchpointPageOut, summary="Touchpoints of the leads you may see, newest first (keyset)")
def list_touchpoints(request: HttpRequest, filters: Query[TouchpointQuery]):
    page = selectors.touchpoint_list(user=request.auth, **filters.dict())
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/export.csv", response={200: None}, summary="Export the touchpoints of the leads you may see as CSV",
            openapi_extra={"responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}}})
def export_touchpoints(request: HttpRequest, filters: Query[TouchpointQuery]):
    from tandem.imports.exports import csv_response

    return csv_response(kind="touchpoints", user=request.auth, filters=filters.dict(exclude={"limit", "cursor"}))
