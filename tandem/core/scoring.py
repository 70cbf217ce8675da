"""Rules-based lead scores: fit (who the lead is) plus engagement (what the lead did, decayed).

Rules are plain data (JSON/YAML) parsed by `parse_rules`, which names every problem by
its path (``fit[2].op: ...``). Semantics:

* Fit rule: ``field op value`` → ``points`` (integers, may be negative). Operators:
  ``equals``, ``in``, ``gte``, ``lte``, ``contains`` and ``present``. Text comparisons
  ignore case (``casefold``); ``contains`` is a substring test; ``gte``/``lte`` and numeric
  ``equals``/``in`` need numbers; a missing value matches nothing except that
  ``present`` is false for it (empty or blank text counts as missing).
* Engagement rule: each touch on the rule's channel (or campaign) is worth
  ``points × 0.5 ** (age / half_life)``, with age = now − touch time in whole seconds
  (touches in the future count as age 0). A touch may match one channel rule and one
  campaign rule; both then count.
* Rounding: each engagement rule's decayed sum for a lead is rounded to an integer,
  half up (towards +∞: 2.5 → 3, −2.5 → −2); fit points are integers already. The
  total is the sum of those integers, so the explanation (one entry per rule that
  applied, with its rounded points) always sums exactly to the score.
* `score` (one lead) runs the same array kernel as `score_bulk`, so both agree exactly.

Units: instants are aware datetimes at the API; touch times in arrays are int64 Unix
epoch seconds; half-lives are in days.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

OPERATORS = ("equals", "in", "gte", "lte", "contains", "present")
NUMERIC_OPERATORS = frozenset({"gte", "lte"})
_CHUNK_LEADS = 65_536
_DAY_S = 86_400.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RulesInvalid(ValueError):
    """The rules document is broken; `problems` names each problem by its path (``fit[2].op``)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class FitRule:
    id: str
    label: str
    field: str
    op: str
    value: Any
    points: int


@dataclass(frozen=True)
class EngagementRule:
    id: str
    label: str
    channel: str | None
    campaign: str | None
    points: int
    half_life_days: float


@dataclass(frozen=True)
class Rulebook:
    fit: tuple[FitRule, ...]
    engagement: tuple[EngagementRule, ...]
    half_life_days: float


@dataclass(frozen=True)
class Contribution:
    rule_id: str
    label: str
    points: int


@dataclass(frozen=True)
class Score:
    """One lead's score; `explanation` sums exactly to `total`."""

    total: int
    fit: int
    engagement: int
    explanation: tuple[Contribution, ...]


@dataclass(frozen=True)
class Touch:
    at: datetime
    channel: str | None = None
    campaign: str | None = None


@dataclass(frozen=True)
class LeadFacts:
    """What one lead is (`fields`, e.g. title, employees, country) and what it did (`touches`)."""

    fields: Mapping[str, Any]
    touches: Sequence[Touch] = ()


@dataclass(frozen=True)
class NumberColumn:
    """A numeric fit attribute for many leads: float64, NaN where missing."""

    values: np.ndarray


@dataclass(frozen=True)
class TextColumn:
    """A text fit attribute for many leads: codes into `vocabulary`, -1 where missing."""

    codes: np.ndarray
    vocabulary: tuple[str, ...]

    @classmethod
    def encode(cls, values: Sequence[str | None]) -> TextColumn:
        index: dict[str, int] = {}
        codes = [-1 if v is None else index.setdefault(v, len(index)) for v in values]
        return cls(np.asarray(codes, dtype=np.int64), tuple(index))


Column = NumberColumn | TextColumn


