"""Loading the facts the maths needs: stage events as arrays, opportunities and touches as core records.

Load, then compute: everything here returns plain arrays or tandem.core dataclasses, read with
one SQL statement per chunk (no model instances), so a million leads load in seconds.
Instants come back as int64 epoch seconds (floored), computed by the database.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.db import connection
from django.db.models import Q

from tandem.core.funnel import DEFAULT_STAGES, Dimension, Ledger
from tandem.core.pipeline import Opportunity as CoreOpportunity
from tandem.leads.models import StageEvent
from tandem.opportunities.models import Opportunity
from tandem.reporting.dimensions import LeadDims
from tandem.reporting.id_lists import id_chunks, in_sql
from tandem.taxonomy.selectors import taxonomy_current

FETCH_ROWS = 200_000
AGG_CHUNK = 500_000


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def epoch_sql(column: str) -> str:
    """SQL for a datetime column as whole epoch seconds (UTC)."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def day_sql(column: str) -> str:
    """SQL for the UTC calendar day of a datetime column."""
    if connection.vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') AS DATE)"
    return f"date({column})"


def ledger_stages() -> tuple[str, ...]:
    """The waterfall's stages, then any other stage of the taxonomy in force (custom stages)."""
    _, taxonomy = taxonomy_current()
    extra = tuple(s.key for s in sorted(taxonomy.stages, key=lambda s: s.order) if s.key not in DEFAULT_STAGES)
    return DEFAULT_STAGES + extra


@dataclass(frozen=True, eq=False)
class EventArrays:
    """Stage events in the order they were recorded: lead ids, stage codes into `stages`, epoch seconds."""

    stages: tuple[str, ...]
    lead: np.ndarray
    stage: np.ndarray
    at: np.ndarray
    id: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.lead.size)

    def ledger(self, dims: LeadDims | None = None, names: Sequence[str] = ()) -> Ledger:
        """The core Ledger, each event labelled with its lead's value in the `names` dimensions."""
        labelled = {}
        if dims is not None and names:
            where = np.searchsorted(dims.lead_ids, self.lead)
            where = np.minimum(where, max(dims.lead_ids.size - 1, 0))
            known = dims.lead_ids.size > 0 and bool(np.all(dims.lead_ids[where] == self.lead)) if self.lead.size \
                else True
            if not known:
                raise ValueError("some events belong to leads whose dimensions were not loaded")
            for name in names:
                codes = dims.codes[name][where] if self.lead.size else np.zeros(0, np.int32)
                labelled[name] = Dimension(tuple(dims.labels[name]), codes.astype(np.int32))
        return Ledger.build(self.lead, self.stage, self.at, stages=self.stages, dims=labelled)


def _stage_case(stages: Sequence[str]) -> tuple[str, list[str]]:
    whens = " ".join("WHEN %s THEN " + str(i) for i in range(len(stages)))
    return f"CASE e.to_stage {whens} ELSE -1 END", list(stages)


