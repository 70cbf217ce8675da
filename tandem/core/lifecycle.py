"""The lifecycle rules: which moves are allowed, whether criteria are met, and why.

`check_move` is the single judge of a stage move. It never writes; it returns a Verdict
whose `criteria` explain every entry criterion of the target stage (passed or not), or
raises an exception that names the broken rule. The same function decides manual moves,
accept/reject actions and automatic advances by the system.

Entry criteria guard forward moves (advance, accept, reopen, win). Moves that send a lead
back or out (reject, recycle, disqualify, lose) are governed by their reason code instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tandem.core.roles import OVERRIDE_ROLES
from tandem.core.taxonomy import REASONED_ACTIONS, Criterion, Taxonomy, Transition


class MoveRefused(Exception):
    """Base of every refused move; `field` names the input at fault, if any."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        if field:
            self.field = field


class InvalidTransition(MoveRefused):
    field = "to_stage"


class NotPermitted(MoveRefused):
    pass


class ReasonRequired(MoveRefused):
    field = "reason_code"


class InvalidReason(MoveRefused):
    field = "reason_code"


class CriteriaNotMet(MoveRefused):
    field = "to_stage"

    def __init__(self, message: str, results: list[CriterionResult]):
        super().__init__(message)
        self.results = results


@dataclass(frozen=True)
class Actor:
    """Who is moving the lead: a user's role and team, or the system."""

    role: str
    team: str
    is_system: bool = False

    @classmethod
    def system(cls) -> Actor:
        return cls(role="system", team="system", is_system=True)


@dataclass(frozen=True)
class CriterionResult:
    criterion: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class Verdict:
    transition: Transition
    criteria: tuple[CriterionResult, ...]

    @property
    def action(self) -> str:
        return self.transition.action


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if op == "present":
        return not _blank(actual)
    if _blank(actual):
        return op in ("ne", "not_in")
    if op in ("in", "not_in"):
        members = {str(v).lower() for v in (expected or ())}
        return (str(actual).lower() in members) == (op == "in")
    if op == "contains":
        return str(expected).lower() in str(actual).lower()
    if op in ("eq", "ne"):
        equal = str(actual).lower() == str(expected).lower()
        return equal == (op == "eq")
    try:
        a, b = float(actual), float(expected)
    except (TypeError, ValueError):
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def evaluate(criterion: Criterion, facts: dict[str, Any], *, accepted_by: str | None) -> CriterionResult:
    """Evaluate one criterion against a lead's facts; the detail says what was seen."""
    if criterion.type == "required":
        missing = [f for f in criterion.fields if _blank(facts.get(f))]
        detail = "all present" if not missing else "missing " + ", ".join(missing)
        return CriterionResult(criterion.describe(), not missing, detail)
    if criterion.type == "acceptance":
        passed = accepted_by == criterion.team
        return CriterionResult(criterion.describe(), passed, f"accepted by {accepted_by or 'nobody'}")
    subject = "score" if criterion.type == "score" else criterion.field
    actual = facts.get(subject)
    passed = _compare(actual, criterion.op, criterion.value)
    return CriterionResult(criterion.describe(), passed, f"{subject} is {actual!r}")


def evaluate_all(criteria: tuple[Criterion, ...], facts: dict[str, Any], *,
                 accepted_by: str | None = None) -> list[CriterionResult]:
    return [evaluate(c, facts, accepted_by=accepted_by) for c in criteria]


def _check_actor(transition: Transition, actor: Actor, from_stage: str) -> None:
    if actor.is_system:
        if not transition.auto:
            raise NotPermitted(f"{from_stage} → {transition.to} is not an automatic transition")
        return
    if actor.role in OVERRIDE_ROLES:
        return
    if actor.team not in transition.teams:
        teams = ", ".join(transition.teams) or "no team"
        raise NotPermitted(
            f"only {teams} may {transition.action} {from_stage} → {transition.to}; you are in {actor.team}"
        )


def _check_reason(taxonomy: Taxonomy, transition: Transition, reason_code: str | None) -> None:
    if transition.action in REASONED_ACTIONS and not reason_code:
        allowed = ", ".join(transition.reasons)
        raise ReasonRequired(f"a reason code is required to {transition.action} (one of: {allowed})")
    if not reason_code:
        return
    if transition.reasons and reason_code not in transition.reasons:
        raise InvalidReason(f"{reason_code!r} is not a reason for {transition.action} → {transition.to}; "
                            f"use one of: {', '.join(transition.reasons)}")
    reason = taxonomy.reason(reason_code)
    if reason is None:
        raise InvalidReason(f"unknown reason code {reason_code!r}")
    if transition.procedural_only and not reason.procedural:
        raise InvalidReason(f"{reason_code!r} is not procedural; this {transition.action} accepts only "
                            "procedural reasons")


def check_move(taxonomy: Taxonomy, facts: dict[str, Any], *, from_stage: str, to_stage: str, actor: Actor,
               reason_code: str | None = None) -> Verdict:
    """Judge a move from `from_stage` to `to_stage`; return the Verdict or raise the broken rule."""
    if not taxonomy.has_stage(to_stage):
        raise InvalidTransition(f"unknown stage {to_stage!r}")
    transition = taxonomy.transition(from_stage, to_stage)
    if transition is None:
        allowed = ", ".join(t.to for t in taxonomy.stage(from_stage).next) or "none"
        raise InvalidTransition(f"{from_stage} → {to_stage} is not allowed; from {from_stage} a lead may go to: "
                                f"{allowed}")
    _check_actor(transition, actor, from_stage)
    _check_reason(taxonomy, transition, reason_code)
    if transition.action in REASONED_ACTIONS:
        # Sending a lead back or out is governed by its reason code, not by the target's entry criteria.
        return Verdict(transition=transition, criteria=())
    accepted_by = actor.team if transition.action == "accept" else None
    if accepted_by and actor.role in OVERRIDE_ROLES:
        accepted_by = taxonomy.stage(to_stage).owner_team
    results = evaluate_all(taxonomy.stage(to_stage).entry_criteria, facts, accepted_by=accepted_by)
    failed = [r for r in results if not r.passed]
    if failed:
        summary = "; ".join(f"{r.criterion} ({r.detail})" for r in failed)
        raise CriteriaNotMet(f"entry criteria for {to_stage} not met: {summary}", results)
    return Verdict(transition=transition, criteria=tuple(results))


def transition_for_action(taxonomy: Taxonomy, from_stage: str, action: str) -> Transition:
    """The one transition out of `from_stage` that performs `action` (accept, reject, …)."""
    matches = [t for t in taxonomy.stage(from_stage).next if t.action == action]
    if not matches:
        raise InvalidTransition(f"a lead in {from_stage} cannot be {action}ed here", field="action")
    return matches[0]


def next_automatic(taxonomy: Taxonomy, facts: dict[str, Any], from_stage: str) -> Verdict | None:
    """The first automatic transition whose target's criteria all hold, or None."""
    for transition in taxonomy.stage(from_stage).next:
        if not transition.auto:
            continue
        results = evaluate_all(taxonomy.stage(transition.to).entry_criteria, facts)
        if results and all(r.passed for r in results):
            return Verdict(transition=transition, criteria=tuple(results))
    return None
