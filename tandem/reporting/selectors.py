"""Reads for every consumer of the numbers: `report_data(name, filter)` is the one entry point.

The API (`GET /api/v1/reports/{name}`), the CLI (`tandem report NAME`), the dashboard and the packs
all call it, and print it with tandem.reporting.serialize, so they show the same figures.

Before reading, the rollups are brought up to date when the ledger has moved past them and no
other run is working (`rollups_fresh`). Every report is kept in ReportCache for as long as the
ledger has not changed (the cache key holds the head of every change feed and the UTC day), so a
dashboard seen twice is computed once; a new event, edit, merge or touch makes the next read fresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from tandem import clock
from tandem.goals.selectors import goal_list, goal_plan
from tandem.leads.errors import LeadInvalid
from tandem.reporting import economics_reports, funnel_reports, pipeline_reports, team_reports
from tandem.reporting.filters import ReportFilter
from tandem.reporting.funnel_reports import meta
from tandem.reporting.models import DirtyDay, ReportCache
from tandem.reporting.outputs import GoalOut, Goals, GoalStepOut
from tandem.reporting.rollup_plan import watermarks_now
from tandem.reporting.serialize import to_data

logger = logging.getLogger(__name__)
#: Part of every cache key: bump it when a cached report's shape or computation changes.
CACHE_VERSION = 3


def goals_report(f: ReportFilter) -> Goals:
    """Every goal overlapping the period (in the segment, if one is asked for) with its plan and progress."""
    goals = []
    for goal in goal_list(period=f.period, segment=f.get("segment")):
        plan = goal_plan(goal=goal)
        steps = tuple(GoalStepOut(s.stage, s.needed, s.achieved, s.recent, s.by_day.isoformat(), s.rate_to_next,
                                  s.days_to_next, s.remaining, s.projected_share, s.sentence) for s in plan.steps)
        goals.append(GoalOut(goal.pk, goal.name, goal.period, goal.segment, goal.currency, goal.target,
                             plan.won_amount, plan.won_deals, plan.progress_share, goal.agreed,
                             str(goal.marketing_owner or ""), str(goal.sales_owner or ""), plan.average_deal,
                             plan.required_coverage, plan.pipeline_needed, plan.lookback.label, plan.problem, steps))
    return Goals(meta("goals", f, "ledger", ("reverse_waterfall", "waterfall_deadline", "gap_projection",
                                             "required_coverage")), tuple(goals))


#: name -> (function, cached, options it accepts)
REPORTS: dict[str, tuple[Callable[..., Any], bool, tuple[str, ...]]] = {
    "funnel": (funnel_reports.funnel_report, True, ()),
    "conversion": (funnel_reports.conversion_report, True, ()),
    "time-in-stage": (funnel_reports.time_in_stage_report, True, ()),
    "velocity": (pipeline_reports.velocity_report, True, ("currency",)),
    "coverage": (pipeline_reports.coverage_report, True, ("quota", "lookback_days", "currency")),
    "sourcing": (pipeline_reports.sourcing_report, True, ("currency",)),
    "sla": (team_reports.sla_report, True, ()),
    "reasons": (team_reports.reasons_report, True, ()),
    "economics": (economics_reports.economics_report, True, ("currency",)),
    "attribution": (team_reports.attribution_report, True, ("model",)),
    "goals": (goals_report, True, ()),
}
REPORT_NAMES = tuple(REPORTS)


def ledger_head() -> dict[str, Any]:
    head = watermarks_now()
    return {"event": head.event_id, "merge": head.merge_id, "assignment": head.assignment_id,
            "audit": head.audit_id, "touch": head.touch_id}


def rollups_fresh() -> None:
    """Catch the rollups up with the ledger when it moved on and no other run is busy (cheap when nothing did)."""
    from tandem.reporting.rollups import fill_state, rollup_update

    fill = fill_state()
    head = ledger_head()
    known = {"event": fill.event_id, "merge": fill.merge_id, "assignment": fill.assignment_id,
             "audit": fill.audit_id, "touch": fill.touch_id}
    if fill.built and head == known and not DirtyDay.objects.exists():
        return
    try:
        rollup_update()
    except Exception:  # a failed catch-up must not take the reports down: they read the last good rollups
        logger.exception("the rollups could not be brought up to date; reporting from the last run")


class NotCached(LookupError):
    """The report is not in the cache at the ledger state asked for (`cached_only`)."""


def _cache_key(name: str, f: ReportFilter, options: dict[str, Any], head: dict[str, Any] | str) -> str:
    """The key of the report at this ledger state (or under another tag, such as the dashboard's "latest")."""
    raw = json.dumps([CACHE_VERSION, name, f.query(), sorted((k, str(v)) for k, v in options.items()), head,
                      clock.now().date().isoformat()], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def cache_read(name: str, f: ReportFilter, head: dict[str, Any] | str) -> tuple[Any, Any] | None:
    """(value, when stored) under a key of `_cache_key`, or None."""
    row = ReportCache.objects.filter(key=_cache_key(name, f, {}, head)).values_list("payload", "created_at").first()
    return (json.loads(row[0]), row[1]) if row else None


def cache_write(name: str, f: ReportFilter, head: dict[str, Any] | str, value: Any, *, replace: bool = False) -> None:
    key, payload = _cache_key(name, f, {}, head), json.dumps(value, ensure_ascii=False)
    _store(key, payload, replace=replace)


def _store(key: str, payload: str, *, replace: bool = False) -> None:
    try:
        with transaction.atomic():
            if replace:
                ReportCache.objects.update_or_create(key=key, defaults={"payload": payload, "created_at": clock.now()})
            else:
                ReportCache.objects.create(key=key, payload=payload)
    except IntegrityError:
        pass  # computed at the same time by another request: the same figures


def report_data(name: str, f: ReportFilter, *, fresh: bool = True, head: dict[str, Any] | None = None,
                cached_only: bool = False, **options: Any) -> dict[str, Any]:
    """The report as JSON-ready data (the serializer's output), computed once per ledger state if it is costly.

    A caller making many reports at once (the dashboard) checks freshness once and passes `fresh=False`
    and the `ledger_head()` it read. With `cached_only`, a report not cached at `head` raises NotCached
    instead of being computed (the dashboard reading its figures at an earlier head).
    """
    if name not in REPORTS:
        raise LeadInvalid(f"unknown report {name!r}; one of: {', '.join(REPORT_NAMES)}", field="report")
    function, cached, accepted = REPORTS[name]
    unknown = {k for k, v in options.items() if v is not None} - set(accepted)
    if unknown:
        raise LeadInvalid(f"the {name} report does not take {sorted(unknown)[0]}", field=sorted(unknown)[0])
    options = {k: v for k, v in options.items() if v is not None}
    if fresh:
        rollups_fresh()
    if not cached:
        return to_data(function(f, **options))
    key = _cache_key(name, f, options, head or ledger_head())
    hit = ReportCache.objects.filter(key=key).values_list("payload", flat=True).first()
    if hit is not None:
        return json.loads(hit)
    if cached_only:
        raise NotCached(name)
    data = to_data(function(f, **options))
    _store(key, json.dumps(data, ensure_ascii=False))
    return data


def report_cache_prune(*, keep: int = 2000) -> int:
    """Drop all but the newest cached reports (the cache only grows with new ledger states)."""
    newest = ReportCache.objects.order_by("-id").values_list("id", flat=True)[keep:keep + 1]
    cut = next(iter(newest), None)
    return ReportCache.objects.filter(id__lte=cut).delete()[0] if cut else 0