def int_columns(exprs: Sequence[str], expr_params: Sequence, table: str, *, where: str = "", joins: str = "",
                params: Sequence = (), chunk: int = AGG_CHUNK, after_id: int | None = None,
                upto_id: int | None = None) -> list[np.ndarray]:
    """Integer columns of the rows of `table` (alias e) matching `where`, as int64 arrays in id order.

    The database aggregates each chunk of ids into one text per column, which numpy parses: a
    million rows cost a few queries instead of a million Python tuples.
    """
    with connection.cursor() as cursor:
        # two subqueries: SQLite answers MIN and MAX of the key from the index only one at a time
        cursor.execute(f"SELECT (SELECT MIN(id) FROM {table}), (SELECT MAX(id) FROM {table})")  # noqa: S608
        low, high = cursor.fetchone()
        if low is None:
            return [np.zeros(0, dtype=np.int64) for _ in exprs]
        low = low if after_id is None else max(low, after_id + 1)
        high = high if upto_id is None else min(high, upto_id)
        extra = f" AND ({where})" if where else ""
        postgres = connection.vendor == "postgresql"
        columns = [[] for _ in range(len(exprs) + postgres)]
        # PostgreSQL aggregates in no promised order: its ids come too, to put the rows in id order
        inner = ", ".join(f"{expr} AS c{i}" for i, expr in enumerate([*exprs, *(["e.id"] if postgres else [])]))
        outer = ", ".join(f"string_agg(CAST(c{i} AS TEXT), ',')" if postgres else f"group_concat(c{i}, ',')"
                          for i in range(len(columns)))
        sql = (f"SELECT {outer} FROM (SELECT {inner} FROM {table} e {joins} "  # noqa: S608 - from the code
               f"WHERE e.id > %s AND e.id <= %s{extra}) chunk")
        for first in range(low - 1, high, chunk):
            cursor.execute(sql, [*expr_params, first, first + chunk, *params])
            row = cursor.fetchone()
            if row and row[0]:
                for i, text in enumerate(row):
                    columns[i].append(np.fromstring(text, dtype=np.int64, sep=","))
    arrays = [np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64) for parts in columns]
    if postgres:
        order = np.argsort(arrays.pop(), kind="stable")
        arrays = [a[order] for a in arrays]
    return arrays


STAGE_SHIFT = 36  # epoch seconds fit below 2**36 (until the year 4147)


def events_fetch(*, lead_ids: Iterable[int] | None = None, where: str = "", params: Sequence = (),
                 stages: tuple[str, ...] | None = None, with_ids: bool = False,
                 after_id: int | None = None, upto_id: int | None = None) -> EventArrays:
    """Stage events of these leads (None: every lead), optionally narrowed by SQL `where` on alias e.

    Events come in id order (the order they were recorded); Ledger.build orders them by lead and time
    and keeps that order for events of one lead at the same second.
    """
    stages = stages or ledger_stages()
    case, case_params = _stage_case(stages)
    table = _q(StageEvent._meta.db_table)
    if lead_ids is None:
        packed = f"(({case}) + 1) * {2 ** STAGE_SHIFT} + {epoch_sql('e.occurred_at')}"
        columns = ["e.lead_id", packed, *(["e.id"] if with_ids else [])]
        lead, both, *rest = int_columns(columns, case_params, table, where=where, params=params, after_id=after_id,
                                        upto_id=upto_id)
        stage, at = (both >> STAGE_SHIFT) - 1, both & (2 ** STAGE_SHIFT - 1)
        ids = rest[0] if rest else None
    else:
        base = f"SELECT e.lead_id, {case}, {epoch_sql('e.occurred_at')}, e.id FROM {table} e"  # noqa: S608
        parts: list[np.ndarray] = []
        with connection.cursor() as cursor:
            for clause, args in _clauses(lead_ids, where, params):
                cursor.execute(base + clause, [*case_params, *args])
                while rows := cursor.fetchmany(FETCH_ROWS):
                    parts.append(np.array(rows, dtype=np.int64).reshape(-1, 4))
        data = np.concatenate(parts) if parts else np.zeros((0, 4), dtype=np.int64)
        order = np.argsort(data[:, 3], kind="stable")
        lead, stage, at, ids = (data[order, i] for i in range(4))
    if (stage < 0).any():
        unknown = sorted(StageEvent.objects.exclude(to_stage__in=stages).values_list("to_stage", flat=True)
                         .distinct()[:5])
        raise ValueError(f"stage events into unknown stages {unknown}; publish a taxonomy that has them")
    return EventArrays(stages, lead, stage.astype(np.int16), at, ids)


class _EventsMemo:
    """The first per-lead events read inside `events_memo()`, for later reads of a subset of its leads."""

    def __init__(self) -> None:
        self.leads: np.ndarray | None = None
        self.events: EventArrays | None = None


_events_memo: contextvars.ContextVar[_EventsMemo | None] = contextvars.ContextVar("events_memo", default=None)


