"""Cohort conversion between stages, and speed to lead.

Cohort conversion from stage A to stage B (B later than A in the waterfall):

* The cohort of a period (a UTC month by default) is the distinct leads that entered A in
  it. A lead counts once per cohort, from its first entry into A in that period; a lead
  that re-enters A in a later period (after recycling) is in that later cohort too.
* A cohort entry has *reached* B when the lead later enters B or any stage ranked after B
  in the progression (inquiry < aql < mql < tal < tql < sal < sql < opportunity < won;
  lost ranks with opportunity, since a lost deal was an opportunity). Detours (recycled,
  disqualified) never count. Skipped stages count as passed: inquiry → mql has reached aql.
* The search for B runs from the cohort entry up to the lead's next cohort entry into A
  (its first entry into A in a later period), so one conversion is credited to the most
  recent cohort only; after the last cohort entry it runs to `as_of` (default: the end of
  the ledger). Recent cohorts are therefore still maturing: compare them at equal ages
  with `within_days`.
* Days to reach: (first qualifying event − cohort entry) / 86 400, as floats; median and p90
  use numpy's linear interpolation. Shares are in [0, 1]; None for an empty cohort.

Cohort conversion needs the raw ledger: it cannot be summed from daily rollups.

Speed to lead: per lead, the time from entering a stage (MQL by default, chosen by the
caller) to the first qualifying touch by the owner at or after that entry. Untouched
leads are excluded from median and p90 and reported as a count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from tandem.core.flow import unit_seconds
from tandem.core.funnel import Ledger
from tandem.core.periods import DAY_S, NO_TIME, Period, period_index, to_epoch

PROGRESSION: tuple[str, ...] = ("inquiry", "aql", "mql", "tal", "tql", "sal", "sql", "opportunity", "won")
EQUIVALENTS: Mapping[str, str] = {"lost": "opportunity"}
WITHIN_DAYS: tuple[int, ...] = (7, 30, 90)


def stage_ranks(progression: Sequence[str] = PROGRESSION,
                equivalents: Mapping[str, str] = EQUIVALENTS) -> dict[str, int]:
    """Rank of each progressing stage; detours have no rank and never count as reaching a stage."""
    ranks = {stage: rank for rank, stage in enumerate(progression)}
    ranks.update({stage: ranks[same] for stage, same in equivalents.items()})
    return ranks


@dataclass(frozen=True)
class CohortConversion:
    period: Period
    from_stage: str
    to_stage: str
    entered: int
    reached: int
    share: float | None
    median_days: float | None
    p90_days: float | None
    within: tuple[tuple[int, float | None], ...]


@dataclass(frozen=True, eq=False)
class _Entries:
    """Cohort entries, one per lead and bucket: ledger positions, buckets, days to reach B (NaN if not)."""

    pos: np.ndarray
    bucket: np.ndarray
    days: np.ndarray


def _reach_mask(ledger: Ledger, from_stage: str, to_stage: str, ranks: Mapping[str, int]) -> np.ndarray:
    ledger.code(from_stage)
    if to_stage not in ranks:
        raise ValueError(f"{to_stage!r} is not a progressing stage; pick one of: {', '.join(ranks)}")
    if from_stage in ranks and ranks[to_stage] <= ranks[from_stage]:
        raise ValueError(f"{to_stage} does not come after {from_stage} in the waterfall")
    target = ranks[to_stage]
    return np.array([ranks.get(s, -1) >= target for s in ledger.stages], dtype=bool)


def _cohort_entries(ledger: Ledger, from_stage: str, to_stage: str, bucket_of: np.ndarray,
                    ranks: Mapping[str, int]) -> _Entries:
    """Days from each cohort entry into A to the first reach of B before the lead's next cohort entry."""
    reaches = _reach_mask(ledger, from_stage, to_stage, ranks)[ledger.stage]
    a_pos = np.flatnonzero(ledger.stage == ledger.code(from_stage))
    lead, bucket = ledger.lead[a_pos], bucket_of[a_pos]
    first = np.ones(a_pos.size, dtype=bool)
    first[1:] = (lead[1:] != lead[:-1]) | (bucket[1:] != bucket[:-1])
    pos, lead, bucket = a_pos[first], lead[first], bucket[first]
    window_end = np.searchsorted(ledger.lead, lead, side="right")
    same_lead_next = np.zeros(pos.size, dtype=bool)
    same_lead_next[:-1] = lead[1:] == lead[:-1]
    window_end[same_lead_next] = pos[1:][same_lead_next[:-1]]
    r_pos = np.flatnonzero(reaches)
    j = np.searchsorted(r_pos, pos, side="right")
    candidate = r_pos[np.minimum(j, max(r_pos.size - 1, 0))] if r_pos.size else np.zeros_like(pos)
    hit = (j < r_pos.size) & (candidate < window_end)
    days = np.full(pos.size, np.nan)
    days[hit] = (ledger.at[candidate[hit]] - ledger.at[pos[hit]]) / DAY_S
    return _Entries(pos, bucket, days)


