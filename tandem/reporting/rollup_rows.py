"""Computing rollup rows with the core, and writing them: whole days, dimension deltas, closed deals.

Rows are tuples in the column order of `STAGE_COLUMNS` / `DEAL_COLUMNS`. Every computation goes
through tandem.core.rollup (daily_rollup, combine, daily_deal_rollup): this module only loads,
filters by day and writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection

from tandem.core import rollup as core_rollup
from tandem.core.funnel import Dimension, Ledger
from tandem.core.pipeline import Opportunity as CoreOpportunity
from tandem.reporting.choices import DIMENSIONS
from tandem.reporting.dimensions import LeadDims, differing_leads, dims_from_rows, lead_dims
from tandem.reporting.fetch import EventArrays
from tandem.reporting.id_lists import id_chunks, in_q
from tandem.reporting.models import DealRollup, RollupLead, StageRollup

EPOCH_DAY = date(1970, 1, 1)
KEY_COLUMNS = ("dimension", "value", "day", "stage")
STAGE_COLUMNS = (*KEY_COLUMNS, *core_rollup.COLUMNS)
DEAL_COLUMNS = ("dimension", "value", "day", "outcome", "currency", "count", "amount", "cycle_seconds")
SNAPSHOT_COLUMNS = ("lead_id", *DIMENSIONS)
BREAKDOWNS: tuple[str, ...] = ("", *DIMENSIONS)


def day_number(day: date) -> int:
    return (day - EPOCH_DAY).days


def records(r: core_rollup.DailyRollup, keep: np.ndarray | None, exclude: np.ndarray | None) -> list[tuple]:
    mask = np.ones(len(r), dtype=bool)
    if keep is not None:
        mask &= np.isin(r.day, keep)
    if exclude is not None:
        mask &= ~np.isin(r.day, exclude)
    index = np.flatnonzero(mask)
    if not index.size:
        return []
    dimension = r.dimension or ""
    labels = np.asarray(r.labels if r.labels else ("",), dtype=object)
    stages = np.asarray(r.stages, dtype=object)
    days = r.day[index]
    first = int(days.min())
    calendar = np.asarray([EPOCH_DAY + timedelta(days=first + i) for i in range(int(days.max()) - first + 1)],
                          dtype=object)
    columns = [np.full(index.size, dimension, dtype=object), labels[r.dim[index]], calendar[days - first],
               stages[r.stage[index]], *(r.counts[c][index] for c in core_rollup.COLUMNS)]
    return list(zip(*(c.tolist() for c in columns), strict=True))


def stage_rows(events: EventArrays, dims: LeadDims, *, keep_days: Iterable[date] | None = None) -> list[tuple]:
    """The rollup rows of these events in every breakdown (core `daily_rollups`), only on `keep_days`."""
    keep = None if keep_days is None else np.array(sorted(day_number(d) for d in keep_days), dtype=np.int64)
    ledger = events.ledger(dims, DIMENSIONS)
    rows: list[tuple] = []
    for rollup in core_rollup.daily_rollups(ledger, [name or None for name in BREAKDOWNS]).values():
        rows += records(rollup, keep, None)
    return rows


def dims_delta_rows(events: EventArrays, old: LeadDims, new: LeadDims, *,
                    exclude_days: Iterable[date]) -> list[tuple]:
    """What changing these leads' dimension values from `old` to `new` adds (+) and takes away (−), per row.

    Only the leads whose value changed in a dimension take part in it; totals never change.
    """
    exclude = np.array(sorted(day_number(d) for d in exclude_days), dtype=np.int64)
    rows: list[tuple] = []
    for name in DIMENSIONS:
        changed = [lead for lead in new.lead_ids.tolist() if old.values_of(lead)[name] != new.values_of(lead)[name]]
        if not changed:
            continue
        labels = sorted(set(old.labels[name]) | set(new.labels[name]))
        subset = np.isin(events.lead, np.asarray(changed, dtype=np.int64))
        part = EventArrays(events.stages, events.lead[subset], events.stage[subset], events.at[subset],
                           None if events.id is None else events.id[subset])
        before = _ledger_labelled(part, old, name, labels)
        after = _ledger_labelled(part, new, name, labels)
        delta = core_rollup.subtract(core_rollup.daily_rollup(after, name), core_rollup.daily_rollup(before, name))
        rows += records(delta, None, exclude)
    return rows


def _ledger_labelled(events: EventArrays, dims: LeadDims, name: str, labels: list[str]) -> Ledger:
    where = np.searchsorted(dims.lead_ids, events.lead)
    names = np.asarray(dims.labels[name], dtype=object)[dims.codes[name][where]] if events.lead.size else []
    position = {label: i for i, label in enumerate(labels)}
    codes = np.fromiter((position[v] for v in names), dtype=np.int32, count=len(names))
    return Ledger.build(events.lead, events.stage, events.at, stages=events.stages,
                        dims={name: Dimension(tuple(labels), codes)})


def deal_rows(deals: Sequence[tuple[CoreOpportunity, dict[str, str]]], *,
              keep_days: Iterable[date] | None = None, dims: LeadDims | None = None) -> list[tuple]:
    """Closed opportunities as rollup rows in every breakdown (core daily_deal_rollup per value).

    `dims` are the leads' values when the caller has them already (a rebuild loads every lead's).
    """
    keep = None if keep_days is None else set(keep_days)
    closed = [(o, facts) for o, facts in deals if o.closed_at is not None
              and (keep is None or o.closed_at.date() in keep)]
    leads = dims if dims is not None else lead_dims({o.lead_id for o, _ in closed if o.lead_id})
    groups: dict[tuple[str, str], list[CoreOpportunity]] = defaultdict(list)
    for o, facts in closed:
        values = leads.values_of(o.lead_id) if o.lead_id else {d: "" for d in DIMENSIONS}
        values.update(facts)
        groups["", ""].append(o)
        for name in DIMENSIONS:
            groups[name, values[name]].append(o)
    rows = []
    for (name, value), members in sorted(groups.items()):
        rows += [(name, value, d.day, d.outcome, d.currency, d.count, d.amount, d.cycle_seconds)
                 for d in core_rollup.daily_deal_rollup(members)]
    return rows


# --- writing -----------------------------------------------------------------------------------------------

def _insert(model, columns: Sequence[str], rows: Sequence[tuple]) -> int:
    """Insert plain tuples fast: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY in text form, written in large blocks
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for start in range(0, len(rows), 50_000):
                    copy.write("".join("\t".join(map(_copy_text, row)) + "\n"
                                       for row in rows[start:start + 50_000]))
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 - names from the model
                               [tuple(_sqlite(v) for v in row) for row in rows])
    return len(rows)


