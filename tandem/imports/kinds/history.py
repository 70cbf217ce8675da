"""Importing stage history: moves of existing leads, with their original instants.

A row is one move (lead key, from stage, to stage, at, reason code, by team or user), or, in the
wide form of a HubSpot contacts export, several "entered <stage>" dates. The moves of a chunk are
merged with each lead's ledger in time order and judged against the taxonomy in force at their
instant (tandem.core.history): those that break today's rules are imported with historical=True
and reported. Afterwards each lead's stage and stage_entered_at are those of its latest event by
occurred_at. A move already in the ledger (same stage, same instant) is skipped, so a file
imported twice adds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import Any

from tandem.core.history import Known, Move, replay
from tandem.core.lifecycle import Actor
from tandem.core.roles import TEAMS
from tandem.imports import bulk
from tandem.imports.cells import clip, parse_instant
from tandem.imports.kinds import history_rows, lookups
from tandem.imports.kinds.base import ChunkResult, Context, KindSpec, RowParser
from tandem.leads.models import Lead, StageEvent

SPEC = KindSpec("stage-history", frozenset({
    "lead_email", "lead_external_id", "lead_id", "opportunity_external_id", "from_stage", "to_stage", "at",
    "reason_code", "by", "field_event", "note"}),
    required=(("lead_email", "lead_external_id", "lead_id", "opportunity_external_id"),), prefixes=("entered:",))


def _stage(ctx: Context, p: RowParser, name: str) -> str | None:
    text = p.get(name)
    if text is None:
        return None
    table = ctx.values.get(name) or lookups.stage_names(lookups.current_taxonomy(ctx))
    key = table.get(text.strip().lower())
    if not key or not lookups.current_taxonomy(ctx).has_stage(key):
        p.error(name, "not a stage of the taxonomy (nor a value the preset translates)", text)
        return None
    return key


def _actor(ctx: Context, p: RowParser) -> tuple[Actor | None, Any]:
    text = p.get("by")
    if not text:
        return None, None
    if text.strip().lower() in TEAMS:
        return Actor(role="import", team=text.strip().lower()), None
    user = lookups.user_for(ctx, text)
    if user is None:
        p.warnings.append(("by", "no team or active user by this name; the move's team is not checked", text))
        return None, None
    return Actor(role=user.role, team=user.team), user


def parse_row(ctx: Context, line: int, row: dict[str, str]) -> tuple[list[Move], RowParser]:
    """The row's moves, and its parser (holding the row's errors and warnings)."""
    p = RowParser(row)
    instant = partial(parse_instant, tz=ctx.tz, formats=ctx.date_formats)
    actor, user = _actor(ctx, p)
    reason = p.get("reason_code", partial(clip, length=50), "")
    note = p.get("note", partial(clip, length=1000), "")
    moves = []
    if "to_stage" in row:
        to_stage = _stage(ctx, p, "to_stage")
        from_stage = _stage(ctx, p, "from_stage") if row.get("from_stage") else None
        at = p.get("at", instant)
        if "at" not in row:
            p.error("at", "required")
        if to_stage and at:
            moves.append(Move(to_stage, at, from_stage=from_stage, reason_code=reason, actor=actor,
                              key=(line, "to_stage", note, user)))
    for name in [n for n in row if n.startswith("entered:")]:
        at = p.get(name, instant)
        if at is not None:
            moves.append(Move(name.split(":", 1)[1], at, actor=actor, key=(line, name, note, user)))
    if not moves and not p.errors:
        p.error("to_stage", "required (or dates of entering stages)")
    for move in moves:
        if move.at > ctx.now:
            p.error(move.key[1], f"{move.at.isoformat()} is in the future")
    return moves, p


def _lead_keys(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> dict[int, int | str]:
    """line -> lead id, or the reason it cannot be found."""
    keys = {line: lookups.lead_key(row) for line, row in rows}
    leads = lookups.leads_by_key(ctx, [k for k in keys.values() if k])
    opportunities = lookups.opportunities_by_key(
        ctx, [row["opportunity_external_id"] for _, row in rows if row.get("opportunity_external_id")])
    out: dict[int, int | str] = {}
    for line, row in rows:
        key = keys[line]
        if key is not None:
            out[line] = leads[key][0] if key in leads else f"no lead with {key[0].split('_', 1)[1]} {key[1]}"
        elif row.get("opportunity_external_id") in opportunities:
            lead_id = opportunities[row["opportunity_external_id"]][1]
            out[line] = lead_id if lead_id else "the opportunity has no lead"
        else:
            out[line] = f"no opportunity with id {row.get('opportunity_external_id', '')} in {ctx.namespace}"
    return out


def _stage_changes(ctx: Context, rows: list[tuple[int, dict[str, str]]],
                   result: ChunkResult) -> list[tuple[int, dict[str, str]]]:
    """With a field-history export, only the rows that change a status or stage; the others are skipped."""
    if not ctx.stage_fields:
        return rows
    kept = []
    for line, row in rows:
        if (row.get("field_event") or "").strip().lower() in ctx.stage_fields:
            kept.append((line, row))
        else:
            result.skip(line, "field_event", "not a stage change", report=False)
            result.counts["rows_not_stage_changes"] += 1
    return kept


def process(ctx: Context, rows: list[tuple[int, dict[str, str]]]) -> ChunkResult:
    result = ChunkResult()
    rows = _stage_changes(ctx, rows, result)
    lead_of = _lead_keys(ctx, rows) if rows else {}
    moves: dict[int, list[Move]] = defaultdict(list)
    for line, row in rows:
        parsed, p = parse_row(ctx, line, row)
        if isinstance(lead_of[line], str):
            key = lookups.lead_key(row)
            p.error(key[0] if key else "opportunity_external_id", lead_of[line])
        if p.errors:
            result.fail(line, p.errors)
            continue
        for name, message, value in p.warnings:
            result.warn(line, name, message, value)
        moves[lead_of[line]] += parsed
    if moves:
        _write(ctx, result, moves)
    return result


def _write(ctx: Context, result: ChunkResult, moves: dict[int, list[Move]]) -> None:
    known: dict[int, list[Known]] = defaultdict(list)
    for lead_id, stage, at in (StageEvent.objects.filter(lead_id__in=list(moves)).order_by("occurred_at", "id")
                               .values_list("lead_id", "to_stage", "occurred_at")):
        known[lead_id].append(Known(stage, at))
    current = {pk: (stage, at) for pk, stage, at in
               Lead.objects.filter(pk__in=list(moves)).values_list("id", "stage", "stage_entered_at")}
    taxonomy_at = lookups.taxonomy_at(ctx)
    events, changed = [], []
    lines_ok: set[int] = set()
    for lead_id, lead_moves in moves.items():
        judged, skipped = replay(known[lead_id], lead_moves, taxonomy_at)
        for s in skipped:
            result.skip(s.move.key[0], s.move.key[1], s.why)
        events += [history_rows.event_row(ctx, lead_id, j) for j in judged]
        history_rows.record(ctx, result, judged)
        lines_ok |= {j.move.key[0] for j in judged}
        now = history_rows.current(known[lead_id], judged)
        if now is not None and (now.to_stage, now.at) != current[lead_id]:
            changed.append((now.to_stage, now.at, ctx.now, lead_id))
    for line in lines_ok:
        result.ok(line)
    bulk.insert(StageEvent, events)
    bulk.update(Lead, ["stage", "stage_entered_at", "updated_at"], changed, bump_version=True)
    result.counts["leads_restaged"] += len(changed)
