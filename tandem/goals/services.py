"""Writes to shared goals: set, change, agree, snapshot, and set Marketing's MQL commitment from a plan.

Each write is atomic and audited. Concurrent edits are guarded by the goal's version (a conditional
UPDATE; StaleVersion otherwise) and one goal per period and segment by a unique constraint.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from tandem import clock
from tandem.audit.services import audit_record, field_changes
from tandem.core.conversion import PROGRESSION
from tandem.core.periods import parse_period
from tandem.goals.models import Goal, GoalSnapshot
from tandem.goals.selectors import goal_plan
from tandem.leads.errors import LeadError, LeadInvalid, StaleVersion

EDITABLE = ("name", "period", "segment", "currency", "target", "marketing_owner_id", "sales_owner_id",
            "lookback_days", "stages", "note")
#: Changing one of these clears both sides' agreement: they agreed to something else.
AGREED_TERMS = ("period", "segment", "currency", "target", "stages")


class GoalConflict(LeadError):
    status = 409
    field = "period"


class NotAvailable(LeadError):
    """Another app's part is not installed on this instance yet."""

    status = 501


def _period(label: str) -> tuple[str, datetime, datetime]:
    try:
        period = parse_period(label)
    except ValueError as exc:
        raise LeadInvalid(str(exc), field="period") from None
    if period.kind not in ("month", "quarter", "year"):
        raise LeadInvalid("a goal is set for a UTC month, quarter or year (2026-03, 2026-Q1, 2026)", field="period")
    return period.label, period.start, period.end


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    from tandem.people.models import User

    clean = dict(values)
    if "target" in clean:
        try:
            clean["target"] = Decimal(str(clean["target"]))
        except InvalidOperation:
            raise LeadInvalid("not an amount", field="target") from None
        if clean["target"] <= 0:
            raise LeadInvalid("the target must be above 0", field="target")
    if "currency" in clean:
        clean["currency"] = str(clean["currency"]).upper()
        if len(clean["currency"]) != 3 or not clean["currency"].isalpha():
            raise LeadInvalid("a three-letter currency code, e.g. EUR", field="currency")
    for side, team in (("marketing_owner_id", "marketing"), ("sales_owner_id", "sales")):
        owner = clean.get(side)
        if owner is not None and not User.objects.filter(pk=owner, team=team, is_active=True).exists():
            raise LeadInvalid(f"the {team} owner must be an active member of the {team} team", field=side)
    if "lookback_days" in clean and not 7 <= int(clean["lookback_days"]) <= 1095:
        raise LeadInvalid("between 7 and 1095 days", field="lookback_days")
    if "stages" in clean:
        stages = list(clean["stages"] or [])
        if stages and (len(stages) < 2 or stages[-1] != "won" or any(s not in PROGRESSION for s in stages)
                       or [PROGRESSION.index(s) for s in stages] != sorted(PROGRESSION.index(s) for s in stages)):
            raise LeadInvalid("stages go down the waterfall in order and end at won", field="stages")
        clean["stages"] = stages
    if "period" in clean:
        clean["period"], clean["period_start"], clean["period_end"] = _period(clean["period"])
    return clean


