"""Judging imported stage history against the taxonomy that was in force when it happened.

An imported move is checked with the same lifecycle rules as a live one (`lifecycle.check_move`):
the transition must exist in the taxonomy version in force at its instant, the team that made
it must be one that performs it, and the reason code must be one the transition allows. The
target's entry criteria are not re-checked: they describe the lead's facts at that instant,
which history does not carry. A move that breaks a rule is still imported, flagged historical,
with the broken rule recorded; it is never silently corrected.

`replay` merges new moves into a lead's known ledger in time order (occurred_at, then the
order given) and judges each against the stage the lead was in just before it. Invariants:
the judged events are in time order; each one's `from_stage` is the `to_stage` of the event
before it in the merged ledger ("" for the first); a move into the stage the lead is already
in, or repeating a known event (same stage, same instant), is returned as skipped, not judged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tandem.core import lifecycle
from tandem.core.lifecycle import Actor, CriterionResult
from tandem.core.taxonomy import Taxonomy

#: Who made a move when the source does not say: anyone may perform any allowed transition.
UNKNOWN_ACTOR = Actor(role="admin", team="management")


@dataclass(frozen=True)
class Move:
    """One move as the source tells it. `from_stage` None means the source does not say."""

    to_stage: str
    at: datetime
    from_stage: str | None = None
    reason_code: str = ""
    actor: Actor | None = None
    key: object = None  # the caller's reference (for example the CSV line and field)


@dataclass(frozen=True)
class Known:
    """An event already in the ledger."""

    to_stage: str
    at: datetime


@dataclass(frozen=True)
class Judged:
    move: Move
    from_stage: str
    action: str
    historical: bool
    checks: tuple[CriterionResult, ...]
    taxonomy_version: int

    @property
    def problems(self) -> str:
        return "; ".join(c.detail for c in self.checks if not c.passed)


@dataclass(frozen=True)
class Skipped:
    move: Move
    why: str


def judge_move(taxonomy: Taxonomy, number: int, *, from_stage: str, move: Move) -> Judged:
    """Check one move against taxonomy version `number`; a broken rule makes it historical."""
    rule = f"allowed by taxonomy v{number}"
    checks: list[CriterionResult] = []
    if move.from_stage is not None and move.from_stage != from_stage:
        checks.append(CriterionResult("source agrees with the ledger", False,
                                      f"the source says it came from {move.from_stage or 'nowhere'}, "
                                      f"the ledger has the lead in {from_stage or 'no stage'}"))
    action = "create" if not from_stage else "import"
    try:
        if not from_stage:
            if move.to_stage != taxonomy.initial_stage:
                raise lifecycle.InvalidTransition(f"a lead starts in {taxonomy.initial_stage}, not {move.to_stage}")
        else:
            verdict = _check(taxonomy, from_stage, move)
            action = verdict.action if verdict else taxonomy.transition(from_stage, move.to_stage).action
        checks.append(CriterionResult(rule, True, f"{from_stage or 'new'} → {move.to_stage} ({action})"))
    except (lifecycle.MoveRefused, KeyError) as exc:
        detail = str(exc).strip("'\"")
        checks.append(CriterionResult(rule, False, f"{detail} (taxonomy v{number})"))
        action = "create" if not from_stage else "import"
    historical = any(not c.passed for c in checks)
    return Judged(move=move, from_stage=from_stage, action=action, historical=historical, checks=tuple(checks),
                  taxonomy_version=number)


def _check(taxonomy: Taxonomy, from_stage: str, move: Move) -> lifecycle.Verdict | None:
    if not taxonomy.has_stage(from_stage):
        raise KeyError(f"stage {from_stage} is not in this taxonomy")
    try:
        return lifecycle.check_move(taxonomy, {}, from_stage=from_stage, to_stage=move.to_stage,
                                    actor=move.actor or UNKNOWN_ACTOR, reason_code=move.reason_code or None)
    except lifecycle.CriteriaNotMet:
        return None  # every rule but the entry criteria held; criteria are not re-checked for history


def replay(known: Sequence[Known], moves: Sequence[Move],
           taxonomy_at: Callable[[datetime], tuple[int, Taxonomy]], *,
           report_no_change: bool = True) -> tuple[list[Judged], list[Skipped]]:
    """Judge `moves` in time order against the ledger `known` merged with the moves before them."""
    seen = {(k.to_stage, k.at) for k in known}
    timeline: list[tuple[datetime, int, str]] = [(k.at, i, k.to_stage) for i, k in enumerate(known)]
    timeline.sort()
    order = sorted(range(len(moves)), key=lambda i: (moves[i].at, i))
    judged: list[Judged] = []
    skipped: list[Skipped] = []
    for sequence, i in enumerate(order, start=len(known)):
        move = moves[i]
        if (move.to_stage, move.at) in seen:
            skipped.append(Skipped(move, f"already in the ledger: {move.to_stage} at {move.at.isoformat()}"))
            continue
        before = [stage for at, _, stage in timeline if at <= move.at]
        from_stage = before[-1] if before else ""
        if from_stage == move.to_stage:
            if report_no_change:
                skipped.append(Skipped(move, f"the lead was already in {move.to_stage} at {move.at.isoformat()}"))
            continue
        number, taxonomy = taxonomy_at(move.at)
        judged.append(judge_move(taxonomy, number, from_stage=from_stage, move=move))
        seen.add((move.to_stage, move.at))
        timeline.append((move.at, sequence, move.to_stage))
        timeline.sort()
    return judged, skipped


def latest(known: Sequence[Known], judged: Sequence[Judged]) -> Known | None:
    """The lead's stage now: the last event by occurred_at (ties: the one recorded last)."""
    events = [(k.at, 0, i, k.to_stage) for i, k in enumerate(known)]
    events += [(j.move.at, 1, i, j.move.to_stage) for i, j in enumerate(judged)]
    if not events:
        return None
    at, _, _, stage = max(events)
    return Known(to_stage=stage, at=at)
