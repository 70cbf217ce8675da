"""Maintaining the daily rollups: incremental runs, full rebuilds, resuming and undoing them.

One fill state (`RollupFill`, name "ledger") guards the work. A run claims it with a conditional
UPDATE (so two workers never fill at once, on SQLite and PostgreSQL alike), writes its plan, then
works through the plan in chunks; each chunk is one transaction that also records what it replaced
(`RollupJournal`) and what is left to do. So a run killed at any point either resumes (the next
run continues the plan) or is undone (`rollup_undo` puts every replaced row back).

* Incremental: leads whose dimension values changed move their rows from the old values to the
  new (delta: core `subtract`), outside the days being re-aggregated; then each planned day is
  re-aggregated whole from the current ledger (every lead active that day, its full history).
* Rebuild: every row is computed again into a new generation; readers switch to it in one
  transaction at the end, and the old generation is dropped. Undo deletes the new generation.
"""

from __future__ import annotations

import contextvars
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db import transaction
from django.db.models import F, Q

from tandem import clock
from tandem.reporting import rollup_rows as rr
from tandem.reporting.choices import FillStatus
from tandem.reporting.dimensions import LeadDims, differing_leads, dims_from_rows, lead_dims
from tandem.reporting.fetch import (
    EventArrays,
    events_fetch,
    events_memo,
    lead_events,
    leads_active_on,
    opportunities_fetch,
)
from tandem.reporting.models import DealRollup, DirtyDay, RollupFill, RollupJournal, RollupLead, StageRollup
from tandem.reporting.rollup_plan import (
    GAP_WINDOW,
    Watermarks,
    deal_days_of_leads,
    gaps_after,
    plan_changes,
    watermarks_now,
)

logger = logging.getLogger(__name__)
FILL = "ledger"
STALE = timedelta(minutes=15)
DAYS_PER_CHUNK = 31
LEADS_PER_CHUNK = 2000
REBUILD_OVER_DAYS = 240


class RunTakenOver(RuntimeError):
    """Another process took over this run (ours was stale); stop without writing."""


@dataclass(frozen=True)
class RollupRun:
    kind: str  # update, rebuild, resumed, nothing, busy, undone
    days: int = 0
    leads: int = 0
    rows: int = 0
    seconds: float = 0.0
    generation: int = 0
    message: str = ""


def fill_state() -> RollupFill:
    fill, _ = RollupFill.objects.get_or_create(name=FILL)
    return fill


def _claim(fill: RollupFill, run_id: str) -> bool:
    now = clock.now()
    same = RollupFill.objects.filter(pk=fill.pk, status=fill.status, run_id=fill.run_id,
                                     heartbeat_at=fill.heartbeat_at)
    changes = {"status": FillStatus.RUNNING, "run_id": run_id, "heartbeat_at": now, "message": ""}
    if fill.status == FillStatus.IDLE:
        changes["started_at"] = now
    return same.update(**changes) == 1


def _save(holder: str, **changes) -> None:
    """Record progress, only while this run still holds the fill (else RunTakenOver: the chunk rolls back)."""
    if not RollupFill.objects.filter(name=FILL, run_id=holder, status=FillStatus.RUNNING).update(
            heartbeat_at=clock.now(), **changes):
        raise RunTakenOver(f"rollup run {holder} was taken over by another process")


def _busy(fill: RollupFill) -> bool:
    return fill.status == FillStatus.RUNNING and fill.heartbeat_at is not None and \
        fill.heartbeat_at > clock.now() - STALE


def rollup_update(*, rebuild: bool = False) -> RollupRun:
    """Bring the rollups up to date with the ledger (resuming an interrupted run first)."""
    started = time.monotonic()
    fill = fill_state()
    if _busy(fill):
        return RollupRun("busy", message=f"another run ({fill.run_id}) is in progress")
    resuming = fill.status != FillStatus.IDLE and bool(fill.plan)
    run_id = fill.run_id if resuming else uuid.uuid4().hex
    if not _claim(fill, run_id):
        return RollupRun("busy", message="another process claimed the rollups first")
    planned = _planned_dims.set(None)
    try:
        with events_memo():
            if resuming:
                plan = fill.plan
            else:
                plan = _plan(fill, run_id, rebuild=rebuild)
                if plan is None:
                    return _finish_idle(run_id, started)
            result = _rebuild(run_id, plan) if plan["kind"] == "rebuild" else _continue(run_id, plan)
    except RunTakenOver as exc:
        return RollupRun("busy", message=str(exc))
    except Exception as exc:
        RollupFill.objects.filter(name=FILL, run_id=run_id).update(status=FillStatus.FAILED,
                                                                   message=f"{type(exc).__name__}: {exc}"[:500])
        raise
    finally:
        _planned_dims.reset(planned)
    seconds = time.monotonic() - started
    RollupFill.objects.filter(name=FILL).update(last_seconds=seconds)
    return RollupRun("resumed" if resuming else result.kind, result.days, result.leads, result.rows, seconds,
                     result.generation, result.message)


