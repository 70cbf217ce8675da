"""The lead taxonomy as data: stages, transitions between them, criteria and reason codes.

A taxonomy document (the YAML/JSON of "definitions as code") parses into frozen
dataclasses. Parsing validates the whole document and names the path of every problem
(`stages[3].next[0].to: unknown stage 'sqll'`). Invariants of a parsed taxonomy:
stage keys are unique; every transition targets a known stage; every reason code a
transition names exists; reject, recycle, disqualify and lose transitions name at least
one reason code.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from tandem.core.roles import TEAMS

STAGE_KINDS = ("active", "detour", "terminal")
ACTIONS = ("advance", "accept", "reject", "recycle", "disqualify", "win", "lose", "reopen")
#: Actions that must carry a reason code.
REASONED_ACTIONS = frozenset({"reject", "recycle", "disqualify", "lose"})
CRITERION_TYPES = ("required", "field", "score", "acceptance")
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "present")


class TaxonomyInvalid(ValueError):
    """The document breaks the taxonomy's rules; `problems` lists each with its path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Criterion:
    type: str
    fields: tuple[str, ...] = ()
    field: str = ""
    op: str = ""
    value: Any = None
    team: str = ""
    label: str = ""

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.type == "required":
            return "has " + ", ".join(self.fields)
        if self.type == "acceptance":
            return f"accepted by {self.team}"
        subject = "score" if self.type == "score" else self.field
        shown = ", ".join(map(str, self.value)) if isinstance(self.value, list | tuple) else self.value
        return f"{subject} {self.op} {shown}" if self.op != "present" else f"{subject} present"


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    procedural: bool = False


@dataclass(frozen=True)
class Transition:
    to: str
    action: str
    teams: tuple[str, ...]
    auto: bool = False
    reasons: tuple[str, ...] = ()
    procedural_only: bool = False


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    definition: str
    owner_team: str
    queue_team: str
    order: int
    kind: str
    entry_criteria: tuple[Criterion, ...] = ()
    next: tuple[Transition, ...] = ()

    @property
    def reason_codes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for transition in self.next:
            seen.update(dict.fromkeys(transition.reasons))
        return tuple(seen)


@dataclass(frozen=True)
class Taxonomy:
    name: str
    stages: tuple[Stage, ...]
    reasons: tuple[Reason, ...]
    initial_stage: str
    _by_key: dict[str, Stage] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({stage.key: stage for stage in self.stages})

    def stage(self, key: str) -> Stage:
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"unknown stage {key!r}") from None

    def has_stage(self, key: str) -> bool:
        return key in self._by_key

    def reason(self, code: str) -> Reason | None:
        return next((r for r in self.reasons if r.code == code), None)

    def transition(self, from_stage: str, to_stage: str) -> Transition | None:
        return next((t for t in self.stage(from_stage).next if t.to == to_stage), None)

    def stages_worked_by(self, team: str) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages if s.queue_team == team)

    def ordered_active_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in sorted(self.stages, key=lambda s: s.order) if s.kind != "detour")


def _criterion(raw: Any, path: str, problems: list[str]) -> Criterion | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}: must be a mapping")
        return None
    kind = raw.get("type")
    if kind not in CRITERION_TYPES:
        problems.append(f"{path}.type: must be one of {', '.join(CRITERION_TYPES)}")
        return None
    op = raw.get("op", "gte" if kind == "score" else "")
    if kind in ("field", "score") and op not in OPERATORS:
        problems.append(f"{path}.op: must be one of {', '.join(OPERATORS)}")
    if kind == "field" and not raw.get("field"):
        problems.append(f"{path}.field: required for a field criterion")
    if kind == "required" and not raw.get("fields"):
        problems.append(f"{path}.fields: list the required fields")
    if kind == "acceptance" and raw.get("team") not in TEAMS:
        problems.append(f"{path}.team: must be one of {', '.join(TEAMS)}")
    return Criterion(
        type=kind, fields=tuple(raw.get("fields") or ()), field=raw.get("field", ""), op=op,
        value=raw.get("value"), team=raw.get("team", ""), label=raw.get("label", ""),
    )


def _transition(raw: Any, path: str, problems: list[str]) -> Transition | None:
    if not isinstance(raw, dict) or not raw.get("to"):
        problems.append(f"{path}: needs at least `to`")
        return None
    action = raw.get("action", "advance")
    if action not in ACTIONS:
        problems.append(f"{path}.action: must be one of {', '.join(ACTIONS)}")
    teams = tuple(raw.get("teams") or ())
    for bad in [t for t in teams if t not in TEAMS]:
        problems.append(f"{path}.teams: unknown team {bad!r}")
    reasons = tuple(raw.get("reasons") or ())
    if action in REASONED_ACTIONS and not reasons:
        problems.append(f"{path}.reasons: a {action} transition must list its reason codes")
    return Transition(
        to=raw["to"], action=action, teams=teams, auto=bool(raw.get("auto", False)),
        reasons=reasons, procedural_only=bool(raw.get("procedural_only", False)),
    )