def _sqlite(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def insert_stage_rows(generation: int, rows: Sequence[tuple]) -> int:
    return _insert(StageRollup, ("generation", *STAGE_COLUMNS), [(generation, *r) for r in rows])


def insert_deal_rows(generation: int, rows: Sequence[tuple]) -> int:
    return _insert(DealRollup, ("generation", *DEAL_COLUMNS), [(generation, *r) for r in rows])


def insert_snapshot(rows: Iterable[tuple]) -> int:
    return _insert(RollupLead, SNAPSHOT_COLUMNS, list(rows))


def _copy_text(value) -> str:
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def stage_rows_on(generation: int, days: Iterable[date]) -> list[tuple]:
    return list(StageRollup.objects.filter(generation=generation, day__in=sorted(set(days)))
                .values_list(*STAGE_COLUMNS))


def deal_rows_on(generation: int, days: Iterable[date]) -> list[tuple]:
    return list(DealRollup.objects.filter(generation=generation, day__in=sorted(set(days)))
                .values_list(*DEAL_COLUMNS))


def replace_stage_days(generation: int, days: Sequence[date], rows: Sequence[tuple]) -> int:
    StageRollup.objects.filter(generation=generation, day__in=days).delete()
    return insert_stage_rows(generation, rows)


def replace_deal_days(generation: int, days: Sequence[date], rows: Sequence[tuple]) -> int:
    DealRollup.objects.filter(generation=generation, day__in=days).delete()
    return insert_deal_rows(generation, rows)


def apply_stage_deltas(generation: int, deltas: Sequence[tuple]) -> list[tuple]:
    """Add delta rows to the stored rows (creating and dropping rows as needed); returns the rows before."""
    if not deltas:
        return []
    keys = {tuple(r[:4]) for r in deltas}
    days = sorted({k[2] for k in keys})
    dimensions = sorted({k[0] for k in keys})
    found = StageRollup.objects.filter(generation=generation, dimension__in=dimensions, day__in=days) \
        .values_list("id", *STAGE_COLUMNS)
    existing = {tuple(r[1:5]): r for r in found if tuple(r[1:5]) in keys}
    sums: dict[tuple, list[int]] = {k: list(existing[k][5:]) if k in existing else [0] * len(core_rollup.COLUMNS)
                                    for k in keys}
    for r in deltas:
        total = sums[tuple(r[:4])]
        for i, v in enumerate(r[4:]):
            total[i] += int(v)
    if any(v < 0 for total in sums.values() for v in total):
        raise ValueError("a dimension delta would make a rollup count negative: the snapshot is out of step; "
                         "run `tandem report rollup --rebuild`")
    ids = [r[0] for r in existing.values()]
    for chunk in id_chunks(ids):
        StageRollup.objects.filter(in_q("id", chunk)).delete()
    insert_stage_rows(generation, [(*k, *v) for k, v in sums.items() if any(v)])
    return [r[1:] for r in existing.values()]


def snapshot_rows(lead_ids: Iterable[int]) -> list[tuple]:
    rows: list[tuple] = []
    for chunk in id_chunks(lead_ids):
        rows += RollupLead.objects.filter(in_q("lead_id", chunk)).values_list(*SNAPSHOT_COLUMNS)
    return rows


def replace_snapshot(dims: LeadDims, before: list[tuple] | None = None) -> tuple[list[int], list[tuple]]:
    """Store these leads' current values where they changed (or were not stored yet).

    Returns (the leads rewritten, their rows as they were); `before` is the leads' stored rows, if the caller
    read them already.
    """
    ids = dims.lead_ids.tolist()
    before = snapshot_rows(ids) if before is None else before
    stored = dims_from_rows(before)
    changed = sorted(set(differing_leads(dims, stored)) | (set(ids) - set(stored.lead_ids.tolist())))
    if not changed:
        return [], []
    for chunk in id_chunks(changed):
        RollupLead.objects.filter(in_q("lead_id", chunk)).delete()
    insert_snapshot(dims.subset(changed).rows())
    wanted = set(changed)
    return changed, [row for row in before if row[0] in wanted]
