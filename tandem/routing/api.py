"""Routing over HTTP: policies per stage, queues with their members, and why a lead went where it went."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from tandem.core.routing import RoutingRulesInvalid
from tandem.leads.selectors import lead_get_for_user
from tandem.people.access import require_permission
from tandem.routing import selectors, services
from tandem.routing.models import Queue

router = Router(tags=["routing"])


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    problems: list[str] = []


class PolicyOut(Schema):
    stage: str
    team: str
    rules: list[dict[str, Any]]
    enabled: bool
    version: int
    updated_at: datetime


class PolicyIn(Schema):
    team: str
    rules: list[dict[str, Any]] = Field(..., description="Ordered rules: account_owner, territory, default")
    enabled: bool = True


class MemberOut(Schema):
    user_id: int
    username: str = Field(..., alias="user.username")
    weight: Decimal
    capacity: int | None
    active: bool
    out_of_office: bool = Field(..., alias="user.out_of_office")


class MemberIn(Schema):
    user_id: int
    weight: Decimal = Field(Decimal("1"), ge=0)
    capacity: int | None = Field(None, ge=0)
    active: bool = True


class MembersIn(Schema):
    members: list[MemberIn]


class QueueOut(Schema):
    key: str
    name: str
    team: str
    description: str
    members: list[MemberOut]
    counts: dict[str, int]


class QueueIn(Schema):
    key: str = Field(..., pattern=r"^[a-z0-9_-]{1,40}$")
    name: str = Field(..., max_length=100)
    team: str
    description: str = ""


class DecisionOut(Schema):
    id: int
    stage: str
    cause: str
    rule_id: str
    kind: str
    queue: str | None
    owner_id: int | None
    explanation: dict[str, Any]
    decided_at: datetime


@router.get("/policies", response=list[PolicyOut], summary="Routing rules per stage")
def policies(request: HttpRequest):
    require_permission(request.auth, "lead.view")
    return list(selectors.policies_all())


@router.put("/policies/{stage}", response={200: PolicyOut, 422: ErrorOut},
            summary="Replace the routing rules for leads entering a stage")
def set_policy(request: HttpRequest, stage: str, payload: PolicyIn):
    require_permission(request.auth, "routing.change")
    selectors.check_stage_and_team(stage, payload.team)
    try:
        return services.routing_policy_set(stage=stage, team=payload.team, rules=payload.rules,
                                           enabled=payload.enabled, by=request.auth)
    except RoutingRulesInvalid as exc:
        return Status(422, {"detail": str(exc), "field": "rules", "problems": exc.problems})


@router.get("/queues", response=list[QueueOut], summary="Queues with members, weights, capacity and rotation counts")
def queues(request: HttpRequest):
    require_permission(request.auth, "lead.view")
    return selectors.queues_with_members()


@router.post("/queues", response={201: QueueOut}, summary="Create a queue")
def create_queue(request: HttpRequest, payload: QueueIn):
    require_permission(request.auth, "routing.change")
    selectors.check_stage_and_team(None, payload.team)
    if Queue.objects.filter(key=payload.key).exists():
        raise ValueError(f"key: a queue {payload.key!r} exists already")
    queue = services.queue_create(**payload.dict(), by=request.auth)
    return Status(201, selectors.queue_out(queue))


@router.put("/queues/{key}/members", response=QueueOut, summary="Replace a queue's members, weights and capacities")
def set_members(request: HttpRequest, key: str, payload: MembersIn):
    require_permission(request.auth, "routing.change")
    queue = get_object_or_404(Queue, key=key)
    services.queue_members_set(queue=queue, members=[m.dict() for m in payload.members], by=request.auth)
    return selectors.queue_out(queue)


@router.get("/leads/{lead_id}", response=list[DecisionOut], summary="Every routing decision on a lead, newest first")
def lead_decisions(request: HttpRequest, lead_id: int):
    lead = lead_get_for_user(lead_id=lead_id, user=request.auth)
    return [{**{k: getattr(d, k) for k in ("id", "stage", "cause", "rule_id", "kind", "owner_id", "explanation",
                                          "decided_at")}, "queue": d.queue.key if d.queue else None}
            for d in selectors.lead_decisions(lead=lead)]
