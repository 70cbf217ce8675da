"""Daily rollups reproduce the ledger's figures exactly, where that is possible."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core import pipeline, rollup
from tandem.core.flow import funnel, period_flow, time_in_stage
from tandem.core.funnel import DEFAULT_STAGES, Ledger
from tandem.core.periods import KINDS, Period, iter_periods, parse_period
from tandem.core.pipeline import Opportunity
from tests.core.funnel_data import BASE, at, event_lists, events

SMALL_EVENTS = events((1, "mql", at(3, 3, 10)), (1, "recycled", at(3, 3, 12)), (1, "mql", at(3, 20)),
                      (1, "tal", at(4, 2)), (2, "mql", at(3, 3, 11)))
SMALL = Ledger.from_events(SMALL_EVENTS)


def rows_of(r: rollup.DailyRollup) -> dict[tuple, tuple]:
    return {(rec["day"], rec["stage"], rec["dimension"]): tuple(rec[c] for c in rollup.COLUMNS)
            for rec in r.records()}


def test_a_daily_rollup_row_holds_entries_exits_exit_seconds_and_first_entry_flags():
    rows = {(k[0].isoformat(), k[1]): dict(zip(rollup.COLUMNS, v, strict=True))
            for k, v in rows_of(rollup.daily_rollup(SMALL)).items()}
    assert rows["2026-03-03", "mql"] == {"entries": 2, "exits": 1, "exit_seconds": 7200, "first_day": 2,
                                         "first_week": 2, "first_month": 2, "first_quarter": 2,
                                         "first_year": 2}
    assert rows["2026-03-20", "mql"] == {"entries": 1, "exits": 0, "exit_seconds": 0, "first_day": 1,
                                         "first_week": 1, "first_month": 0, "first_quarter": 0,
                                         "first_year": 0}
    assert rows["2026-04-02", "mql"]["exit_seconds"] == 13 * 86_400


def test_distinct_monthly_entrants_come_from_the_month_flag_not_from_summing_days():
    daily = rollup.daily_rollup(SMALL)
    march = parse_period("2026-03")
    assert rollup.funnel_from_rollup(daily, march, ["mql"]).steps[0].entered == 2
    days_summed = sum(rollup.funnel_from_rollup(daily, p, ["mql"]).steps[0].entered
                      for p in iter_periods("day", march.start, march.end))
    assert days_summed == 3  # lead 1 entered MQL on 3 and 20 March


def test_distinct_entrants_over_an_arbitrary_span_are_refused_from_rollups():
    with pytest.raises(ValueError, match="use the ledger"):
        rollup.funnel_from_rollup(rollup.daily_rollup(SMALL), Period.span(at(3, 1), at(3, 31)))


def test_rollups_hold_whole_days_only():
    with pytest.raises(ValueError, match="00:00 UTC"):
        rollup.flow_from_rollup(rollup.daily_rollup(SMALL), [Period.span(at(3, 1, 12), at(3, 31))])


def test_rollup_records_read_back_into_the_same_rollup():
    sources = ["web", "web", "web", "web", "fair"]
    daily = rollup.daily_rollup(Ledger.from_events(SMALL_EVENTS, dims={"source": sources}), "source")
    again = rollup.DailyRollup.from_records(daily.records(), stages=DEFAULT_STAGES, dimension="source",
                                            labels=daily.labels)
    assert rows_of(again) == rows_of(daily)
    assert {k[2] for k in rows_of(daily)} == {"web", "fair"}


def with_sources(evs):
    return Ledger.from_events(evs, dims={"source": [("web", "event", "partner")[e.lead_id % 3] for e in evs]})


def months_covering(built: Ledger, kind: str = "month") -> list[Period]:
    start = datetime.fromtimestamp(int(built.at.min()), UTC)
    end = datetime.fromtimestamp(int(built.at.max()), UTC) + timedelta(days=1)
    return list(iter_periods(kind, start, end))


@settings(max_examples=60, deadline=None)
@given(event_lists(), st.sampled_from(["day", "week", "month", "quarter"]), st.integers(0, 3))
def test_flow_from_rollups_equals_flow_from_the_ledger(evs, kind, skip):
    built = Ledger.from_events(evs)
    periods = months_covering(built, kind)[skip:] or months_covering(built, kind)[-1:]
    from_ledger = period_flow(built, periods)
    from_rollup = rollup.flow_from_rollup(rollup.daily_rollup(built), periods)
    for name in ("entries", "exits", "opening", "closing"):
        assert np.array_equal(getattr(from_ledger, name), getattr(from_rollup, name)), name


@settings(max_examples=60, deadline=None)
@given(event_lists(), st.sampled_from(KINDS))
def test_funnel_and_mean_time_in_stage_from_rollups_equal_the_ledgers(evs, kind):
    built = with_sources(evs)
    daily = rollup.daily_rollup(built, "source")
    for period in months_covering(built, kind)[:6]:
        assert rollup.funnel_from_rollup(daily, period) == funnel(built, period)
        means = rollup.mean_time_in_stage_from_rollup(daily, period)
        assert means == {s: t.mean for s, t in time_in_stage(built, period).items()}


@settings(max_examples=40, deadline=None)
@given(event_lists())
def test_per_source_rollups_add_up_to_the_total_and_give_exact_per_source_funnels(evs):
    built = with_sources(evs)
    by_source = rollup.daily_rollup(built, "source")
    total = rollup.daily_rollup(built)
    for period in months_covering(built)[:4]:
        assert rollup.flow_from_rollup(by_source, [period]).entries.tolist() == \
            rollup.flow_from_rollup(total, [period]).entries.tolist()
        for code, label in enumerate(by_source.labels):
            only = rollup.DailyRollup(by_source.stages, None, (), by_source.day[by_source.dim == code],
                                      by_source.stage[by_source.dim == code],
                                      np.zeros(int((by_source.dim == code).sum()), np.int32),
                                      {c: v[by_source.dim == code] for c, v in by_source.counts.items()})
            leads = {e.lead_id for e in evs if ("web", "event", "partner")[e.lead_id % 3] == label}
            assert rollup.funnel_from_rollup(only, period) == funnel(built.for_leads(leads), period)


@settings(max_examples=40, deadline=None)
@given(event_lists(), st.integers(0, 11))
def test_the_rollup_of_all_leads_is_the_sum_of_the_rollups_of_disjoint_groups(evs, split):
    built = Ledger.from_events(evs)
    leads = np.unique(built.lead)
    part_a, part_b = built.for_leads(leads[leads < split]), built.for_leads(leads[leads >= split])
    whole = rollup.daily_rollup(built)
    parts = [rollup.daily_rollup(p) for p in (part_a, part_b)]
    assert rows_of(rollup.combine(*parts)) == rows_of(whole)
    assert rows_of(rollup.subtract(whole, parts[0])) == rows_of(parts[1])


deals = st.lists(st.tuples(st.integers(0, 200 * 86_400), st.integers(0, 120 * 86_400),
                           st.sampled_from(["won", "lost", "open"]), st.integers(0, 10_000_000)), max_size=30)


@settings(max_examples=60, deadline=None)
@given(deals, st.sampled_from(["week", "month", "quarter"]))
def test_win_rate_deal_size_and_mean_cycle_from_deal_rollups_equal_the_opportunities(rows, kind):
    opps = [Opportunity(i, None, i, Decimal(cents) / 100, "EUR", BASE + timedelta(seconds=c),
                        None if outcome == "open" else BASE + timedelta(seconds=c + d), outcome)
            for i, (c, d, outcome, cents) in enumerate(rows)]
    days = rollup.daily_deal_rollup(opps)
    for period in iter_periods(kind, BASE, BASE + timedelta(days=330)):
        assert rollup.win_rate_from_rollup(days, period) == pipeline.win_rate(opps, period)
        size = pipeline.average_deal_size(opps, period)
        assert rollup.deal_size_from_rollup(days, period) == size
        direct, rolled = pipeline.sales_cycle(opps, period), rollup.sales_cycle_from_rollup(days, period)
        assert (rolled.count, rolled.mean_days) == (direct.count, direct.mean_days)



@settings(max_examples=40, deadline=None)
@given(event_lists())
def test_rollups_for_several_dimensions_at_once_equal_one_rollup_per_dimension(evs):
    labels = [("web", "fair", "ads")[e.lead_id % 3] for e in evs]
    ledger = Ledger.from_events(evs, dims={"source": labels})
    together = rollup.daily_rollups(ledger, [None, "source"])
    for dimension in (None, "source"):
        alone = rollup.daily_rollup(ledger, dimension)
        assert rows_of(together[dimension]) == rows_of(alone)
