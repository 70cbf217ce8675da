"""Daily rollups of the ledger and of closed deals, and the figures recomputed from them.

A stage rollup row is one (UTC day, stage, dimension value) with integer columns:

* ``entries`` and ``exits`` (as in tandem.core.flow), ``exit_seconds``: the summed length of
  the stays that ended that day;
* ``first_day`` … ``first_year``: entries that were the lead's first into that stage within
  the UTC day / ISO week / month / quarter / year containing the event.

What rollups reproduce exactly (the tests prove rollup figure == ledger figure):

* period flow (entries, exits, opening and closing stock) for any day-aligned periods;
* funnel entrants (distinct leads) for a whole UTC day, week, month, quarter or year, by
  summing its ``first_<kind>`` column. Daily distinct counts cannot simply be summed: a lead
  entering MQL on 3 and 20 March is one March entrant. Distinct leads over an arbitrary
  span (e.g. the last 30 days) need the ledger;
* mean time in stage (exit_seconds ÷ exits); win rate, average deal size and mean sales
  cycle from the deal rollup.

Raw ledger only: median/p90 time in stage, cohort conversion and days to convert, speed to
lead, distinct leads over arbitrary spans, median sales cycle.

Dimensions: an entry counts under its event's value; an exit under the value of the stay it
ends (that stay's entering event). First-entry flags are per (lead, stage, period) whatever
the dimension, so totals are exact and per-value distinct counts are exact when the value is
constant per lead (source, origin campaign, segment).

Additivity: every column is a sum over leads, so the rollup of disjoint sets of leads is
the sum of their rollups (`combine`). A day's rows depend on each lead's earlier events (the
stage it leaves, earlier entries in the same week, month …), so an incremental job must
recompute touched leads over their whole history (`Ledger.for_leads`), `subtract` their old
contribution and `combine` the new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from tandem.core.flow import (
    Flow,
    FunnelReport,
    assemble_flow,
    binned_counts,
    first_entry_flags,
    funnel_from_counts,
    unit_seconds,
)
from tandem.core.funnel import ACTIVE_STAGES, FUNNEL_STAGES, Ledger
from tandem.core.periods import DAY_S, KINDS, Period, period_edges
from tandem.core.pipeline import ZERO, DealSize, MixedCurrencies, Opportunity, SalesCycle, WinRate

FIRST_COLUMNS: tuple[str, ...] = tuple(f"first_{kind}" for kind in KINDS)
COLUMNS: tuple[str, ...] = ("entries", "exits", "exit_seconds", *FIRST_COLUMNS)
_EPOCH_DATE = date(1970, 1, 1)
_DENSE_LIMIT = 16_000_000  # widest key range for the bincount path (a bool and an int32 array of it)


@dataclass(frozen=True, eq=False)
class DailyRollup:
    """Parallel arrays: `day` (days since 1970-01-01), `stage` and `dim` codes, one int64 array per column."""

    stages: tuple[str, ...]
    dimension: str | None
    labels: tuple[str, ...]
    day: np.ndarray
    stage: np.ndarray
    dim: np.ndarray
    counts: Mapping[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.day.size)

    def records(self) -> list[dict[str, object]]:
        """Rows for storage: day (date), stage key, dimension label ("" without one) and the columns."""
        return [{"day": _EPOCH_DATE + timedelta(days=int(self.day[i])), "stage": self.stages[self.stage[i]],
                 "dimension": self.labels[self.dim[i]] if self.labels else "",
                 **{c: int(self.counts[c][i]) for c in COLUMNS}} for i in range(len(self))]

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]], *, stages: Sequence[str],
                     dimension: str | None = None, labels: Sequence[str] = ()) -> DailyRollup:
        """The inverse of `records` (e.g. rows read back from the rollup table)."""
        rows = list(records)
        labels = tuple(labels)
        dims = [labels.index(r["dimension"]) if labels else 0 for r in rows]
        return cls(tuple(stages), dimension, labels,
                   np.array([(r["day"] - _EPOCH_DATE).days for r in rows], dtype=np.int64),
                   np.array([stages.index(r["stage"]) for r in rows], dtype=np.int16),
                   np.array(dims, dtype=np.int32),
                   {c: np.array([r[c] for r in rows], dtype=np.int64) for c in COLUMNS})


#: Rows to sum: keys and some columns (None means 1 per row; a missing column means 0).
_Part = tuple[np.ndarray, Mapping[str, np.ndarray | None]]


def _sum_dense(parts: Sequence[_Part], low: int, span: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """bincount over the key range: one pass to find the keys present, then each column on compact slots."""
    present = np.zeros(span, dtype=bool)
    for key, _ in parts:
        present[key - low] = True
    compact = np.cumsum(present, dtype=np.int32) - 1
    size = int(present.sum())
    sums = {c: np.zeros(size, dtype=np.float64) for c in COLUMNS}
    for key, columns in parts:
        slot = compact[key - low]
        for c, v in columns.items():
            sums[c] += np.bincount(slot, weights=v, minlength=size)
    keys = np.flatnonzero(present).astype(np.int64) + low
    return keys, {c: np.rint(v).astype(np.int64) for c, v in sums.items()}


def _sum_sorted(parts: Sequence[_Part]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    key = np.concatenate([k for k, _ in parts])
    columns = {c: np.concatenate([np.ones(k.size, np.int64) if c in cols and cols[c] is None
                                  else cols.get(c, np.zeros(k.size, np.int64)) for k, cols in parts])
               for c in COLUMNS}
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    sums = {c: np.add.reduceat(v[order], starts).astype(np.int64) for c, v in columns.items()}
    return sorted_key[starts], sums


def _sum_by_key(parts: Sequence[_Part]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Distinct keys (sorted) and each column summed per key, exactly in int64."""
    parts = [(k, cols) for k, cols in parts if k.size]
    if not parts:
        return np.zeros(0, np.int64), {c: np.zeros(0, np.int64) for c in COLUMNS}
    low = min(int(k.min()) for k, _ in parts)
    span = max(int(k.max()) for k, _ in parts) - low + 1
    bound = sum(v.size * max(abs(int(v.min())), abs(int(v.max()))) for _, cols in parts for v in cols.values()
                if v is not None)
    if span <= _DENSE_LIMIT and bound < 2**52:  # bincount: fast, and exact in float64 below 2**52
        return _sum_dense(parts, low, span)
    return _sum_sorted(parts)