def _finish_idle(run_id: str, started: float) -> RollupRun:
    RollupFill.objects.filter(name=FILL, run_id=run_id).update(status=FillStatus.IDLE, plan={}, run_id="")
    fill = fill_state()
    return RollupRun("nothing", seconds=time.monotonic() - started, generation=fill.generation,
                     message="the rollups were up to date")


def _iso(days) -> list[str]:
    return sorted(d.isoformat() for d in days)


def _dates(values) -> list[date]:
    return [date.fromisoformat(v) for v in values]


def _plan(fill: RollupFill, run_id: str, *, rebuild: bool) -> dict | None:
    head = watermarks_now()
    if rebuild or not fill.built:
        _, head.gaps = gaps_after(Watermarks(event_id=max(0, head.event_id - GAP_WINDOW)), head)
        plan = {"kind": "rebuild", "head": head.as_json(), "generation": fill.generation + 1, "done": []}
        _save(run_id, plan=plan, building=fill.generation + 1)
        return plan
    found = plan_changes(Watermarks.of(fill), head)
    if len(found.days) > REBUILD_OVER_DAYS:
        _, head.gaps = gaps_after(Watermarks(event_id=max(0, head.event_id - GAP_WINDOW)), head)
        plan = {"kind": "rebuild", "head": head.as_json(), "generation": fill.generation + 1, "done": [],
                "dirty": _iso(found.dirty)}
        with transaction.atomic():
            _save(run_id, plan=plan, building=fill.generation + 1)
            DirtyDay.objects.filter(day__in=found.dirty).delete()
        return plan
    candidates = found.dim_candidates | leads_active_on(found.days)
    changed = _changed_dims(candidates)
    deal_days = found.deal_days | deal_days_of_leads(set(changed))
    if not (found.days or changed or deal_days) and head.heads() == Watermarks.of(fill).heads():
        return None
    plan = {"kind": "update", "head": head.as_json(), "days": _iso(found.days), "all_days": _iso(found.days),
            "deal_days": _iso(deal_days), "dims": sorted(changed), "seq": 0, "dirty": _iso(found.dirty),
            "counts": {"days": len(found.days), "leads": len(changed), "rows": 0}}
    with transaction.atomic():
        _save(run_id, plan=plan)
        DirtyDay.objects.filter(day__in=found.dirty).delete()
    return plan


#: The leads' current dimension values read by this run's plan, reused by its chunks (same run, same process):
#: the plan's watermarks were taken before they were read, so what changed after is the next run's work.
_planned_dims: contextvars.ContextVar[LeadDims | None] = contextvars.ContextVar("planned_dims", default=None)


def _current_dims(lead_ids) -> LeadDims:
    planned = _planned_dims.get()
    held = planned.subset(lead_ids) if planned is not None else None
    return held if held is not None else lead_dims(lead_ids)


def _changed_dims(lead_ids: set[int]) -> list[int]:
    """Leads whose stored dimension values differ from their current ones."""
    if not lead_ids:
        return []
    stored = dims_from_rows(rr.snapshot_rows(lead_ids))
    current = lead_dims(stored.lead_ids.tolist())
    _planned_dims.set(current)
    return _differing(stored, current)


def _differing(stored, current) -> list[int]:
    return differing_leads(stored, current)


def _journal(run_id: str, plan: dict, table: str, *, days=(), keys=(), rows=()) -> None:
    plan["seq"] += 1
    RollupJournal.objects.create(run_id=run_id, seq=plan["seq"], table=table, days=_iso(days),
                                 keys=[_plain(k) if isinstance(k, list | tuple) else k for k in keys],
                                 rows=[_plain(r) for r in rows])


