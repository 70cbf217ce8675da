"""Period flow, the period funnel with drop-off, and time in stage, on a hand-computed ledger."""

from datetime import UTC, datetime

import pytest

from tandem.core.flow import funnel, period_flow, stock_at, time_in_stage
from tandem.core.periods import iter_periods, parse_period, to_epoch
from tests.core.funnel_data import at, ledger

# Lead 1 is recycled and comes back; lead 2 started in December; lead 3 crosses a month edge.
LEDGER = ledger(
    (1, "inquiry", at(1, 5)), (1, "mql", at(1, 10)), (1, "recycled", at(2, 1)), (1, "mql", at(3, 3)),
    (1, "tal", at(3, 4)),
    (2, "inquiry", datetime(2025, 12, 28, tzinfo=UTC)), (2, "mql", at(1, 8)), (2, "tal", at(1, 9)),
    (2, "tql", at(2, 15)),
    (3, "inquiry", at(1, 31, 23, 59)), (3, "mql", at(2, 1)), (3, "disqualified", at(3, 10)),
)
Q1 = list(iter_periods("month", at(1, 1), at(4, 1)))


@pytest.mark.parametrize(("stage", "rows"), [
    ("mql", [(0, 2, 1, 1), (1, 1, 1, 1), (1, 1, 2, 0)]),
    ("inquiry", [(1, 2, 2, 1), (1, 0, 1, 0), (0, 0, 0, 0)]),
    ("tal", [(0, 1, 0, 1), (1, 0, 1, 0), (0, 1, 0, 1)]),
    ("recycled", [(0, 0, 0, 0), (0, 1, 0, 1), (1, 0, 1, 0)]),
])
def test_flow_counts_entries_exits_and_the_stock_at_each_month_edge(stage, rows):
    flow = period_flow(LEDGER, Q1)
    got = [(r["opening"], r["entries"], r["exits"], r["closing"]) for r in flow.of(stage)]
    assert got == rows


def test_an_event_at_midnight_utc_on_the_first_counts_in_the_new_month():
    feb = period_flow(LEDGER, Q1).of("mql")[1]
    assert feb["entries"] == 1  # lead 3 at 1 February 00:00:00


def test_the_stock_at_an_instant_counts_leads_whose_stay_spans_it():
    codes = LEDGER.stages
    stock = dict(zip(codes, stock_at(LEDGER, to_epoch(at(2, 1))).tolist(), strict=True))
    assert (stock["mql"], stock["inquiry"], stock["tal"]) == (1, 1, 1)


def test_the_funnel_counts_each_lead_once_per_stage_and_reports_drop_off():
    report = funnel(LEDGER, parse_period("2026-Q1"), ("inquiry", "mql", "tal", "tql"))
    assert [(s.stage, s.entered, s.drop_off) for s in report.steps] == [
        ("inquiry", 2, -1), ("mql", 3, 1), ("tal", 2, 1), ("tql", 1, None)]
    assert report.step("inquiry").passed_on == 1.5  # a period ratio: lead 2 entered inquiry in December
    assert report.step("mql").passed_on == pytest.approx(2 / 3)
    assert report.step("tal").drop_off_rate == 0.5
    assert report.step("tql").passed_on is None


def test_a_monthly_funnel_counts_only_that_months_entrants():
    report = funnel(LEDGER, parse_period("2026-01"), ("inquiry", "aql", "mql", "tal"))
    assert [s.entered for s in report.steps] == [2, 0, 2, 1]
    assert report.step("aql").passed_on is None


def test_time_in_stage_uses_stays_that_ended_in_the_period_with_linear_percentiles():
    mql = time_in_stage(LEDGER, parse_period("2026-Q1"), ["mql"])["mql"]
    # stays ending in Q1: 1, 22, 1 and 37 days
    assert (mql.closed, mql.median, mql.p90, mql.mean) == (4, 11.5, pytest.approx(32.5), 15.25)
    assert (mql.open, mql.oldest_open) == (0, None)


def test_open_stays_are_left_out_of_the_percentiles_and_reported_with_the_oldest_age():
    tal = time_in_stage(LEDGER, parse_period("2026-Q1"), ["tal"], unit="hours")["tal"]
    assert (tal.closed, tal.median) == (1, 37 * 24)
    assert (tal.open, tal.oldest_open, tal.unit) == (1, 28 * 24, "hours")


def test_a_stage_without_closed_stays_has_no_time_in_stage():
    sal = time_in_stage(LEDGER, parse_period("2026-Q1"), ["sal"])["sal"]
    assert (sal.closed, sal.median, sal.p90, sal.mean) == (0, None, None, None)


def test_an_unknown_unit_or_stage_is_refused():
    with pytest.raises(ValueError, match="unknown unit"):
        time_in_stage(LEDGER, parse_period("2026-Q1"), unit="weeks")
    with pytest.raises(ValueError, match="unknown stage"):
        funnel(LEDGER, parse_period("2026-Q1"), ("inquiry", "nurture"))
