"""Shared goals over HTTP: set and change them, agree, the plan with progress, history, the MQL commitment."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from tandem.goals import selectors, services
from tandem.people.access import require_permission

router = Router(tags=["goals"])


class GoalIn(Schema):
    name: str = Field("", max_length=150)
    period: str = Field(..., description="A UTC month, quarter or year: 2026-03, 2026-Q1, 2026.")
    target: Decimal = Field(..., gt=0)
    segment: str = ""
    currency: str = "EUR"
    marketing_owner_id: int | None = None
    sales_owner_id: int | None = None
    lookback_days: int = Field(180, ge=7, le=1095)
    stages: list[str] = Field(default_factory=list, description="Plan stages top to bottom, ending at won.")
    note: str = ""


class GoalPatch(Schema):
    version: int = Field(..., description="The version you read; a stale version gets 409.")
    name: str | None = None
    period: str | None = None
    target: Decimal | None = Field(None, gt=0)
    segment: str | None = None
    currency: str | None = None
    marketing_owner_id: int | None = None
    sales_owner_id: int | None = None
    lookback_days: int | None = Field(None, ge=7, le=1095)
    stages: list[str] | None = None
    note: str | None = None


class GoalOut(Schema):
    id: int
    name: str
    period: str
    period_start: datetime
    period_end: datetime
    segment: str
    currency: str
    target: Decimal
    marketing_owner_id: int | None
    sales_owner_id: int | None
    marketing_agreed_at: datetime | None
    sales_agreed_at: datetime | None
    agreed: bool
    lookback_days: int
    stages: list[str] = Field(..., alias="plan_stages")
    commitment_id: int | None
    note: str
    version: int


class AgreeIn(Schema):
    side: str = Field(..., description="marketing or sales")


class StepOut(Schema):
    stage: str
    needed: int
    achieved: int
    recent: int
    deadline: datetime
    by_day: date
    rate_to_next: float | None
    days_to_next: float | None
    remaining: int
    projected_share: float | None
    sentence: str


class PlanOut(Schema):
    goal_id: int
    as_of: datetime
    lookback: str
    currency: str
    target: Decimal
    won_amount: Decimal
    won_deals: int
    average_deal: Decimal | None
    required_coverage: float | None
    pipeline_needed: Decimal | None
    problem: str
    steps: list[StepOut]


class SnapshotOut(Schema):
    taken_on: date
    taken_at: datetime
    target: Decimal
    won_amount: Decimal
    average_deal: Decimal | None
    steps: list[dict]
    problem: str


class CommitmentOut(Schema):
    id: int
    name: str
    target_mqls: int
    period_start: datetime
    period_end: datetime
    segment: str


@router.get("", response=list[GoalOut], summary="Every shared goal, latest period first")
def list_goals(request: HttpRequest):
    require_permission(request.auth, "report.view")
    return list(selectors.goal_list())


@router.post("", response={201: GoalOut}, summary="Set a revenue goal for a period (and segment)")
def create_goal(request: HttpRequest, payload: GoalIn):
    require_permission(request.auth, "goal.change")
    return Status(201, services.goal_create(by=request.auth, **payload.dict()))


@router.get("/{goal_id}", response=GoalOut)
def get_goal(request: HttpRequest, goal_id: int):
    require_permission(request.auth, "report.view")
    return selectors.goal_get(goal_id=goal_id)


@router.patch("/{goal_id}", response=GoalOut, summary="Change a goal; send the version you read")
def patch_goal(request: HttpRequest, goal_id: int, payload: GoalPatch):
    require_permission(request.auth, "goal.change")
    goal = selectors.goal_get(goal_id=goal_id)
    changes = payload.dict(exclude={"version"}, exclude_unset=True)
    return services.goal_update(goal=goal, by=request.auth, expected_version=payload.version, **changes)


@router.post("/{goal_id}/agree", response=GoalOut, summary="Agree the goal for one side (its owner, or a manager)")
def agree_goal(request: HttpRequest, goal_id: int, payload: AgreeIn):
    require_permission(request.auth, "goal.agree")
    return services.goal_agree(goal=selectors.goal_get(goal_id=goal_id), by=request.auth, side=payload.side)


@router.get("/{goal_id}/plan", response=PlanOut, summary="The reverse waterfall with live progress and the gap")
def goal_plan(request: HttpRequest, goal_id: int):
    require_permission(request.auth, "report.view")
    plan = selectors.goal_plan(goal=selectors.goal_get(goal_id=goal_id))
    return {**{k: getattr(plan, k) for k in ("as_of", "currency", "target", "won_amount", "won_deals",
                                             "average_deal", "required_coverage", "pipeline_needed", "problem")},
            "goal_id": goal_id, "lookback": plan.lookback.label, "steps": [s.__dict__ for s in plan.steps]}


@router.get("/{goal_id}/history", response=list[SnapshotOut], summary="Plan versus actual, one snapshot a day")
def goal_history(request: HttpRequest, goal_id: int):
    require_permission(request.auth, "report.view")
    return list(selectors.goal_history(goal=selectors.goal_get(goal_id=goal_id)))


@router.post("/{goal_id}/commit-mqls", response={201: CommitmentOut},
             summary="Set Marketing's MQL commitment for the period from this plan")
def commit_mqls(request: HttpRequest, goal_id: int):
    require_permission(request.auth, "sla.commit")
    commitment = services.goal_commit_mqls(goal=selectors.goal_get(goal_id=goal_id), by=request.auth)
    return Status(201, commitment)