@dataclass(frozen=True)
class TouchArrays:
    """Touches of many leads in CSR form: lead i owns rows offsets[i]:offsets[i+1].

    Codes index `channels` / `campaigns` (-1 = none); `at_s` is int64 Unix epoch seconds.
    """

    offsets: np.ndarray
    channel_codes: np.ndarray
    campaign_codes: np.ndarray
    at_s: np.ndarray
    channels: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.at_s)
        if len(self.channel_codes) != n or len(self.campaign_codes) != n:
            raise ValueError("touch arrays: channel_codes, campaign_codes and at_s must have the same length")
        if len(self.offsets) == 0 or self.offsets[0] != 0 or self.offsets[-1] != n:
            raise ValueError(f"touch arrays: offsets must start at 0 and end at the number of touches ({n})")
        if np.any(np.diff(self.offsets) < 0):
            raise ValueError("touch arrays: offsets must not decrease")


@dataclass(frozen=True)
class BulkScores:
    """Scores of many leads (int64 arrays, one entry per lead, in input order)."""

    total: np.ndarray
    fit: np.ndarray
    engagement: np.ndarray


# --- parsing -------------------------------------------------------------------------------

_FIT_KEYS = {"id", "label", "field", "op", "value", "points"}
_ENGAGEMENT_KEYS = {"id", "label", "channel", "campaign", "points", "half_life_days"}


def parse_rules(data: Mapping[str, Any]) -> Rulebook:
    """Validate a rules document and return it as a Rulebook, or raise RulesInvalid naming every problem."""
    if not isinstance(data, Mapping):
        raise RulesInvalid(["rules: expected a mapping with 'fit', 'engagement' and 'half_life_days'"])
    known = {"fit", "engagement", "half_life_days"}
    problems: list[str] = [f"rules: unknown key {k!r}" for k in data if k not in known]
    half_life = data.get("half_life_days", 30)
    if not _positive_number(half_life):
        problems.append(f"half_life_days: must be a positive number of days, got {half_life!r}")
        half_life = 30
    fit = [_parse_fit(i, raw, problems) for i, raw in enumerate(_rule_list(data, "fit", problems))]
    engagement = [_parse_engagement(i, raw, float(half_life), problems)
                  for i, raw in enumerate(_rule_list(data, "engagement", problems))]
    _check_unique(fit, engagement, problems)
    if problems:
        raise RulesInvalid(problems)
    return Rulebook(tuple(r for r in fit if r), tuple(r for r in engagement if r), float(half_life))


def _rule_list(data: Mapping[str, Any], section: str, problems: list[str]) -> list[Any]:
    rules = data.get(section, [])
    if not isinstance(rules, list):
        problems.append(f"{section}: expected a list of rules")
        return []
    return rules


def _positive_number(value: Any) -> bool:
    return _is_number(value) and value > 0


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _common(path: str, raw: Any, keys: set[str], problems: list[str]) -> bool:
    if not isinstance(raw, Mapping):
        problems.append(f"{path}: expected a mapping")
        return False
    expected = ", ".join(sorted(keys))
    problems += [f"{path}.{k}: unknown key (expected one of {expected})" for k in raw if k not in keys]
    if not isinstance(raw.get("id"), str) or not raw.get("id", "").strip():
        problems.append(f"{path}.id: required, a non-empty text")
    if not isinstance(raw.get("points"), int) or isinstance(raw.get("points"), bool):
        problems.append(f"{path}.points: required, an integer (got {raw.get('points')!r})")
    if "label" in raw and not isinstance(raw["label"], str):
        problems.append(f"{path}.label: must be text")
    return True


def _parse_fit(index: int, raw: Any, problems: list[str]) -> FitRule | None:
    path, before = f"fit[{index}]", len(problems)
    if not _common(path, raw, _FIT_KEYS, problems):
        return None
    if not isinstance(raw.get("field"), str) or not raw.get("field", "").strip():
        problems.append(f"{path}.field: required, the name of a lead or account field")
    op, value = raw.get("op"), raw.get("value")
    if op not in OPERATORS:
        problems.append(f"{path}.op: {op!r} is not one of {', '.join(OPERATORS)}")
    else:
        value = _check_value(f"{path}.value", op, value, problems)
    if len(problems) > before:
        return None
    label = raw.get("label") or f"{raw['field']} {op}" + ("" if op == "present" else f" {_show(value)}")
    return FitRule(raw["id"], label, raw["field"], op, value, raw["points"])


