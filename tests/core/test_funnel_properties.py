"""Properties on random ledgers with recycles, moves back, skips, merges' duplicates and same-second ties.

The vectorised core is compared with naive per-lead readings of the definitions (tests/core/funnel_data.py).
"""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core import rollup
from tandem.core.conversion import cohort_conversion, first_touch_after, window_conversion
from tandem.core.flow import distinct_entrants, period_flow, stock_at, time_in_stage
from tandem.core.funnel import ACTIVE_STAGES, DEFAULT_STAGES, Ledger
from tandem.core.periods import NO_TIME, Period, iter_periods
from tests.core.funnel_data import (
    BASE,
    event_lists,
    oracle_cohort,
    oracle_entrants,
    oracle_flow,
    stays_by_lead,
)

MONTHS = list(iter_periods("month", BASE, BASE + timedelta(days=540)))
PAIRS = [("inquiry", "mql"), ("mql", "tal"), ("mql", "won"), ("tal", "sal"), ("sql", "opportunity"),
         ("recycled", "mql"), ("aql", "sql")]


@settings(max_examples=60, deadline=None)
@given(event_lists())
def test_period_flow_equals_the_per_lead_stays_and_the_stock_identity_holds(evs):
    built = Ledger.from_events(evs)
    flow = period_flow(built, MONTHS)
    assert np.array_equal(flow.closing, flow.opening + flow.entries - flow.exits)
    assert np.array_equal(flow.closing[:-1], flow.opening[1:])
    for p, period in enumerate(MONTHS[:8]):
        assert flow.opening[p].tolist() == stock_at(built, period.start_epoch).tolist()
        for stage in ("inquiry", "mql", "recycled", "won"):
            s = built.code(stage)
            got = (flow.opening[p, s], flow.entries[p, s], flow.exits[p, s])
            assert got == oracle_flow(evs, period, stage)


@settings(max_examples=60, deadline=None)
@given(event_lists())
def test_funnel_entrants_are_the_distinct_leads_with_an_entry_in_the_period(evs):
    built = Ledger.from_events(evs)
    for period in [*MONTHS[:8], Period.span(BASE + timedelta(days=10), BASE + timedelta(days=75))]:
        counts = distinct_entrants(built, period)
        assert [counts[built.code(s)] for s in DEFAULT_STAGES] == [oracle_entrants(evs, period, s)
                                                                   for s in DEFAULT_STAGES]


@settings(max_examples=80, deadline=None)
@given(event_lists(), st.sampled_from(PAIRS))
def test_cohort_conversion_matches_the_definition_and_shares_stay_between_zero_and_one(evs, pair):
    a, b = pair
    built = Ledger.from_events(evs)
    results = cohort_conversion(built, a, b, MONTHS[:9], within_days=(7, 30, 90))
    for result in results:
        entered, days = oracle_cohort(evs, a, b, result.period)
        assert (result.entered, result.reached) == (entered, len(days))
        assert result.entered == distinct_entrants(built, result.period)[built.code(a)]
        if result.entered:
            assert 0.0 <= result.share <= 1.0
            shares = [share for _, share in result.within]
            assert shares == sorted(shares) and shares[-1] <= result.share
        if days:
            assert result.median_days == pytest.approx(float(np.median(days)))
            assert 0 <= result.median_days <= result.p90_days


@settings(max_examples=40, deadline=None)
@given(event_lists(), st.sampled_from(PAIRS), st.integers(0, 200), st.integers(1, 200))
def test_a_window_conversion_is_a_share_and_never_counts_more_leads_than_entered(evs, pair, start, length):
    window = Period.span(BASE + timedelta(days=start), BASE + timedelta(days=start + length))
    result = window_conversion(Ledger.from_events(evs), *pair, window)
    assert 0 <= result.reached <= result.entered
    assert result.share is None or 0.0 <= result.share <= 1.0


@settings(max_examples=40, deadline=None)
@given(event_lists())
def test_time_in_stage_counts_every_stay_that_ended_in_the_period(evs):
    built = Ledger.from_events(evs)
    stays = [s for lead in stays_by_lead(evs).values() for s in lead]
    for period in MONTHS[:6]:
        times = time_in_stage(built, period, ACTIVE_STAGES)
        for stage, result in times.items():
            ended = [s for s in stays if s.stage == stage and s.exited_at and period.contains(s.exited_at)]
            assert result.closed == len(ended)
            if ended:
                assert result.median <= result.p90 + 1e-9
                lengths = [(s.exited_at - s.entered_at).total_seconds() / 86_400 for s in ended]
                assert result.mean == pytest.approx(sum(lengths) / len(lengths))


touches = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1000)), max_size=25)


@given(touches, touches)
def test_the_first_touch_after_an_entry_is_the_earliest_touch_of_that_lead_not_before_it(entries, hits):
    entry_lead = np.array([lead for lead, _ in entries], dtype=np.int64)
    entry_at = np.array([t for _, t in entries], dtype=np.int64)
    found = first_touch_after(entry_lead, entry_at, np.array([lead for lead, _ in hits], dtype=np.int64),
                              np.array([t for _, t in hits], dtype=np.int64))
    for (lead, when), got in zip(entries, found.tolist(), strict=True):
        later = [t for touch_lead, t in hits if touch_lead == lead and t >= when]
        assert got == (min(later) if later else NO_TIME)


def test_the_sorting_fallback_of_rollups_gives_the_same_rows(monkeypatch):
    built = Ledger.build([1, 1, 2, 2, 2], ["inquiry", "mql", "inquiry", "mql", "recycled"],
                         [datetime(2026, 1, d, tzinfo=UTC) for d in (1, 3, 2, 3, 30)])
    dense = rollup.daily_rollup(built).records()
    monkeypatch.setattr(rollup, "_DENSE_LIMIT", 0)
    assert rollup.daily_rollup(built).records() == dense