@contextlib.contextmanager
def events_memo():
    """Within this block `lead_events` reads the database once for a set of leads and then serves subsets of it.

    For one rollup run: the events its plan read are those its chunks judge (what is written meanwhile is past
    the run's watermarks, the next run's work)."""
    token = _events_memo.set(_EventsMemo())
    try:
        yield
    finally:
        _events_memo.reset(token)


def lead_events(lead_ids: Iterable[int]) -> EventArrays:
    """Every stage event of these leads, in id order (`events_fetch`), through the memo of `events_memo()`."""
    ids = np.unique(np.fromiter((int(i) for i in lead_ids), dtype=np.int64))
    memo = _events_memo.get()
    if memo is not None and memo.events is not None and np.isin(ids, memo.leads).all():
        held = memo.events
        keep = np.isin(held.lead, ids)
        return EventArrays(held.stages, held.lead[keep], held.stage[keep], held.at[keep],
                           held.id[keep] if held.id is not None else None)
    events = events_fetch(lead_ids=ids.tolist())
    if memo is not None and memo.events is None:
        memo.leads, memo.events = ids, events
    return events


def ids_of(queryset) -> np.ndarray:
    """The ids a queryset selects, as a sorted int64 array (one aggregated text, parsed by numpy)."""
    sql, params = queryset.values("id").query.sql_with_params()
    agg = "string_agg(CAST(id AS TEXT), ',')" if connection.vendor == "postgresql" else "group_concat(id, ',')"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {agg} FROM ({sql}) wanted", list(params))  # noqa: S608 - SQL from the ORM
        text = cursor.fetchone()[0]
    return np.sort(np.fromstring(text, dtype=np.int64, sep=",")) if text else np.zeros(0, dtype=np.int64)


def _clauses(lead_ids: Iterable[int] | None, where: str, params: Sequence) -> Iterable[tuple[str, list]]:
    if lead_ids is None:
        yield (f" WHERE {where}" if where else ""), list(params)
        return
    for chunk in id_chunks(lead_ids):
        clause, args = in_sql("e.lead_id", chunk)
        yield f" WHERE {clause}" + (f" AND ({where})" if where else ""), [*args, *params]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Contiguous runs of days as (first, last) pairs, in order."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def leads_active_on(days: Iterable[date]) -> set[int]:
    """Leads with at least one stage event on one of these UTC days."""
    leads: set[int] = set()
    for first, last in day_runs(days):
        start, _ = day_bounds(first)
        _, end = day_bounds(last)
        leads.update(StageEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
                     .values_list("lead_id", flat=True).distinct())
    return leads


def event_days(lead_ids: Iterable[int], *, since: dict[int, datetime] | None = None) -> set[date]:
    """UTC days on which these leads have stage events (from `since[lead]`'s day on, when given)."""
    ids = sorted({int(i) for i in lead_ids})
    if not ids:
        return set()
    events = lead_events(ids)
    day = events.at // 86_400
    if since:
        lead_sorted = np.array(ids, dtype=np.int64)
        floor = np.array([int(since[i].timestamp()) // 86_400 if i in since else -(2 ** 40) for i in ids],
                         dtype=np.int64)
        day = day[day >= floor[np.searchsorted(lead_sorted, events.lead)]]
    return {date(1970, 1, 1) + timedelta(days=int(d)) for d in np.unique(day)}


def opportunities_fetch(where: Q | None = None) -> list[tuple[CoreOpportunity, dict[str, str]]]:
    """Opportunities as core records, each with the facts its dimensions need (owner, account segment, country)."""
    rows = Opportunity.objects.filter(where or Q()).values_list(
        "id", "lead_id", "account_id", "amount", "currency", "created_at", "closed_at", "outcome", "reason_code",
        "owner_id", "account__segment", "account__country").order_by("id")
    return [(CoreOpportunity(pk, lead, account, amount, currency, created, closed, outcome, reason or ""),
             {"owner": str(owner) if owner else "", "segment": segment or "", "country": country or ""})
            for pk, lead, account, amount, currency, created, closed, outcome, reason, owner, segment, country in rows]
