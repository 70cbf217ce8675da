"""Leads over HTTP: CRUD with keyset pagination, stage actions, stage history, timeline and notes."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from tandem.intake.idempotency import idempotent, rendered, request_scope
from tandem.leads import selectors, services
from tandem.people.access import require_permission

router = Router(tags=["leads"])


class LeadIn(Schema):
    email: str = Field(..., max_length=254)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=50)
    title: str = Field("", max_length=150)
    account_id: int | None = None
    country: str = Field("", max_length=2)
    source: str = Field("", max_length=100)
    self_reported_source: str = Field("", max_length=300)
    origin: str = "mgl"
    consent_status: str = "unknown"
    lawful_basis: str = "unspecified"
    at: datetime | None = Field(None, description="When the lead arrived, if in the past (needs time travel).")


class LeadPatch(Schema):
    version: int = Field(..., description="The version you read; a stale version gets 409.")
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    account_id: int | None = None
    country: str | None = None
    source: str | None = None
    self_reported_source: str | None = None
    consent_status: str | None = None
    lawful_basis: str | None = None
    origin: str | None = None


class LeadOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    title: str
    account_id: int | None
    account_name: str | None = Field(None, alias="account.name")
    country: str
    source: str
    self_reported_source: str
    origin: str
    owner_id: int | None
    owner_username: str | None = Field(None, alias="owner.username")
    stage: str
    stage_entered_at: datetime
    score: int
    consent_status: str
    lawful_basis: str
    created_at: datetime
    updated_at: datetime
    version: int


class LeadPageOut(Schema):
    items: list[LeadOut]
    next_cursor: str | None


class LeadListQuery(Schema):
    stage: str | None = None
    owner_id: int | None = None
    account_id: int | None = None
    country: str | None = None
    source: str | None = None
    origin: str | None = None
    q: str | None = Field(None, description="Prefix of email, last name or account name.")
    mine: bool = False
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None


class MoveIn(Schema):
    to_stage: str
    version: int
    reason_code: str | None = None
    note: str = ""
    at: datetime | None = None


class ActionIn(Schema):
    version: int
    reason_code: str | None = None
    note: str = ""
    at: datetime | None = None


class StageEventOut(Schema):
    id: int
    lead_id: int
    from_stage: str
    to_stage: str
    action: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: int | None
    actor_kind: str
    actor_team: str
    reason_code: str
    note: str
    criteria: list[dict]
    taxonomy_version: int
    historical: bool


class NoteIn(Schema):
    body: str = Field(..., max_length=20000)


class NoteOut(Schema):
    id: int
    body: str
    author_id: int | None
    created_at: datetime


class TimelineOut(Schema):
    kind: str
    at: datetime
    summary: str


@router.get("", response=LeadPageOut, summary="List visible leads, newest first (keyset pagination)")
def list_leads(request: HttpRequest, filters: Query[LeadListQuery]):
    page = selectors.lead_list(
        user=request.auth, limit=filters.limit, cursor=filters.cursor,
        filters=selectors.LeadFilter(**filters.dict(exclude={"limit", "cursor"})),
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("", response={201: LeadOut}, summary="Create a lead (starts in the initial stage)")
def create_lead(request: HttpRequest, payload: LeadIn):
    require_permission(request.auth, "lead.create")
    data = services.LeadData(**payload.dict(exclude={"at"}))

    def run() -> HttpResponse:  # an Idempotency-Key header makes a retry replay the first response
        lead = services.lead_create(data=data, by=request.auth, at=payload.at)
        return rendered(request, LeadOut.from_orm(lead).model_dump(), status=201)

    return idempotent(request, scope=request_scope(request), run=run)


@router.get("/export.csv", response={200: None}, summary="Export the lead list as CSV (the list's filters)",
            openapi_extra={"responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}}})
def export_leads(request: HttpRequest, filters: Query[LeadListQuery]):
    from tandem.imports.exports import csv_response

    return csv_response(kind="leads", user=request.auth, filters=filters.dict(exclude={"limit", "cursor"}))


@router.get("/{lead_id}", response=LeadOut)
def get_lead(request: HttpRequest, lead_id: int):
    return selectors.lead_get_for_user(lead_id=lead_id, user=request.auth)


@router.patch("/{lead_id}", response=LeadOut, summary="Edit fields; send the version you read")
def patch_lead(request: HttpRequest, lead_id: int, payload: LeadPatch):
    require_permission(request.auth, "lead.update")
    lead = selectors.lead_get_for_user(lead_id=lead_id, user=request.auth)
    changes = payload.dict(exclude={"version"}, exclude_unset=True)
    return services.lead_update(lead=lead, changes=changes, by=request.auth, expected_version=payload.version)


@router.post("/{lead_id}/moves", response={201: StageEventOut}, summary="Move the lead to a stage")
def move_lead(request: HttpRequest, lead_id: int, payload: MoveIn):
    require_permission(request.auth, "lead.move")
    lead = selectors.lead_get_for_user(lead_id=lead_id, user=request.auth)
    return Status(201, services.lead_advance_stage(
        lead=lead, to_stage=payload.to_stage, by=request.auth, reason_code=payload.reason_code,
        note=payload.note, expected_version=payload.version, at=payload.at))


def _action_endpoint(action: str):
    def act(request: HttpRequest, lead_id: int, payload: ActionIn):
        require_permission(request.auth, "lead.move")
        lead = selectors.lead_get_for_user(lead_id=lead_id, user=request.auth)
        return Status(201, services.lead_act(
            lead=lead, action=action, by=request.auth, reason_code=payload.reason_code, note=payload.note,
            expected_version=payload.version, at=payload.at))

    act.__name__ = f"{action}_lead"
    needs = "" if action == "accept" else " (a reason code is required)"
    router.post(f"/{{lead_id}}/{action}", response={201: StageEventOut},
                summary=f"{action.capitalize()} the lead{needs}")(act)


for _action in ("accept", "reject", "recycle", "disqualify"):
    _action_endpoint(_action)


@router.get("/{lead_id}/stage-history", response=list[StageEventOut], summary="Every stage event, oldest first")
def stage_history(request: HttpRequest, lead_id: int):
    lead = selectors.lead_get_for_user(lead_id=lead_id, user=request.auth)
    return list(selectors.lead_stage_history(lead=lead))


@router.get("/{lead_id}/timeline", response=list[TimelineOut], summary="Stage events, owner changes and notes")
def timeline(request: HttpRequest, lead_id: int):
    lead = selectors.lead_get_for_user(lead_id=lead_id, user=request.auth)
    return [{"kind": e.kind, "at": e.at, "summary": _summary(e)} for e in selectors.lead_timeline(lead=lead)]


def _summary(entry: selectors.TimelineEntry) -> str:
    obj = entry.obj
    if entry.kind == "stage":
        return f"{obj.from_stage or 'new'} → {obj.to_stage} ({obj.action}{', ' + obj.reason_code if obj.reason_code else ''})"
    if entry.kind == "assignment":
        return f"owner → {obj.to_owner or 'nobody'} ({obj.rule})"
    if entry.kind == "touchpoint":
        return f"{obj.get_channel_display()}{' · ' + obj.campaign.name if obj.campaign else ''}"
    return obj.body


@router.post("/{lead_id}/notes", response={201: NoteOut})
def add_note(request: HttpRequest, lead_id: int, payload: NoteIn):
    require_permission(request.auth, "lead.update")
    lead = selectors.lead_get_for_user(lead_id=lead_id, user=request.auth)
    return Status(201, services.lead_note_add(lead=lead, body=payload.body, by=request.auth))
