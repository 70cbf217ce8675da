"""Routing: which rule takes a lead (owner, territory queue, default), and which rep in a queue gets it.

Fair weighted assignment (`choose_rep`) uses the quota method of Balinski and Young
(1975): among the eligible reps (available, under capacity, weight > 0), with ``N``
leads assigned so far in the rotation and total weight ``W``, only reps whose count is
below their exact share of ``N + 1`` (``a < (N + 1)·w / W``) may take the next lead;
among those, the one with the smallest ``(a + 1) / w`` wins, ties to the smallest rep id.
At least one rep is always under its share (the counts sum to N, the shares to N + 1).

Invariant (while the eligible set is unchanged and counts only grow through this
function): after every assignment each rep's count is ``floor`` or ``ceil`` of its exact
share ``N·w/W``, so it is within ±1 (strictly less than 1 away). Plain "smallest
(a + 1)/w" (D'Hondt) does not have this bound: with weights 11, 1, 2, 7, 2, 1 a rep
drifts more than two leads from its share. Arithmetic is exact (fractions).

A rep back from absence has a low count and would be preferred until caught up; to
avoid a burst, record `rejoin_count` for them when they return. Reps out of office or at
capacity are skipped, and the explanation says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

ROUTING_KINDS = ("account_owner", "territory", "default")
_DIMENSIONS = ("countries", "regions", "segments")


@dataclass(frozen=True)
class Rep:
    id: int
    weight: float = 1.0
    capacity: int | None = None
    available: bool = True


@dataclass(frozen=True)
class Standing:
    """One eligible rep at the moment of choosing: count, exact share of N + 1, and whether under it."""

    rep_id: int
    assigned: int
    share: float
    under_share: bool


@dataclass(frozen=True)
class Choice:
    rep_id: int | None
    rule: str
    reason: str
    skipped: tuple[tuple[int, str], ...]
    standings: tuple[Standing, ...]


def _skip_reason(rep: Rep, open_leads: Mapping[int, int]) -> str | None:
    if not rep.available:
        return "out of office"
    if rep.weight <= 0:
        return "weight 0"
    if rep.capacity is not None and open_leads.get(rep.id, 0) >= rep.capacity:
        return f"at capacity ({open_leads.get(rep.id, 0)} of {rep.capacity} open leads)"
    return None


def choose_rep(reps: Sequence[Rep], assigned: Mapping[int, int],
               open_leads: Mapping[int, int] | None = None) -> Choice:
    """The rep who should get the next lead, with the reasons for the choice and for every skip.

    `assigned` counts leads given to each rep in the current rotation; `open_leads` counts
    their open leads (for capacity). Reps missing from either count zero.
    """
    _check_reps(reps)
    open_leads = open_leads or {}
    skipped = tuple((rep.id, reason) for rep in reps if (reason := _skip_reason(rep, open_leads)))
    eligible = [rep for rep in reps if _skip_reason(rep, open_leads) is None]
    if not eligible:
        return Choice(None, "none_eligible", "no rep can take the lead: every rep was skipped", skipped, ())
    weights = _integer_weights(eligible)
    counts = {rep.id: assigned.get(rep.id, 0) for rep in eligible}
    total_weight, after = sum(weights.values()), sum(counts.values()) + 1
    under = [rid for rid in weights if counts[rid] * total_weight < after * weights[rid]]
    chosen = min(under, key=lambda rid: (Fraction(counts[rid] + 1, weights[rid]), rid))
    shares = {rid: after * weights[rid] / total_weight for rid in weights}
    standings = tuple(Standing(rid, counts[rid], shares[rid], rid in under) for rid in sorted(weights))
    weight = next(rep.weight for rep in eligible if rep.id == chosen)
    reason = (f"rep {chosen} had {counts[chosen]} of {after - 1} leads against a fair share of "
              f"{shares[chosen]:.2f} of {after} (weight {weight:g}); "
              f"lowest (assigned + 1) / weight among the {len(under)} reps under their share")
    return Choice(chosen, "weighted_fair", reason, skipped, standings)


def _integer_weights(reps: Sequence[Rep]) -> dict[int, int]:
    """Weights scaled exactly to integers with the same ratios (so comparisons are exact)."""
    fractions = {rep.id: Fraction(rep.weight) for rep in reps}
    scale = math.lcm(*(f.denominator for f in fractions.values()))
    return {rid: int(f * scale) for rid, f in fractions.items()}


def _check_reps(reps: Sequence[Rep]) -> None:
    ids = [rep.id for rep in reps]
    if len(set(ids)) != len(ids):
        raise ValueError(f"rep ids must be unique, got {ids}")
    for rep in reps:
        if rep.weight < 0:
            raise ValueError(f"rep {rep.id}: weight must not be negative (got {rep.weight})")
        if rep.capacity is not None and rep.capacity < 0:
            raise ValueError(f"rep {rep.id}: capacity must not be negative (got {rep.capacity})")


def rejoin_count(reps: Sequence[Rep], assigned: Mapping[int, int], rep_id: int) -> int:
    """The count to record for a rep rejoining the rotation so they start at their share, not in debt.

    ``floor(N_others · w / W_others)`` over the other available reps with positive weight.
    """
    joining = next((rep for rep in reps if rep.id == rep_id), None)
    if joining is None:
        raise ValueError(f"rep {rep_id} is not in the rotation")
    others = [rep for rep in reps if rep.id != rep_id and rep.available and rep.weight > 0]
    weight = sum((Fraction(rep.weight) for rep in others), Fraction(0))
    if not weight:
        return assigned.get(rep_id, 0)
    share = sum(assigned.get(rep.id, 0) for rep in others) * Fraction(joining.weight) / weight
    return max(assigned.get(rep_id, 0), int(share))


# --- routing rules --------------------------------------------------------------------------------


class RoutingRulesInvalid(ValueError):
    """The routing rules are broken; `problems` names each by its path (``rules[2].queue``)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class RoutingRule:
    id: str
    kind: str
    queue: str | None = None
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RoutingFacts:
    """What routing needs to know about a lead."""

    country: str | None = None
    region: str | None = None
    segment: str | None = None
    account_owner_id: int | None = None
    account_owner_available: bool = True


