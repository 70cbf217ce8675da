"""Shared data for the funnel-metric tests: a small readable ledger builder, hypothesis strategies, oracles.

The oracles are deliberately naive, per-lead Python written from the definitions in docs/metrics.md,
so that the vectorised core is checked against an independent reading of the same rules.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from tandem.core.conversion import stage_ranks
from tandem.core.funnel import DEFAULT_STAGES, Ledger, StageEvent, lead_stays
from tandem.core.periods import Period

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def events(*rows: tuple[int, str, datetime]) -> list[StageEvent]:
    """(lead, stage, instant) rows as StageEvents; from_stage is left empty (the core ignores it)."""
    return [StageEvent(lead, None, stage, when) for lead, stage, when in rows]


def ledger(*rows: tuple[int, str, datetime]) -> Ledger:
    return Ledger.from_events(events(*rows))


# A lead's history: a list of (stage, seconds since the previous event); zero gaps give same-second ties.
_steps = st.lists(st.tuples(st.sampled_from(DEFAULT_STAGES), st.integers(0, 40 * 86_400)),
                  min_size=1, max_size=8)


@st.composite
def event_lists(draw: st.DrawFn, max_leads: int = 12) -> list[StageEvent]:
    """Random ledgers over about a year: recycles, moves back, skips, duplicates and ties all occur."""
    result = []
    for lead in range(draw(st.integers(1, max_leads))):
        when = BASE + timedelta(seconds=draw(st.integers(0, 200 * 86_400)))
        for stage, gap in draw(_steps):
            when += timedelta(seconds=gap)
            result.append(StageEvent(lead, None, stage, when))
    return result


def stays_by_lead(evs: list[StageEvent]) -> dict[int, list]:
    grouped = defaultdict(list)
    for e in evs:
        grouped[e.lead_id].append(e)
    return {lead: lead_stays(group) for lead, group in grouped.items()}


def oracle_flow(evs: list[StageEvent], period: Period, stage: str) -> tuple[int, int, int]:
    """(opening, entries, exits) of `stage` in `period`, from per-lead stays."""
    opening = entries = exits = 0
    for stays in stays_by_lead(evs).values():
        for s in stays:
            if s.stage != stage:
                continue
            entries += period.start <= s.entered_at < period.end
            exits += s.exited_at is not None and period.start <= s.exited_at < period.end
            opening += s.entered_at < period.start and (s.exited_at is None or s.exited_at >= period.start)
    return opening, entries, exits


def oracle_entrants(evs: list[StageEvent], period: Period, stage: str) -> int:
    return sum(any(s.stage == stage and period.contains(s.entered_at) for s in stays)
               for stays in stays_by_lead(evs).values())


def oracle_cohort(evs: list[StageEvent], a: str, b: str, cohort: Period) -> tuple[int, list[float]]:
    """(entered, days to reach for those that reached) for a monthly cohort, read from the definition."""
    ranks = stage_ranks()
    entered, days = 0, []
    for stays in stays_by_lead(evs).values():
        starts = [(s.entered_at, s.stage) for s in stays]
        cohort_idx = []
        for i, (when, stage) in enumerate(starts):
            month = (when.year, when.month)
            if stage == a and not any((starts[j][0].year, starts[j][0].month) == month for j in cohort_idx):
                cohort_idx.append(i)
        for k, i in enumerate(cohort_idx):
            if not cohort.contains(starts[i][0]):
                continue
            entered += 1
            end = cohort_idx[k + 1] if k + 1 < len(cohort_idx) else len(starts)
            hit = next((j for j in range(i + 1, end) if ranks.get(starts[j][1], -1) >= ranks[b]), None)
            if hit is not None:
                days.append((starts[hit][0] - starts[i][0]).total_seconds() / 86_400)
    return entered, days