def _aggregate(stages: tuple[str, ...], dimension: str | None, labels: tuple[str, ...],
               parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, Mapping[str, np.ndarray | None]]]
               ) -> DailyRollup:
    """Sum rows (day, stage, dim, columns) with the same key; rows whose columns are all zero are dropped."""
    width_dim = max(len(labels), 1)
    keyed = [((day.astype(np.int64) * len(stages) + stage) * width_dim + dim, columns)
             for day, stage, dim, columns in parts]
    unique, sums = _sum_by_key(keyed)
    nonzero = np.any(np.vstack([s != 0 for s in sums.values()]), axis=0) if unique.size else np.zeros(0, bool)
    unique = unique[nonzero]
    day = np.floor_divide(unique, len(stages) * width_dim)
    stage = ((unique // width_dim) % len(stages)).astype(np.int16)
    dim = (unique % width_dim).astype(np.int32)
    return DailyRollup(stages, dimension, labels, day, stage, dim, {c: s[nonzero] for c, s in sums.items()})


def daily_rollup(ledger: Ledger, dimension: str | None = None) -> DailyRollup:
    """Per (UTC day, stage, dimension value): entries, exits, exit seconds and first-entry counts."""
    return daily_rollups(ledger, [dimension])[dimension]


def daily_rollups(ledger: Ledger, dimensions: Sequence[str | None]) -> dict[str | None, DailyRollup]:
    """`daily_rollup(ledger, d)` for each dimension d (None: the total), sharing the per-event work.

    The first-entry flags and the stays do not depend on the dimension, so they are found once and
    only the summing is done per dimension: the result for each d is exactly `daily_rollup(ledger, d)`.
    """
    day = np.floor_divide(ledger.at, DAY_S)
    flags = first_entry_flags(ledger, KINDS)
    entries: dict[str, np.ndarray | None] = {"entries": None, **{f"first_{k}": flags[k] for k in KINDS}}
    left = np.flatnonzero(ledger.prev >= 0)
    stay_seconds = ledger.at[left] - ledger.at[left - 1]
    exits: dict[str, np.ndarray | None] = {"exits": None, "exit_seconds": stay_seconds}
    result = {}
    for dimension in dimensions:
        dim_codes = ledger.dims[dimension].codes if dimension else np.zeros(len(ledger), dtype=np.int32)
        labels = tuple(ledger.dims[dimension].labels) if dimension else ()
        result[dimension] = _aggregate(ledger.stages, dimension, labels, [
            (day, ledger.stage, dim_codes, entries),
            (day[left], ledger.prev[left], dim_codes[left - 1], exits),
        ])
    return result


def combine(*rollups: DailyRollup, signs: Sequence[int] | None = None) -> DailyRollup:
    """Sum rollups of disjoint sets of leads (with `signs` -1 to take one away)."""
    if not rollups:
        raise ValueError("nothing to combine")
    first = rollups[0]
    shape = (first.stages, first.dimension, first.labels)
    if any((r.stages, r.dimension, r.labels) != shape for r in rollups):
        raise ValueError("only rollups with the same stages and dimension labels can be combined")
    signs = signs or [1] * len(rollups)
    return _aggregate(first.stages, first.dimension, first.labels,
                      [(r.day, r.stage, r.dim, {c: sign * r.counts[c] for c in COLUMNS})
                       for r, sign in zip(rollups, signs, strict=True)])


def subtract(total: DailyRollup, part: DailyRollup) -> DailyRollup:
    return combine(total, part, signs=[1, -1])


def _day_edges(periods: Sequence[Period]) -> np.ndarray:
    edges = period_edges(periods)
    if (edges % DAY_S).any():
        raise ValueError("rollups hold whole UTC days; periods must start and end at 00:00 UTC")
    return edges // DAY_S


def flow_from_rollup(rollup: DailyRollup, periods: Sequence[Period]) -> Flow:
    """The same Flow as `period_flow(ledger, periods)`, from daily rows (which must cover all history)."""
    edges = _day_edges(periods)
    n = len(rollup.stages)
    entries, entered_before = binned_counts(rollup.day, rollup.stage, edges, n, rollup.counts["entries"])
    exits, exited_before = binned_counts(rollup.day, rollup.stage, edges, n, rollup.counts["exits"])
    return assemble_flow(periods, rollup.stages, entries, exits, entered_before - exited_before)


def _in_period(rollup: DailyRollup, period: Period) -> np.ndarray:
    start, end = _day_edges([period])
    return (rollup.day >= start) & (rollup.day < end)


def funnel_from_rollup(rollup: DailyRollup, period: Period,
                       stages: Sequence[str] = FUNNEL_STAGES) -> FunnelReport:
    """The same FunnelReport as `funnel(ledger, period)` for a whole UTC day, week, month, quarter or year."""
    if period.kind not in KINDS:
        raise ValueError("distinct leads over an arbitrary span cannot be summed from daily rollups; "
                         "use the ledger")
    inside = _in_period(rollup, period)
    weights = rollup.counts[f"first_{period.kind}"][inside]
    counts = np.bincount(rollup.stage[inside], weights=weights, minlength=len(rollup.stages))
    return funnel_from_counts(period, stages, [int(round(counts[rollup.stages.index(s)])) for s in stages])


def mean_time_in_stage_from_rollup(rollup: DailyRollup, period: Period,
                                   stages: Sequence[str] = ACTIVE_STAGES, *,
                                   unit: str = "days") -> dict[str, float | None]:
    """Mean length of stays that ended in the period: exit seconds ÷ exits (equals the ledger's mean)."""
    inside = _in_period(rollup, period)
    result: dict[str, float | None] = {}
    for stage in stages:
        rows = inside & (rollup.stage == rollup.stages.index(stage))
        exits = int(rollup.counts["exits"][rows].sum())
        seconds = int(rollup.counts["exit_seconds"][rows].sum())
        result[stage] = seconds / exits / unit_seconds(unit) if exits else None
    return result


@dataclass(frozen=True)
class DealDay:
    """Closed opportunities of one UTC day, outcome and currency: count, amount, created → closed seconds."""

    day: date
    outcome: str
    currency: str
    count: int
    amount: Decimal
    cycle_seconds: int


def daily_deal_rollup(opportunities: Iterable[Opportunity]) -> tuple[DealDay, ...]:
    sums: dict[tuple[date, str, str], tuple[int, Decimal, int]] = {}
    for o in opportunities:
        if o.closed_at is None:
            continue
        key = (o.closed_at.date(), o.outcome, o.currency)
        count, amount, seconds = sums.get(key, (0, ZERO, 0))
        cycle = int((o.closed_at - o.created_at).total_seconds())
        sums[key] = (count + 1, amount + o.amount, seconds + cycle)
    return tuple(DealDay(d, outcome, cur, *v) for (d, outcome, cur), v in sorted(sums.items()))


def _deal_days(rows: Iterable[DealDay], period: Period, outcome: str | None = None) -> list[DealDay]:
    _day_edges([period])
    start, end = period.start.date(), period.end.date()
    return [r for r in rows if start <= r.day < end and (outcome is None or r.outcome == outcome)]


def win_rate_from_rollup(rows: Iterable[DealDay], period: Period) -> WinRate:
    chosen = _deal_days(rows, period)
    return WinRate(sum(r.count for r in chosen if r.outcome == "won"), sum(r.count for r in chosen
                                                                           if r.outcome == "lost"))


def deal_size_from_rollup(rows: Iterable[DealDay], period: Period) -> DealSize:
    won = _deal_days(rows, period, "won")
    currencies = {r.currency for r in won}
    if len(currencies) > 1:
        raise MixedCurrencies(f"won deals in several currencies ({', '.join(sorted(currencies))})")
    total = sum((r.amount for r in won), ZERO)
    return DealSize(sum(r.count for r in won), total, next(iter(currencies), None))


def sales_cycle_from_rollup(rows: Iterable[DealDay], period: Period) -> SalesCycle:
    """Mean cycle of won deals; the median needs the opportunities themselves (None here)."""
    won = _deal_days(rows, period, "won")
    return SalesCycle(sum(r.count for r in won), sum(r.cycle_seconds for r in won), None)