@transaction.atomic
def goal_create(*, by: Any, name: str, period: str, target: Any, segment: str = "", currency: str = "EUR",
                marketing_owner_id: int | None = None, sales_owner_id: int | None = None, lookback_days: int = 180,
                stages: list[str] | None = None, note: str = "") -> Goal:
    if by is not None and not by.can("goal.change"):
        raise PermissionDenied("your role may not set goals")
    values = _clean({"name": name.strip() or f"Revenue {period}", "period": period, "target": target,
                     "segment": segment, "currency": currency, "marketing_owner_id": marketing_owner_id,
                     "sales_owner_id": sales_owner_id, "lookback_days": lookback_days, "stages": stages or [],
                     "note": note})
    try:
        with transaction.atomic():
            goal = Goal.objects.create(**values, created_by=by if getattr(by, "pk", None) else None)
    except IntegrityError:
        raise GoalConflict(f"a goal for {values['period']} {segment or 'all segments'} already exists") from None
    audit_record(actor=by, action="goal.create", obj=goal, changes={k: [None, v] for k, v in values.items()
                                                                   if v not in ("", None, [])})
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, by: Any, expected_version: int, **changes: Any) -> Goal:
    if by is not None and not by.can("goal.change"):
        raise PermissionDenied("your role may not change goals")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise LeadInvalid(f"cannot be changed: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    values = _clean(changes)
    before = {k: getattr(goal, k) for k in values}
    diff = field_changes(before, values)
    if any(term in diff for term in AGREED_TERMS):
        values.update(marketing_agreed_at=None, sales_agreed_at=None)
    try:
        with transaction.atomic():
            updated = Goal.objects.filter(pk=goal.pk, version=expected_version).update(
                **values, version=F("version") + 1, updated_at=clock.now())
    except IntegrityError:
        raise GoalConflict(f"a goal for {values.get('period', goal.period)} already exists for that segment") \
            from None
    if not updated:
        raise StaleVersion(f"the goal changed since version {expected_version}; reload it and try again")
    audit_record(actor=by, action="goal.update", obj=goal, changes=diff)
    goal.refresh_from_db()
    return goal


@transaction.atomic
def goal_agree(*, goal: Goal, by: Any, side: str) -> Goal:
    """Record one side's agreement. Only that side's owner may agree, or a manager or admin for either side."""
    if side not in ("marketing", "sales"):
        raise LeadInvalid("marketing or sales", field="side")
    if by is None or not by.can("goal.agree"):
        raise PermissionDenied("your role may not agree goals")
    owner_id = goal.marketing_owner_id if side == "marketing" else goal.sales_owner_id
    if by.role not in ("manager", "admin") and by.pk != owner_id:
        raise PermissionDenied(f"only the goal's {side} owner (or a manager) may agree for {side}")
    field = f"{side}_agreed_at"
    now = clock.now()
    Goal.objects.filter(pk=goal.pk).update(**{field: now}, updated_at=now)
    audit_record(actor=by, action="goal.agree", obj=goal, changes={field: [None, now.isoformat()]})
    goal.refresh_from_db()
    return goal


def goal_snapshot_take(*, goal: Goal, as_of: datetime | None = None) -> GoalSnapshot:
    """Record plan versus actual for the goal as of today (UTC); the day's snapshot is replaced if taken again."""
    at = as_of or clock.now()
    plan = goal_plan(goal=goal, as_of=at)
    steps = [{"stage": s.stage, "needed": s.needed, "achieved": s.achieved, "recent": s.recent,
              "deadline": s.deadline.isoformat(), "rate_to_next": s.rate_to_next, "days_to_next": s.days_to_next,
              "sentence": s.sentence} for s in plan.steps]
    with transaction.atomic():
        snapshot, _ = GoalSnapshot.objects.update_or_create(
            goal=goal, taken_on=at.astimezone(UTC).date(),
            defaults={"taken_at": at, "target": goal.target, "won_amount": plan.won_amount,
                      "average_deal": plan.average_deal, "steps": steps, "problem": plan.problem[:300]})
    return snapshot


def sla_commitment_service():
    """tandem.sla's `commitment_create`, when that app provides it."""
    if importlib.util.find_spec("tandem.sla.commitments") is None:
        return None
    from tandem.sla import commitments

    return getattr(commitments, "commitment_create", None)


@transaction.atomic
def goal_commit_mqls(*, goal: Goal, by: Any, min_acceptance_rate: Any = "0.5") -> Any:
    """Set Marketing's MQL commitment for the goal's period to what the plan needs (one click)."""
    if by is None or not by.can("sla.commit"):
        raise PermissionDenied("your role may not set Marketing's commitments")
    create = sla_commitment_service()
    if create is None:
        raise NotAvailable("Marketing's commitments are not available yet: the SLA app does not provide them")
    plan = goal_plan(goal=goal)
    if plan.problem or not any(s.stage == "mql" for s in plan.steps):
        raise LeadInvalid(plan.problem or "the plan has no MQL stage", field="stages")
    needed = plan.step("mql").needed
    commitment = create(name=f"{goal.name}: {needed} MQLs", period_start=goal.period_start,
                        period_end=goal.period_end, target_mqls=needed, min_acceptance_rate=min_acceptance_rate,
                        segment=goal.segment, owner=goal.marketing_owner, by=by)
    Goal.objects.filter(pk=goal.pk).update(commitment_id=commitment.pk, updated_at=clock.now())
    audit_record(actor=by, action="goal.commit_mqls", obj=goal, changes={"commitment": [goal.commitment_id,
                                                                                        commitment.pk],
                                                                        "target_mqls": [None, needed]})
    goal.refresh_from_db()
    return commitment
