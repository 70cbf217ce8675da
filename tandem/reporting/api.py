"""Reports over HTTP: every figure of the dashboard, the records behind each, the rollups' state and the packs.

`GET /reports/{name}` returns exactly what `tandem report NAME --json` prints (or `--csv` with
`format=csv`): both call tandem.reporting.selectors.report_data and the one serializer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from tandem.core.definitions import METRICS
from tandem.people.access import require_permission
from tandem.reporting import records, selectors, services
from tandem.reporting.choices import PackKind
from tandem.reporting.filters import report_filter
from tandem.reporting.models import PackDelivery, ReportSchedule
from tandem.reporting.rollups import fill_state
from tandem.reporting.serialize import as_csv, as_json

router = Router(tags=["reports"])


class ReportQuery(Schema):
    from_: str | None = Field(None, alias="from", description="First UTC day, YYYY-MM-DD (inclusive).")
    to: str | None = Field(None, description="Last UTC day, YYYY-MM-DD (inclusive).")
    period: str | None = Field(None, description="Or a period: 2026-03, 2026-Q1, 2026-W10, 2026-03-05, 2026.")
    segment: str | None = None
    source: str | None = None
    channel: str | None = Field(None, description="The channel of the lead's first touch.")
    campaign: int | None = Field(None, description="The campaign of the lead's first touch (id).")
    origin: str | None = None
    owner: str | None = Field(None, description="The lead's current owner: user id or username.")
    team: str | None = Field(None, description="Leads owned by members of this team.")
    country: str | None = None
    format: Literal["json", "csv"] = "json"


class ReportOptions(ReportQuery):
    currency: str | None = Field(None, description="velocity, coverage, sourcing, economics: one currency.")
    quota: Decimal | None = Field(None, description="coverage: the quota (default: the goal for the period).")
    lookback_days: int | None = Field(None, ge=1, le=3650, description="coverage: look-back of the win rate.")
    model: str | None = Field(None, description="attribution: the model.")


def _filter(q: ReportQuery):
    return report_filter(start=q.from_, end=q.to, period=q.period, segment=q.segment, source=q.source,
                         channel=q.channel, campaign=q.campaign, origin=q.origin, owner=q.owner, team=q.team,
                         country=q.country)


def _text(data: dict, fmt: str) -> HttpResponse:
    if fmt == "csv":
        return HttpResponse(as_csv(data), content_type="text/csv; charset=utf-8")
    return HttpResponse(as_json(data), content_type="application/json")


def _report_endpoint(name: str, accepted: tuple[str, ...]):
    def report(request: HttpRequest, q: Query[ReportOptions]):
        require_permission(request.auth, "report.view")
        options = {k: getattr(q, k) for k in ("currency", "quota", "lookback_days", "model")
                   if getattr(q, k) is not None}
        return _text(selectors.report_data(name, _filter(q), **options), q.format)

    report.__name__ = f"report_{name.replace('-', '_')}"
    router.get(f"/{name}", summary=f"The {name} report (JSON, or CSV with format=csv)",
               description=f"Options: {', '.join(accepted) or 'none'}. Same bytes as `tandem report {name}`.")(report)


for _name, (_function, _cached, _accepted) in selectors.REPORTS.items():
    _report_endpoint(_name, _accepted)


class RecordsQuery(ReportQuery):
    metric: str = Field(..., description=f"One of: {', '.join(records.METRICS)}.")
    stage: str | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    cohort: str | None = None
    reached: str | None = Field(None, description="cohort_conversion: all, yes or no.")
    edge: str | None = Field(None, description="stage_stock: opening or closing.")
    outcome: str | None = None
    reason: str | None = None
    by: str | None = None
    group: str | None = None
    offset: int = Field(0, ge=0)
    limit: int = Field(100, ge=1, le=500)


class RecordOut(Schema):
    id: int
    at: datetime | None
    figure: float | None
    note: str
    title: str
    account: str
    stage: str
    owner: str
    visible: bool


class RecordsOut(Schema):
    metric: str
    kind: str
    label: str
    count: int
    offset: int
    items: list[RecordOut]


@router.get("/records", response=RecordsOut, summary="The records behind a figure (leads or opportunities)")
def report_records(request: HttpRequest, q: Query[RecordsQuery]):
    require_permission(request.auth, "report.view")
    selectors.rollups_fresh()
    options = {k: getattr(q, k) for k in ("stage", "from_stage", "to_stage", "cohort", "reached", "edge", "outcome",
                                          "reason", "by", "group") if getattr(q, k)}
    found = records.records_find(metric=q.metric, f=_filter(q), options=options)
    rows = records.records_page(records=found, user=request.auth, offset=q.offset, limit=q.limit)
    return {"metric": found.metric, "kind": found.kind, "label": found.label, "count": found.count,
            "offset": q.offset, "items": [{**r.__dict__, "figure": None if r.figure is None else float(r.figure)}
                                          for r in rows]}


class DefinitionOut(Schema):
    key: str
    name: str
    formula: str
    counted: str
    notes: str
    unit: str
    rollup_exact: bool


@router.get("/definitions", response=list[DefinitionOut], summary="Every metric's definition")
def definitions(request: HttpRequest):
    require_permission(request.auth, "report.view")
    return [m.__dict__ for m in METRICS]


class FillOut(Schema):
    status: str
    generation: int
    built: bool
    runs: int
    event_id: int
    started_at: datetime | None
    finished_at: datetime | None
    last_seconds: float | None
    pending_days: int
    message: str


@router.get("/rollups", response=FillOut, summary="The rollups' fill state")
def rollups(request: HttpRequest):
    require_permission(request.auth, "report.view")
    fill = fill_state()
    return {**{k: getattr(fill, k) for k in ("status", "generation", "built", "runs", "event_id", "started_at",
                                             "finished_at", "last_seconds", "message")},
            "pending_days": len((fill.plan or {}).get("days", []))}


class RunOut(Schema):
    kind: str
    days: int
    leads: int
    rows: int
    seconds: float
    generation: int
    message: str


@router.post("/rollups/update", response=RunOut, summary="Bring the rollups up to date now (or resume)")
def rollups_update(request: HttpRequest):
    require_permission(request.auth, "report.configure")
    return services.rollup_update().__dict__


@router.post("/rollups/rebuild", response=RunOut, summary="Rebuild every rollup row into a new generation")
def rollups_rebuild(request: HttpRequest):
    require_permission(request.auth, "report.configure")
    return services.rollup_rebuild(by=request.auth).__dict__


@router.post("/rollups/undo", response=RunOut, summary="Undo an interrupted or failed run")
def rollups_undo(request: HttpRequest):
    require_permission(request.auth, "report.configure")
    return services.rollup_undo().__dict__


class ScheduleOut(Schema):
    kind: str
    enabled: bool
    weekday: int
    day_of_month: int
    hour_utc: int
    teams: list[str]
    extra_recipients: str
    segment: str


class SchedulePatch(Schema):
    enabled: bool | None = None
    weekday: int | None = Field(None, ge=0, le=6, description="0 = Monday")
    day_of_month: int | None = Field(None, ge=1, le=28)
    hour_utc: int | None = Field(None, ge=0, le=23)
    teams: list[str] | None = None
    extra_recipients: str | None = None
    segment: str | None = None


@router.get("/schedules", response=list[ScheduleOut], summary="When each pack goes out, and to whom")
def schedules(request: HttpRequest):
    require_permission(request.auth, "report.view")
    return list(ReportSchedule.objects.order_by("kind"))


@router.patch("/schedules/{kind}", response=ScheduleOut, summary="Set a pack's schedule (admin)")
def schedule_patch(request: HttpRequest, kind: PackKind, payload: SchedulePatch):
    require_permission(request.auth, "report.configure")
    return services.schedule_update(kind=kind, by=request.auth, **payload.dict(exclude_unset=True))


class PackOut(Schema):
    id: int
    kind: str
    period: str
    segment: str
    recipients: list[str]
    status: str
    error: str
    created_at: datetime
    sent_at: datetime | None
    files: list[str]


class PackIn(Schema):
    period: str = Field(..., description="The period it covers: 2026-W10, 2026-03, 2026-Q1.")
    segment: str = ""
    resend: bool = False


def _pack(d: PackDelivery) -> dict:
    return {**{k: getattr(d, k) for k in ("id", "kind", "period", "segment", "recipients", "status", "error",
                                          "created_at", "sent_at")}, "files": sorted(d.csv)}


@router.get("/packs", response=list[PackOut], summary="Packs generated, newest first")
def packs(request: HttpRequest):
    require_permission(request.auth, "report.view")
    return [_pack(d) for d in PackDelivery.objects.order_by("-created_at", "-id")[:100]]


@router.post("/packs/{kind}", response={201: PackOut}, summary="Build and send a pack now (admin)")
def pack_send(request: HttpRequest, kind: PackKind, payload: PackIn):
    require_permission(request.auth, "report.configure")
    delivery = services.pack_send_now(kind=kind, period=payload.period, segment=payload.segment,
                                      resend=payload.resend, by=request.auth)
    return Status(201, _pack(delivery))


@router.get("/packs/{pack_id}/html", summary="A pack's HTML")
def pack_html(request: HttpRequest, pack_id: int):
    require_permission(request.auth, "report.view")
    return HttpResponse(PackDelivery.objects.get(pk=pack_id).html, content_type="text/html; charset=utf-8")