@dataclass(frozen=True)
class RuleMatch:
    """The first rule that matched (or none), where it sends the lead, and why earlier rules did not."""

    rule_id: str | None
    kind: str | None
    owner_id: int | None
    queue: str | None
    explanation: tuple[str, ...]


def parse_routing_rules(data: Sequence[Mapping[str, Any]]) -> tuple[RoutingRule, ...]:
    """Validate an ordered list of routing rules; raise RoutingRulesInvalid naming every problem."""
    if not isinstance(data, list | tuple):
        raise RoutingRulesInvalid(["rules: expected a list"])
    problems: list[str] = []
    rules = [_parse_rule(i, raw, problems) for i, raw in enumerate(data)]
    seen: dict[str, int] = {}
    default_at = None
    for i, rule in enumerate(rules):
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(f"rules[{i}].id: {rule.id!r} is already used by rules[{seen[rule.id]}]")
        seen.setdefault(rule.id, i)
        if default_at is not None:
            problems.append(f"rules[{i}]: unreachable after the default rule rules[{default_at}]")
        if rule.kind == "default":
            default_at = i if default_at is None else default_at
    if problems:
        raise RoutingRulesInvalid(problems)
    return tuple(r for r in rules if r is not None)


def _parse_rule(index: int, raw: Any, problems: list[str]) -> RoutingRule | None:
    path, before = f"rules[{index}]", len(problems)
    if not isinstance(raw, Mapping):
        problems.append(f"{path}: expected a mapping")
        return None
    allowed = {"id", "kind", "queue", *_DIMENSIONS}
    expected = ", ".join(sorted(allowed))
    problems += [f"{path}.{k}: unknown key (expected one of {expected})" for k in raw if k not in allowed]
    if not isinstance(raw.get("id"), str) or not raw["id"].strip():
        problems.append(f"{path}.id: required, a non-empty text")
    kind = raw.get("kind")
    if kind not in ROUTING_KINDS:
        problems.append(f"{path}.kind: {kind!r} is not one of {', '.join(ROUTING_KINDS)}")
    queue = raw.get("queue")
    if kind in ("territory", "default") and (not isinstance(queue, str) or not queue.strip()):
        problems.append(f"{path}.queue: a {kind} rule needs the queue it sends leads to")
    dims = {d: raw.get(d, []) for d in _DIMENSIONS}
    for name, values in dims.items():
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) and v.strip() for v in values):
            problems.append(f"{path}.{name}: expected a list of non-empty texts")
    if kind == "territory" and not any(dims.values()):
        problems.append(f"{path}: a territory rule needs at least one of countries, regions or segments")
    if kind != "territory" and any(raw.get(d) for d in _DIMENSIONS):
        problems.append(f"{path}: only territory rules take countries, regions or segments")
    if len(problems) > before:
        return None
    return RoutingRule(raw["id"], kind, raw.get("queue"),
                       *(frozenset(v.strip().casefold() for v in dims[d]) for d in _DIMENSIONS))


def _territory_miss(rule: RoutingRule, facts: RoutingFacts) -> str | None:
    checks = (("countries", "country", facts.country), ("regions", "region", facts.region),
              ("segments", "segment", facts.segment))
    for dimension, noun, value in checks:
        allowed = getattr(rule, dimension)
        if allowed and (value is None or value.strip().casefold() not in allowed):
            return f"{noun} {value!r} not in {sorted(allowed)}"
    return None


def match_rule(rules: Sequence[RoutingRule], facts: RoutingFacts) -> RuleMatch:
    """Evaluate the rules in order; the first that matches decides. Explains each rule passed over."""
    notes: list[str] = []
    for rule in rules:
        if rule.kind == "account_owner":
            if facts.account_owner_id is None:
                notes.append(f"{rule.id}: the lead's account has no owner")
                continue
            if not facts.account_owner_available:
                notes.append(f"{rule.id}: account owner {facts.account_owner_id} is out of office")
                continue
            notes.append(f"{rule.id}: matched; account owner {facts.account_owner_id} takes the lead")
            return RuleMatch(rule.id, rule.kind, facts.account_owner_id, None, tuple(notes))
        miss = _territory_miss(rule, facts) if rule.kind == "territory" else None
        if miss:
            notes.append(f"{rule.id}: {miss}")
            continue
        notes.append(f"{rule.id}: matched; queue {rule.queue}")
        return RuleMatch(rule.id, rule.kind, None, rule.queue, tuple(notes))
    notes.append("no rule matched")
    return RuleMatch(None, None, None, None, tuple(notes))
