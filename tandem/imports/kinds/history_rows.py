"""Turning judged moves into StageEvent rows and the lead's current stage. Shared by leads and history."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from tandem.core.history import Judged, Known, Move, judge_move, latest
from tandem.imports import bulk
from tandem.imports.kinds import lookups
from tandem.imports.kinds.base import ChunkResult, Context
from tandem.leads.choices import ActorKind
from tandem.leads.models import Lead, StageEvent

UNKNOWN_DATE_NOTE = "the source gives no date for this move: the row's latest date is used"


def event_row(ctx: Context, lead_id: int, judged: Judged) -> dict[str, Any]:
    """A StageEvent row for one judged move; the move's key is (line, field, note, user or None)."""
    line, _, extra, user = judged.move.key
    actor = judged.move.actor
    note = f"imported from {ctx.file_name}, line {line}" + (f"; {extra}" if extra else "")
    return {
        "lead_id": lead_id, "from_stage": judged.from_stage, "to_stage": judged.move.to_stage,
        "action": judged.action, "occurred_at": judged.move.at, "recorded_at": ctx.now,
        "actor_id": user.pk if user is not None else None,
        "actor_kind": ActorKind.USER if user is not None else ActorKind.IMPORT,
        "actor_team": actor.team if actor is not None else "",
        "reason_code": judged.move.reason_code, "note": note[:2000],
        "criteria": [c.as_dict() for c in judged.checks], "taxonomy_version": judged.taxonomy_version,
        "historical": judged.historical,
    }


def insert_creations(ctx: Context, lead_ids: list[int], initial_stage: str) -> int:
    """The creation event of each of these new leads, written by the database from the lead rows.

    One INSERT … SELECT per taxonomy version: each lead's creation (at its created_at, into the
    initial stage) is judged by the version in force then, the same for every lead in its period.
    """
    if not lead_ids:
        return 0
    quote = connection.ops.quote_name
    events, leads = quote(StageEvent._meta.db_table), quote(Lead._meta.db_table)
    contiguous = lead_ids[-1] - lead_ids[0] == len(lead_ids) - 1
    which = "id BETWEEN %s AND %s" if contiguous else "id = ANY(%s)"
    which_params = [lead_ids[0], lead_ids[-1]] if contiguous else [lead_ids]
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    note = f"imported from {ctx.file_name}"[:2000]
    written = 0
    with connection.cursor() as cursor:
        for start, end, number, taxonomy in lookups.taxonomy_periods(ctx):
            judged = judge_move(taxonomy, number, from_stage="", move=Move(initial_stage, ctx.now, from_stage=""))
            period, period_params = [], []
            if start is not None:
                period.append("created_at >= %s")
                period_params.append(bulk.db_datetime(start))
            if end is not None:
                period.append("created_at < %s")
                period_params.append(bulk.db_datetime(end))
            cursor.execute(
                f"INSERT INTO {events} (lead_id, from_stage, to_stage, action, occurred_at, recorded_at, actor_kind, "  # noqa: S608
                f"actor_team, reason_code, note, criteria, taxonomy_version, historical) "
                f"SELECT id, '', %s, %s, created_at, %s, %s, '', '', %s, %s{json_cast}, %s, %s FROM {leads} "
                f"WHERE {' AND '.join([which, *period])}",
                [initial_stage, judged.action, bulk.db_datetime(ctx.now), ActorKind.IMPORT, note,
                 json.dumps([c.as_dict() for c in judged.checks]), number, judged.historical,
                 *which_params, *period_params])
            written += cursor.rowcount
    return written


def record(ctx: Context, result: ChunkResult, judged: list[Judged]) -> None:
    """Count the moves, their UTC days, and flag the historical ones on their lines."""
    for j in judged:
        result.counts["stage_events"] += 1
        result.days.add(j.move.at.date())
        if j.historical:
            line, field_name, _, _ = j.move.key
            result.counts["historical_events"] += 1
            result.flag_historical(line, field_name, f"into {j.move.to_stage} at {j.move.at.isoformat()}: "
                                                     f"{j.problems}")


def current(known: list[Known], judged: list[Judged]) -> Known | None:
    return latest(known, judged)