def _plain(row) -> list:
    return [v.isoformat() if isinstance(v, date) else str(v) if not isinstance(v, int | str) else v
            for v in (row if isinstance(row, list | tuple) else [row])]


def _dims_chunk(run_id: str, plan: dict, leads: list[int], generation: int, head_event: int) -> None:
    events = lead_events(leads)
    known = events.id <= head_event  # what the stored rows were counted from (later events: the next run's)
    events = EventArrays(events.stages, events.lead[known], events.stage[known], events.at[known], events.id[known])
    old = dims_from_rows(rr.snapshot_rows(leads))
    new = _current_dims(old.lead_ids.tolist())
    deltas = rr.dims_delta_rows(events, old, new, exclude_days=_dates(plan["all_days"]))
    before = rr.apply_stage_deltas(generation, deltas)
    _journal(run_id, plan, "stage", keys={tuple(r[:4]) for r in deltas}, rows=before)
    rewritten, was = rr.replace_snapshot(new)
    _journal(run_id, plan, "lead", keys=rewritten, rows=was)
    plan["counts"]["rows"] += len(deltas)


def _days_chunk(run_id: str, plan: dict, days: list[date], generation: int, head_event: int) -> None:
    leads = leads_active_on(days)
    dims = _current_dims(leads)
    before = rr.snapshot_rows(leads)
    drifted = _differing(dims_from_rows(before), dims)
    if drifted:  # dimension values changed since the plan was made: move the rest of their rows first
        _dims_chunk(run_id, plan, drifted, generation, head_event)
        plan["counts"]["leads"] += len(drifted)
        before = rr.snapshot_rows(leads)
    events = lead_events(leads)
    rows = rr.stage_rows(events, dims, keep_days=days)
    _journal(run_id, plan, "stage", days=days, rows=rr.stage_rows_on(generation, days))
    rr.replace_stage_days(generation, days, rows)
    rewritten, was = rr.replace_snapshot(dims, before=before)
    _journal(run_id, plan, "lead", keys=rewritten, rows=was)
    plan["counts"]["rows"] += len(rows)


def _deal_chunk(run_id: str, plan: dict, days: list[date], generation: int) -> None:
    from tandem.reporting.fetch import day_bounds

    where = Q()
    for day in days:
        start, end = day_bounds(day)
        where |= Q(closed_at__gte=start, closed_at__lt=end)
    rows = rr.deal_rows(opportunities_fetch(where), keep_days=days)
    _journal(run_id, plan, "deal", days=days, rows=rr.deal_rows_on(generation, days))
    rr.replace_deal_days(generation, days, rows)
    plan["counts"]["rows"] += len(rows)


def _continue(run_id: str, plan: dict) -> RollupRun:
    generation = fill_state().generation
    head_event = plan["head"]["event_id"]
    while plan["dims"]:
        chunk, plan["dims"] = plan["dims"][:LEADS_PER_CHUNK], plan["dims"][LEADS_PER_CHUNK:]
        with transaction.atomic():
            _dims_chunk(run_id, plan, chunk, generation, head_event)
            _save(run_id, plan=plan)
    while plan["days"]:
        chunk, plan["days"] = _dates(plan["days"][:DAYS_PER_CHUNK]), plan["days"][DAYS_PER_CHUNK:]
        with transaction.atomic():
            _days_chunk(run_id, plan, chunk, generation, head_event)
            _save(run_id, plan=plan)
    while plan["deal_days"]:
        chunk, plan["deal_days"] = _dates(plan["deal_days"][:DAYS_PER_CHUNK]), plan["deal_days"][DAYS_PER_CHUNK:]
        with transaction.atomic():
            _deal_chunk(run_id, plan, chunk, generation)
            _save(run_id, plan=plan)
    head = Watermarks.from_json(plan["head"])
    with transaction.atomic():
        _save(run_id, status=FillStatus.IDLE, plan={}, run_id="", finished_at=clock.now(),
              **_watermark_fields(head))
        RollupFill.objects.filter(name=FILL).update(runs=F("runs") + 1)
        RollupJournal.objects.filter(run_id=run_id).delete()
    counts = plan["counts"]
    return RollupRun("update", counts["days"], counts["leads"], counts["rows"], generation=generation)


