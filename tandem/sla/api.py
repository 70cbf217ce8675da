"""The SLA engine over HTTP: policies, calendars, timers, breaches, Marketing's commitments and compliance."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from tandem import clock
from tandem.people.access import require_permission
from tandem.people.models import User
from tandem.sla import selectors, services
from tandem.sla.commitments import commitment_progress, commitments_current, month_bounds
from tandem.sla.models import SlaPolicy, SlaTimer

router = Router(tags=["sla"])


class PolicyOut(Schema):
    key: str
    name: str
    stage: str
    stop: str
    stop_actions: list[str]
    duration_minutes: int
    warn_share: Decimal
    team: str
    reroute_on_breach: bool
    enabled: bool
    description: str
    version: int


class PolicyPatch(Schema):
    version: int = Field(..., description="The version you read; a stale version gets 409.")
    name: str | None = None
    duration_minutes: int | None = Field(None, ge=1)
    warn_share: Decimal | None = Field(None, gt=0, le=1)
    stop_actions: list[str] | None = None
    team: str | None = None
    reroute_on_breach: bool | None = None
    enabled: bool | None = None
    description: str | None = None


class CalendarOut(Schema):
    key: str
    name: str
    timezone: str
    hours: dict[str, list[str]]
    holidays: list[str]
    team: str
    user_id: int | None
    is_default: bool


class CalendarIn(Schema):
    name: str = Field(..., max_length=100)
    timezone: str = Field("Europe/Berlin", description="IANA zone")
    hours: dict[str, list[str]] = Field(..., description='{"mon": ["09:00-12:00", "13:00-17:30"], ...}')
    holidays: list[str] = []
    team: str = ""
    user_id: int | None = None
    is_default: bool = False


class TimerOut(Schema):
    id: int
    policy: str = Field(..., alias="policy.key")
    lead_id: int
    round: int
    stage: str
    team: str
    responsible_id: int | None
    started_at: datetime
    due_at: datetime
    warn_at: datetime | None
    stopped_at: datetime | None
    stop_kind: str
    warned_at: datetime | None
    breached_at: datetime | None


class TimerQuery(Schema):
    mine: bool = False
    lead_id: int | None = None
    open: bool = True
    limit: int = Field(100, ge=1, le=500)


class BreachOut(Schema):
    id: int
    kind: str
    lead_id: int | None
    policy: str | None = Field(None, alias="policy.key")
    commitment_id: int | None
    stage: str
    team: str
    user_id: int | None
    due_at: datetime
    detected_at: datetime
    rerouted_to_id: int | None
    detail: str


class CommitmentIn(Schema):
    name: str = ""
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; or give period_start/end")
    period_start: datetime | None = None
    period_end: datetime | None = None
    segment: str = ""
    target_mqls: int = Field(..., ge=0)
    min_acceptance_rate: Decimal = Field(Decimal("0.5"), ge=0, le=1)
    owner_id: int | None = None


class CommitmentOut(Schema):
    id: int
    name: str
    segment: str
    period_start: datetime
    period_end: datetime
    target_mqls: int
    min_acceptance_rate: Decimal
    owner_id: int | None
    delivered: int
    accepted: int
    rejected: int
    acceptance_rate: float | None
    projected: float
    status: str
    final_status: str
    reasons: list[str]


class StatsOut(Schema):
    timers: int
    met: int
    breached: int
    pending: int
    share_met: float | None
    median_response_hours: float | None
    p90_response_hours: float | None


class RowOut(Schema):
    key: str
    label: str
    stats: StatsOut


class ComplianceOut(Schema):
    start: datetime
    end: datetime
    as_of: datetime
    group_by: str | None
    speed_to_lead: StatsOut
    total: StatsOut
    rows: list[RowOut]


class ComplianceQuery(Schema):
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM (UTC); default: this month")
    start: datetime | None = None
    end: datetime | None = None
    group_by: Literal["team", "user", "stage", "policy"] | None = "team"
    team: str | None = None
    user_id: int | None = None
    stage: str | None = None
    policy: str | None = None


@router.get("/policies", response=list[PolicyOut], summary="Response SLAs per stage")
def policies(request: HttpRequest):
    require_permission(request.auth, "lead.view")
    return list(SlaPolicy.objects.order_by("order", "key"))


@router.patch("/policies/{key}", response=PolicyOut, summary="Change a policy (timers started from now on follow)")
def patch_policy(request: HttpRequest, key: str, payload: PolicyPatch):
    require_permission(request.auth, "sla.change")
    policy = get_object_or_404(SlaPolicy, key=key)
    changes = payload.dict(exclude={"version"}, exclude_unset=True)
    return services.sla_policy_update(policy=policy, by=request.auth, expected_version=payload.version, **changes)


@router.get("/calendars", response=list[CalendarOut], summary="Business calendars (default, per team, per rep)")
def calendars(request: HttpRequest):
    require_permission(request.auth, "lead.view")
    return list(selectors.calendars_all())


@router.put("/calendars/{key}", response=CalendarOut, summary="Create or replace a business calendar")
def put_calendar(request: HttpRequest, key: str, payload: CalendarIn):
    require_permission(request.auth, "sla.change")
    user = get_object_or_404(User, pk=payload.user_id) if payload.user_id else None
    return services.calendar_set(key=key, by=request.auth, user=user, **payload.dict(exclude={"user_id"}))


@router.get("/timers", response=list[TimerOut], summary="SLA timers: yours, or a lead's; open ones by default")
def timers(request: HttpRequest, filters: Query[TimerQuery]):
    require_permission(request.auth, "lead.view")
    rows = SlaTimer.objects.select_related("policy").order_by("due_at", "id")
    if filters.mine:
        rows = rows.filter(Q(responsible=request.auth) | Q(lead__owner=request.auth))
    if filters.lead_id is not None:
        from tandem.leads.selectors import lead_get_for_user

        rows = rows.filter(lead=lead_get_for_user(lead_id=filters.lead_id, user=request.auth))
    if filters.open:
        rows = rows.filter(stopped_at__isnull=True)
    return list(rows[:filters.limit])


@router.get("/breaches", response=list[BreachOut], summary="Breaches, newest first (timers and commitments)")
def breaches(request: HttpRequest, since: datetime | None = None):
    require_permission(request.auth, "lead.view")
    return list(selectors.breaches_recent(since=since))


def _commitment_out(progress) -> dict[str, Any]:
    c, p = progress.commitment, progress.projection
    return {**{k: getattr(c, k) for k in ("id", "name", "segment", "period_start", "period_end", "target_mqls",
                                         "min_acceptance_rate", "owner_id", "final_status")},
            "delivered": progress.delivered, "accepted": progress.accepted, "rejected": progress.rejected,
            "acceptance_rate": p.acceptance_rate, "projected": p.projected,
            "status": c.final_status or p.status, "reasons": list(p.reasons)}


@router.get("/commitments", response=list[CommitmentOut], summary="Marketing's commitments, tracked live")
def commitments(request: HttpRequest):
    require_permission(request.auth, "lead.view")
    return [_commitment_out(p) for p in commitments_current()]


@router.post("/commitments", response={201: CommitmentOut}, summary="Set a commitment: N MQLs in a period")
def create_commitment(request: HttpRequest, payload: CommitmentIn):
    require_permission(request.auth, "sla.commit")
    if payload.month:
        start, end = month_bounds(payload.month)
    elif payload.period_start and payload.period_end:
        start, end = payload.period_start, payload.period_end
    else:
        raise ValueError("month: give month (YYYY-MM) or both period_start and period_end")
    owner = get_object_or_404(User, pk=payload.owner_id) if payload.owner_id else None
    commitment = services.commitment_create(
        name=payload.name or f"{payload.target_mqls} MQLs {payload.month or start.date().isoformat()}"
        + (f" ({payload.segment})" if payload.segment else ""), period_start=start, period_end=end,
        target_mqls=payload.target_mqls, min_acceptance_rate=payload.min_acceptance_rate, segment=payload.segment,
        owner=owner, by=request.auth)
    return Status(201, _commitment_out(commitment_progress(commitment=commitment)))


def _stats(stats) -> dict[str, Any]:
    return {k: getattr(stats, k) for k in StatsOut.model_fields}


@router.get("/compliance", response=ComplianceOut,
            summary="Compliance per team, rep, stage or policy: share met, median/p90 response, breaches")
def compliance(request: HttpRequest, filters: Query[ComplianceQuery]):
    require_permission(request.auth, "lead.view")
    if filters.start and filters.end:
        start, end = filters.start, filters.end
    else:
        start, end = month_bounds(filters.month or clock.now().strftime("%Y-%m"))
    report = selectors.sla_compliance(start=start, end=end, group_by=filters.group_by, team=filters.team,
                                      user_id=filters.user_id, stage=filters.stage, policy=filters.policy)
    return {"start": report.start, "end": report.end, "as_of": report.as_of, "group_by": report.group_by,
            "speed_to_lead": _stats(report.speed_to_lead), "total": _stats(report.total),
            "rows": [{"key": r.key, "label": r.label, "stats": _stats(r.stats)} for r in report.rows]}