def _check_value(path: str, op: str, value: Any, problems: list[str]) -> Any:
    if op == "present":
        if value is not None:
            problems.append(f"{path}: 'present' takes no value")
        return None
    if op in NUMERIC_OPERATORS and not _is_number(value):
        problems.append(f"{path}: {op} needs a number, got {value!r}")
    elif op == "contains" and (not isinstance(value, str) or not value):
        problems.append(f"{path}: contains needs non-empty text, got {value!r}")
    elif op == "equals" and not (_is_number(value) or isinstance(value, str)):
        problems.append(f"{path}: equals needs text or a number, got {value!r}")
    elif op == "in":
        if not isinstance(value, list | tuple) or not value:
            problems.append(f"{path}: in needs a non-empty list, got {value!r}")
        elif not (all(isinstance(v, str) for v in value) or all(_is_number(v) for v in value)):
            problems.append(f"{path}: in needs a list of all texts or all numbers, got {value!r}")
        else:
            return tuple(value)
    return value


def _show(value: Any) -> str:
    return "[" + ", ".join(map(str, value)) + "]" if isinstance(value, tuple) else str(value)


def _parse_engagement(index: int, raw: Any, default_half_life: float,
                      problems: list[str]) -> EngagementRule | None:
    path, before = f"engagement[{index}]", len(problems)
    if not _common(path, raw, _ENGAGEMENT_KEYS, problems):
        return None
    targets = [k for k in ("channel", "campaign") if raw.get(k) is not None]
    if len(targets) != 1:
        problems.append(f"{path}: give exactly one of channel or campaign")
    elif not isinstance(raw[targets[0]], str) or not raw[targets[0]].strip():
        problems.append(f"{path}.{targets[0]}: must be non-empty text")
    half_life = raw.get("half_life_days", default_half_life)
    if not _positive_number(half_life):
        problems.append(f"{path}.half_life_days: must be a positive number of days, got {half_life!r}")
    if len(problems) > before:
        return None
    label = raw.get("label") or f"{targets[0]} {raw[targets[0]]}"
    return EngagementRule(raw["id"], label, raw.get("channel"), raw.get("campaign"), raw["points"],
                          float(half_life))


def _check_unique(fit: list[FitRule | None], engagement: list[EngagementRule | None],
                  problems: list[str]) -> None:
    seen: dict[str, str] = {}
    paths = [(f"fit[{i}]", r) for i, r in enumerate(fit)]
    paths += [(f"engagement[{i}]", r) for i, r in enumerate(engagement)]
    targets: dict[tuple[str, str], str] = {}
    for path, rule in paths:
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(f"{path}.id: {rule.id!r} is already used by {seen[rule.id]}")
        seen.setdefault(rule.id, path)
        if isinstance(rule, EngagementRule):
            kind = "channel" if rule.channel is not None else "campaign"
            key = (kind, (rule.channel or rule.campaign or "").casefold())
            if key in targets:
                problems.append(f"{path}.{kind}: {key[1]!r} already has a rule ({targets[key]})")
            targets.setdefault(key, path)


# --- fit -------------------------------------------------------------------------------------


def _fit_matches(rule: FitRule, index: int, column: Column) -> np.ndarray:
    """Boolean array: which leads the fit rule matches."""
    numeric_rule = _numeric_rule(rule)
    if isinstance(column, NumberColumn):
        if rule.op == "contains" or (rule.op != "present" and not numeric_rule):
            raise ValueError(f"fit[{index}] ({rule.label}): field {rule.field!r} is numeric; {rule.op} "
                             f"{_show(rule.value)!r} needs text")
        return _number_matches(rule, np.asarray(column.values, dtype=np.float64))
    if numeric_rule and rule.op != "present":
        raise ValueError(f"fit[{index}] ({rule.label}): field {rule.field!r} is text; "
                         f"{rule.op} needs a number")
    vocabulary = column.vocabulary
    vocabulary_matches = np.fromiter((_text_match(rule, v) for v in vocabulary), bool, len(vocabulary))
    return np.append(vocabulary_matches, False)[column.codes]