def _watermark_fields(head: Watermarks) -> dict:
    return {"event_id": head.event_id, "gaps": head.gaps, "merge_id": head.merge_id,
            "assignment_id": head.assignment_id, "audit_id": head.audit_id, "touch_id": head.touch_id}


def _rebuild(run_id: str, plan: dict) -> RollupRun:
    generation = plan["generation"]
    events = events_fetch(where="e.id <= %s", params=[plan["head"]["event_id"]])
    dims = lead_dims()
    rows = 0
    if "stages" not in plan["done"]:
        computed = rr.stage_rows(events, dims)
        with transaction.atomic():
            StageRollup.objects.filter(generation=generation).delete()
            rows += rr.insert_stage_rows(generation, computed)
            plan["done"].append("stages")
            _save(run_id, plan=plan)
    if "deals" not in plan["done"]:
        with transaction.atomic():
            DealRollup.objects.filter(generation=generation).delete()
            rows += rr.insert_deal_rows(generation, rr.deal_rows(opportunities_fetch(Q(closed_at__isnull=False)),
                                                                 dims=dims))
            plan["done"].append("deals")
            _save(run_id, plan=plan)
    head = Watermarks.from_json(plan["head"])
    with transaction.atomic():
        RollupLead.objects.all().delete()
        rr.insert_snapshot(dims.rows())
        StageRollup.objects.exclude(generation=generation).delete()
        DealRollup.objects.exclude(generation=generation).delete()
        _save(run_id, status=FillStatus.IDLE, plan={}, run_id="", generation=generation, building=None, built=True,
              finished_at=clock.now(), **_watermark_fields(head))
        RollupFill.objects.filter(name=FILL).update(runs=F("runs") + 1)
    days = len(np.unique(events.at // 86_400))
    return RollupRun("rebuild", days, len(dims), rows, generation=generation)


def rollup_undo(*, force: bool = False) -> RollupRun:
    """Undo an interrupted (or failed) run: every row it replaced is put back; the watermarks stay."""
    fill = fill_state()
    if fill.status == FillStatus.IDLE:
        return RollupRun("nothing", generation=fill.generation, message="no run to undo")
    if _busy(fill) and not force:
        return RollupRun("busy", message=f"run {fill.run_id} is still working; stop it first or use --force")
    plan, run_id = fill.plan or {}, fill.run_id
    with transaction.atomic():
        if plan.get("kind") == "rebuild":
            StageRollup.objects.filter(generation=plan["generation"]).delete()
            DealRollup.objects.filter(generation=plan["generation"]).delete()
        for entry in RollupJournal.objects.filter(run_id=run_id).order_by("-seq"):
            _restore(entry, fill.generation)
        for day in plan.get("dirty", []):
            DirtyDay.objects.get_or_create(day=date.fromisoformat(day))
        RollupJournal.objects.filter(run_id=run_id).delete()
        RollupFill.objects.filter(pk=fill.pk).update(status=FillStatus.IDLE, plan={}, run_id="", building=None,
                                                    message=f"run {run_id} undone")
    return RollupRun("undone", generation=fill.generation, message=f"run {run_id} undone")


def _restore(entry: RollupJournal, generation: int) -> None:
    if entry.table == "lead":
        RollupLead.objects.filter(lead_id__in=entry.keys).delete()
        rr.insert_snapshot([tuple(r) for r in entry.rows])
        return
    model, insert = (StageRollup, rr.insert_stage_rows) if entry.table == "stage" else \
        (DealRollup, rr.insert_deal_rows)
    if entry.days:
        model.objects.filter(generation=generation, day__in=_dates(entry.days)).delete()
    for dimension, value, day, stage in entry.keys:
        model.objects.filter(generation=generation, dimension=dimension, value=value, day=day, stage=stage).delete()
    rows = [tuple(date.fromisoformat(v) if i == 2 else v for i, v in enumerate(r)) for r in entry.rows]
    insert(generation, rows)


def reporting_ledger_changed(days: set[date]) -> RollupRun:
    """The hook for back-dated writes (imports): re-aggregate these UTC days now, or on the next run if busy."""
    # One statement for any number of days; a day already marked stays as it is (its unique key refuses the copy).
    DirtyDay.objects.bulk_create([DirtyDay(day=day) for day in sorted(days)], ignore_conflicts=True, batch_size=2000)
    run = rollup_update()
    logger.info("ledger changed on %d day(s): rollup %s", len(days), run.kind)
    return run