def _stage(raw: Any, path: str, problems: list[str]) -> Stage | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}: must be a mapping")
        return None
    for required in ("key", "name", "definition", "owner_team", "kind", "order"):
        if raw.get(required) in (None, ""):
            problems.append(f"{path}.{required}: required")
    if raw.get("kind") not in STAGE_KINDS:
        problems.append(f"{path}.kind: must be one of {', '.join(STAGE_KINDS)}")
    for team_field in ("owner_team", "queue_team"):
        if raw.get(team_field) is not None and raw.get(team_field) not in TEAMS:
            problems.append(f"{path}.{team_field}: must be one of {', '.join(TEAMS)}")
    criteria = [_criterion(c, f"{path}.entry_criteria[{i}]", problems)
                for i, c in enumerate(raw.get("entry_criteria") or ())]
    nexts = [_transition(t, f"{path}.next[{i}]", problems) for i, t in enumerate(raw.get("next") or ())]
    try:
        order = int(raw.get("order", 0))
    except (TypeError, ValueError):
        problems.append(f"{path}.order: must be a whole number")
        order = 0
    return Stage(
        key=str(raw.get("key", "")), name=str(raw.get("name", "")), definition=str(raw.get("definition", "")),
        owner_team=str(raw.get("owner_team", "")), queue_team=str(raw.get("queue_team") or raw.get("owner_team", "")),
        order=order, kind=str(raw.get("kind", "")),
        entry_criteria=tuple(c for c in criteria if c), next=tuple(t for t in nexts if t),
    )


def parse_taxonomy(document: Any) -> Taxonomy:
    """Validate a taxonomy document and return it parsed; raise TaxonomyInvalid listing every problem."""
    problems: list[str] = []
    if not isinstance(document, dict):
        raise TaxonomyInvalid(["document: must be a mapping with stages and reasons"])
    reasons = []
    for i, raw in enumerate(document.get("reasons") or ()):
        if not isinstance(raw, dict) or not raw.get("code") or not raw.get("label"):
            problems.append(f"reasons[{i}]: needs code and label")
            continue
        reasons.append(Reason(code=raw["code"], label=raw["label"], procedural=bool(raw.get("procedural"))))
    stages = [_stage(raw, f"stages[{i}]", problems) for i, raw in enumerate(document.get("stages") or ())]
    stages = [s for s in stages if s]
    if not stages:
        problems.append("stages: at least one stage is required")
    _check_references(stages, reasons, problems)
    initial = document.get("initial_stage") or (stages[0].key if stages else "")
    if stages and initial not in {s.key for s in stages}:
        problems.append(f"initial_stage: unknown stage {initial!r}")
    if problems:
        raise TaxonomyInvalid(problems)
    return Taxonomy(name=str(document.get("name", "Taxonomy")), stages=tuple(stages), reasons=tuple(reasons),
                    initial_stage=initial)


def _check_references(stages: list[Stage], reasons: list[Reason], problems: list[str]) -> None:
    keys = [s.key for s in stages]
    for dup in {k for k in keys if keys.count(k) > 1}:
        problems.append(f"stages: key {dup!r} is used twice")
    codes = [r.code for r in reasons]
    for dup in {c for c in codes if codes.count(c) > 1}:
        problems.append(f"reasons: code {dup!r} is used twice")
    for i, stage in enumerate(stages):
        for j, transition in enumerate(stage.next):
            if transition.to not in keys:
                problems.append(f"stages[{i}].next[{j}].to: unknown stage {transition.to!r}")
            for code in transition.reasons:
                if code not in codes:
                    problems.append(f"stages[{i}].next[{j}].reasons: unknown reason code {code!r}")


def canonical_json(document: dict) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)


def document_diff(old: dict | None, new: dict) -> str:
    """A readable unified diff between two taxonomy documents (empty when identical)."""
    before = canonical_json(old).splitlines() if old else []
    after = canonical_json(new).splitlines()
    return "\n".join(difflib.unified_diff(before, after, "previous", "new", lineterm="", n=2))


def change_summary(old: dict | None, new: dict) -> list[str]:
    """One plain line per change, e.g. "stage mql: definition changed", "reason no_budget added"."""
    if not old:
        return ["first version"]
    lines: list[str] = []
    old_stages = {s.get("key"): s for s in old.get("stages", [])}
    new_stages = {s.get("key"): s for s in new.get("stages", [])}
    lines += [f"stage {k}: added" for k in new_stages if k not in old_stages]
    lines += [f"stage {k}: removed" for k in old_stages if k not in new_stages]
    for key in [k for k in new_stages if k in old_stages]:
        changed = sorted(f for f in set(old_stages[key]) | set(new_stages[key])
                         if old_stages[key].get(f) != new_stages[key].get(f))
        if changed:
            lines.append(f"stage {key}: {', '.join(changed)} changed")
    old_reasons = {r.get("code"): r for r in old.get("reasons", [])}
    new_reasons = {r.get("code"): r for r in new.get("reasons", [])}
    lines += [f"reason {c}: added" for c in new_reasons if c not in old_reasons]
    lines += [f"reason {c}: removed" for c in old_reasons if c not in new_reasons]
    lines += [f"reason {c}: changed" for c in new_reasons if c in old_reasons and old_reasons[c] != new_reasons[c]]
    for top in ("name", "initial_stage"):
        if old.get(top) != new.get(top):
            lines.append(f"{top} changed")
    return lines or ["no change"]