def _text_value(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, tuple) and bool(value) and isinstance(value[0], str))


def _number_matches(rule: FitRule, values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if rule.op == "present":
            return ~np.isnan(values)
        if rule.op == "gte":
            return values >= rule.value
        if rule.op == "lte":
            return values <= rule.value
        if rule.op == "equals":
            return values == rule.value
        return np.isin(values, np.asarray(rule.value, dtype=np.float64))


def _text_match(rule: FitRule, text: str) -> bool:
    folded = text.casefold().strip()
    if rule.op == "present":
        return bool(folded)
    if rule.op == "equals":
        return folded == rule.value.casefold().strip()
    if rule.op == "in":
        return folded in {v.casefold().strip() for v in rule.value}
    return rule.value.casefold() in text.casefold()


def _fit_points(rules: Rulebook, columns: Mapping[str, Column], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(fit points per lead, matches as an n × rules boolean matrix)."""
    matched = np.zeros((n, len(rules.fit)), dtype=bool)
    for index, rule in enumerate(rules.fit):
        if rule.field not in columns:
            raise ValueError(f"fit[{index}] ({rule.label}): no column for field {rule.field!r}")
        matched[:, index] = _fit_matches(rule, index, columns[rule.field])
    points = np.array([r.points for r in rules.fit], dtype=np.int64)
    return matched.astype(np.int64) @ points if len(rules.fit) else np.zeros(n, np.int64), matched


# --- engagement -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tables:
    """Per vocabulary code: which engagement rule a touch matches (-1 = none); last entry serves code -1."""

    channel_rule: np.ndarray
    campaign_rule: np.ndarray
    points: np.ndarray
    half_life_s: np.ndarray


def _tables(rules: Rulebook, touches: TouchArrays) -> _Tables:
    def lookup(vocabulary: Sequence[str], kind: str) -> np.ndarray:
        by_name = {(getattr(r, kind) or "").casefold(): i for i, r in enumerate(rules.engagement)
                   if getattr(r, kind) is not None}
        return np.array([by_name.get(v.casefold(), -1) for v in vocabulary] + [-1], dtype=np.int64)

    return _Tables(
        lookup(touches.channels, "channel"), lookup(touches.campaigns, "campaign"),
        np.array([r.points for r in rules.engagement], dtype=np.float64),
        np.array([r.half_life_days * _DAY_S for r in rules.engagement], dtype=np.float64),
    )


def _engagement_sums(tables: _Tables, touches: TouchArrays, first: int, last: int, now_s: int) -> np.ndarray:
    """Decayed points per (lead, engagement rule) for leads first..last-1 (float64 matrix)."""
    n_rules, n_leads = len(tables.points), last - first
    lo, hi = int(touches.offsets[first]), int(touches.offsets[last])
    lead = np.repeat(np.arange(n_leads, dtype=np.int64), np.diff(touches.offsets[first:last + 1]))
    age = np.maximum(now_s - touches.at_s[lo:hi], 0).astype(np.float64)
    sums = np.zeros(n_leads * n_rules, dtype=np.float64)
    passes = ((touches.channel_codes, tables.channel_rule), (touches.campaign_codes, tables.campaign_rule))
    for codes, table in passes:
        rule = table[codes[lo:hi]]
        hit = rule >= 0
        rule_hit = rule[hit]
        decayed = tables.points[rule_hit] * np.exp2(-age[hit] / tables.half_life_s[rule_hit])
        sums += np.bincount(lead[hit] * n_rules + rule_hit, weights=decayed, minlength=n_leads * n_rules)
    return sums.reshape(n_leads, n_rules)


def round_half_up(values: np.ndarray) -> np.ndarray:
    """Integers nearest to `values`, halves rounded towards +∞ (2.5 → 3, -2.5 → -2)."""
    floor = np.floor(values)
    return (floor + (values - floor >= 0.5)).astype(np.int64)


# --- scoring ---------------------------------------------------------------------------------


def score_bulk(columns: Mapping[str, Column], touches: TouchArrays, rules: Rulebook,
               now: datetime) -> BulkScores:
    """Scores of many leads: fit columns (one entry per lead) and their touches in CSR form."""
    n = len(touches.offsets) - 1
    sizes = {len(c.values if isinstance(c, NumberColumn) else c.codes) for c in columns.values()}
    if sizes - {n}:
        raise ValueError(f"every column needs one entry per lead ({n}), got lengths {sorted(sizes)}")
    fit, _ = _fit_points(rules, columns, n)
    engagement = np.zeros(n, dtype=np.int64)
    if rules.engagement:
        tables, now_s = _tables(rules, touches), epoch_seconds(now)
        for first in range(0, n, _CHUNK_LEADS):
            last = min(first + _CHUNK_LEADS, n)
            sums = _engagement_sums(tables, touches, first, last, now_s)
            engagement[first:last] = round_half_up(sums).sum(axis=1)
    return BulkScores(fit + engagement, fit, engagement)


@dataclass(frozen=True)
class BulkDetail:
    """`score_bulk`'s scores plus each rule's part per lead, so every lead's explanation can be stored.

    `fit_matched` is n × fit rules (bool); `engagement_points` (int64) and `engagement_fired`
    (bool: at least one touch matched) are n × engagement rules.
    """

    scores: BulkScores
    fit_matched: np.ndarray
    engagement_points: np.ndarray
    engagement_fired: np.ndarray

    def explanation(self, rules: Rulebook, i: int) -> tuple[Contribution, ...]:
        """Lead i's explanation, exactly as `score` gives it (fit rules matched, then engagement rules fired)."""
        fit = [Contribution(r.id, r.label, r.points) for r, hit in zip(rules.fit, self.fit_matched[i], strict=True)
               if hit]
        fired = zip(rules.engagement, self.engagement_points[i], self.engagement_fired[i], strict=True)
        return tuple(fit + [Contribution(r.id, r.label, int(p)) for r, p, f in fired if f])


def score_bulk_detail(columns: Mapping[str, Column], touches: TouchArrays, rules: Rulebook,
                      now: datetime) -> BulkDetail:
    """Like `score_bulk`, keeping each rule's points per lead (for explanations of many leads at once)."""
    n = len(touches.offsets) - 1
    scores = score_bulk(columns, touches, rules, now)
    _, matched = _fit_points(rules, columns, n)
    points = np.zeros((n, len(rules.engagement)), dtype=np.int64)
    fired = np.zeros((n, len(rules.engagement)), dtype=bool)
    if rules.engagement:
        tables, now_s = _tables(rules, touches), epoch_seconds(now)
        for first in range(0, n, _CHUNK_LEADS):
            last = min(first + _CHUNK_LEADS, n)
            points[first:last] = round_half_up(_engagement_sums(tables, touches, first, last, now_s))
            fired[first:last] = _engagement_counts(tables, touches, first, last) > 0
    return BulkDetail(scores, matched, points, fired)


def _engagement_counts(tables: _Tables, touches: TouchArrays, first: int, last: int) -> np.ndarray:
    """Matching touches per (lead, engagement rule) for leads first..last-1."""
    n_rules, n_leads = len(tables.points), last - first
    lo, hi = int(touches.offsets[first]), int(touches.offsets[last])
    lead = np.repeat(np.arange(n_leads, dtype=np.int64), np.diff(touches.offsets[first:last + 1]))
    counts = np.zeros(n_leads * n_rules, dtype=np.int64)
    for codes, table in ((touches.channel_codes, tables.channel_rule), (touches.campaign_codes, tables.campaign_rule)):
        rule = table[codes[lo:hi]]
        hit = rule >= 0
        counts += np.bincount(lead[hit] * n_rules + rule[hit], minlength=n_leads * n_rules)
    return counts.reshape(n_leads, n_rules)


def score(facts: LeadFacts, rules: Rulebook, now: datetime) -> Score:
    """One lead's score with its explanation (same kernel as `score_bulk`)."""
    names = {r.field for r in rules.fit}
    columns = {name: _single_column(name, facts.fields.get(name), rules) for name in names}
    touches = encode_touches([facts.touches])
    _, matched = _fit_points(rules, columns, 1)
    hits = zip(rules.fit, matched[0], strict=True)
    explanation = [Contribution(r.id, r.label, r.points) for r, hit in hits if hit]
    if rules.engagement:
        sums = _engagement_sums(_tables(rules, touches), touches, 0, 1, epoch_seconds(now))
        rounded = round_half_up(sums)[0]
        fired = _fired_rules(rules, facts.touches)
        applied = zip(rules.engagement, rounded, fired, strict=True)
        explanation += [Contribution(r.id, r.label, int(p)) for r, p, f in applied if f]
    fit = sum(c.points for c in explanation[:int(matched[0].sum())])
    total = sum(c.points for c in explanation)
    return Score(total, fit, total - fit, tuple(explanation))


def _fired_rules(rules: Rulebook, touches: Sequence[Touch]) -> list[bool]:
    channels = {t.channel.casefold() for t in touches if t.channel is not None}
    campaigns = {t.campaign.casefold() for t in touches if t.campaign is not None}
    return [(r.channel is not None and r.channel.casefold() in channels)
            or (r.campaign is not None and r.campaign.casefold() in campaigns) for r in rules.engagement]


def _numeric_rule(rule: FitRule) -> bool:
    return rule.op in NUMERIC_OPERATORS or (rule.op in ("equals", "in") and not _text_value(rule.value))


def _single_column(name: str, value: Any, rules: Rulebook) -> Column:
    """A one-lead column; a missing value is numeric if any rule on the field compares numbers."""
    if isinstance(value, str):
        return TextColumn(np.zeros(1, dtype=np.int64), (value,))
    if value is None:
        if any(_numeric_rule(r) for r in rules.fit if r.field == name):
            return NumberColumn(np.full(1, np.nan))
        return TextColumn(np.full(1, -1, dtype=np.int64), ())
    if isinstance(value, numbers.Real):
        return NumberColumn(np.array([float(value)]))
    raise ValueError(f"field {name!r}: {type(value).__name__} values cannot be scored (use text or a number)")


def encode_touches(per_lead: Sequence[Sequence[Touch]]) -> TouchArrays:
    """CSR touch arrays from touches grouped by lead (for tests and small batches)."""
    channels: dict[str, int] = {}
    campaigns: dict[str, int] = {}
    flat = [t for touches in per_lead for t in touches]

    def code(names: dict[str, int], name: str | None) -> int:
        return -1 if name is None else names.setdefault(name, len(names))

    offsets = np.cumsum([0] + [len(touches) for touches in per_lead], dtype=np.int64)
    return TouchArrays(
        offsets=offsets,
        channel_codes=np.array([code(channels, t.channel) for t in flat], dtype=np.int64),
        campaign_codes=np.array([code(campaigns, t.campaign) for t in flat], dtype=np.int64),
        at_s=np.array([epoch_seconds(t.at) for t in flat], dtype=np.int64),
        channels=tuple(channels), campaigns=tuple(campaigns),
    )


def epoch_seconds(instant: datetime) -> int:
    """Whole Unix epoch seconds (floor) of an aware datetime; naive ones are refused."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant.isoformat()} is naive: scoring needs timezone-aware datetimes")
    return (instant - _EPOCH) // timedelta(seconds=1)