def _summarise(period: Period, from_stage: str, to_stage: str, days: np.ndarray,
               within_days: Sequence[int]) -> CohortConversion:
    entered = int(days.size)
    reached_days = days[~np.isnan(days)]
    reached = int(reached_days.size)
    median = p90 = None
    if reached:
        median, p90 = (float(q) for q in np.percentile(reached_days, [50, 90]))
    within = tuple((d, int((reached_days <= d).sum()) / entered if entered else None) for d in within_days)
    share = reached / entered if entered else None
    return CohortConversion(period, from_stage, to_stage, entered, reached, share, median, p90, within)


def cohort_conversion(ledger: Ledger, from_stage: str, to_stage: str, cohorts: Sequence[Period], *,
                      as_of: datetime | None = None, ranks: Mapping[str, int] | None = None,
                      within_days: Sequence[int] = WITHIN_DAYS) -> list[CohortConversion]:
    """For each cohort period (all of one kind, e.g. months): entered A, reached B, share and days."""
    kinds = {c.kind for c in cohorts}
    if len(kinds) > 1 or "span" in kinds:
        raise ValueError("cohorts must all be whole periods of one kind (e.g. months); use window_conversion "
                         "for an arbitrary span")
    if not cohorts:
        return []
    view = ledger.until(as_of) if as_of is not None else ledger
    kind = cohorts[0].kind
    entries = _cohort_entries(view, from_stage, to_stage, period_index(kind, view.at), ranks or stage_ranks())
    wanted = period_index(kind, np.array([c.start_epoch for c in cohorts], dtype=np.int64))
    return [_summarise(c, from_stage, to_stage, entries.days[entries.bucket == w], within_days)
            for c, w in zip(cohorts, wanted, strict=True)]


def window_conversion(ledger: Ledger, from_stage: str, to_stage: str, window: Period, *,
                      as_of: datetime | None = None, ranks: Mapping[str, int] | None = None,
                      within_days: Sequence[int] = WITHIN_DAYS) -> CohortConversion:
    """One cohort: leads entering A inside `window` (any span), each once, and whether they reached B."""
    view = ledger.until(as_of) if as_of is not None else ledger
    bucket = np.searchsorted(np.array([window.start_epoch, window.end_epoch]), view.at, side="right") - 1
    entries = _cohort_entries(view, from_stage, to_stage, bucket, ranks or stage_ranks())
    return _summarise(window, from_stage, to_stage, entries.days[entries.bucket == 0], within_days)


def stage_entries(ledger: Ledger, stage: str, period: Period) -> tuple[np.ndarray, np.ndarray]:
    """Lead ids and instants (epoch s) of every entry into `stage` in `period`: the input of speed to lead."""
    inside = (ledger.at >= period.start_epoch) & (ledger.at < period.end_epoch)
    rows = inside & (ledger.stage == ledger.code(stage))
    return ledger.lead[rows], ledger.at[rows]


def first_touch_after(entry_lead: np.ndarray, entry_at: np.ndarray, touch_lead: np.ndarray,
                      touch_at: np.ndarray) -> np.ndarray:
    """For each (lead, entry instant), the first touch of that lead at or after it; NO_TIME if none.

    All arrays are int64 (lead ids, epoch seconds); the touches should already be filtered to the
    qualifying ones (e.g. a call, email or meeting by the lead's owner).
    """
    entry_lead, entry_at = np.asarray(entry_lead, np.int64), np.asarray(entry_at, np.int64)
    touch_lead, touch_at = np.asarray(touch_lead, np.int64), np.asarray(touch_at, np.int64)
    if touch_at.size == 0:
        return np.full(entry_at.size, NO_TIME, dtype=np.int64)
    leads = np.unique(np.concatenate([entry_lead, touch_lead]))
    times = np.unique(np.concatenate([entry_at, touch_at]))
    width = np.int64(times.size + 1)

    def key(lead: np.ndarray, at: np.ndarray) -> np.ndarray:
        return np.searchsorted(leads, lead).astype(np.int64) * width + np.searchsorted(times, at)

    touch_key = np.sort(key(touch_lead, touch_at))
    wanted = key(entry_lead, entry_at)
    j = np.searchsorted(touch_key, wanted, side="left")
    found = np.minimum(j, touch_key.size - 1)
    ok = (j < touch_key.size) & (touch_key[found] // width == wanted // width)
    return np.where(ok, times[touch_key[found] % width], NO_TIME)


@dataclass(frozen=True)
class SpeedToLead:
    """Delay from stage entry to first qualifying touch, in `unit`; SLA counts when an SLA is given."""

    leads: int
    touched: int
    untouched: int
    median: float | None
    p90: float | None
    unit: str
    met: int | None = None
    breached: int | None = None
    met_share: float | None = None


def speed_to_lead(entered_at: np.ndarray, first_touch_at: np.ndarray, *, unit: str = "hours",
                  sla: timedelta | None = None, as_of: datetime | None = None) -> SpeedToLead:
    """Median and p90 delay for touched leads; with `sla`, how many met or breached it.

    Arrays are int64 epoch seconds, NO_TIME in `first_touch_at` for "not touched". An untouched
    lead counts as breached once `as_of` is past its entry + SLA, otherwise as pending (neither).
    """
    entered, touch = np.asarray(entered_at, np.int64), np.asarray(first_touch_at, np.int64)
    if entered.shape != touch.shape:
        raise ValueError("entered_at and first_touch_at must have the same length")
    touched = touch != NO_TIME
    delay = touch[touched] - entered[touched]
    if (delay < 0).any():
        raise ValueError("a first touch precedes its stage entry; pass the first touch at or after the entry")
    scale = unit_seconds(unit)
    median = p90 = None
    if delay.size:
        median, p90 = (float(q) / scale for q in np.percentile(delay, [50, 90]))
    result = SpeedToLead(int(entered.size), int(touched.sum()), int((~touched).sum()), median, p90, unit)
    if sla is None:
        return result
    limit = int(sla.total_seconds())
    met = int((delay <= limit).sum())
    late_untouched = 0 if as_of is None else int(((to_epoch(as_of) - entered[~touched]) > limit).sum())
    breached = int((delay > limit).sum()) + late_untouched
    share = met / (met + breached) if met + breached else None
    return SpeedToLead(result.leads, result.touched, result.untouched, median, p90, unit, met, breached,
                       share)


def cohort_members(ledger: Ledger, from_stage: str, to_stage: str, cohort: Period, *,
                   as_of: datetime | None = None,
                   ranks: Mapping[str, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The records behind one cohort: its lead ids and the days each took to reach B (NaN: not reached).

    The same entries `cohort_conversion` (whole periods) and `window_conversion` (spans) count, so
    `len(leads)` is their `entered` and the non-NaN days their `reached`.
    """
    view = ledger.until(as_of) if as_of is not None else ledger
    if cohort.kind == "span":
        bucket = np.searchsorted(np.array([cohort.start_epoch, cohort.end_epoch]), view.at, side="right") - 1
        wanted = 0
    else:
        bucket = period_index(cohort.kind, view.at)
        wanted = int(period_index(cohort.kind, np.array([cohort.start_epoch], dtype=np.int64))[0])
    entries = _cohort_entries(view, from_stage, to_stage, bucket, ranks or stage_ranks())
    chosen = entries.bucket == wanted
    return view.lead[entries.pos[chosen]], entries.days[chosen]
