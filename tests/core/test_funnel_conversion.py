"""Cohort conversion (with recycled leads) and speed to lead, against hand-computed expectations."""

from datetime import timedelta

import numpy as np
import pytest

from tandem.core.conversion import (
    cohort_conversion,
    first_touch_after,
    speed_to_lead,
    stage_entries,
    window_conversion,
)
from tandem.core.periods import NO_TIME, Period, from_epoch, iter_periods, parse_period, to_epoch
from tests.core.funnel_data import at, ledger

LEDGER = ledger(
    # 7: recycled in February, back in March (the example in docs/metrics.md)
    (7, "mql", at(1, 10)), (7, "recycled", at(2, 1)), (7, "mql", at(3, 3)), (7, "tal", at(3, 4)),
    # 8: skips TAL, which still counts as having reached it
    (8, "inquiry", at(1, 2)), (8, "mql", at(1, 5)), (8, "tql", at(1, 25)),
    # 9: disqualified; a detour reaches nothing
    (9, "mql", at(1, 20)), (9, "disqualified", at(1, 22)),
    # 10: recycled and back within January: one January cohort entry, from its first entry
    (10, "mql", at(1, 12)), (10, "recycled", at(1, 14)), (10, "mql", at(1, 20)), (10, "tal", at(1, 30)),
    # 11: an SQL lost without a recorded opportunity stage: lost ranks with opportunity
    (11, "sql", at(1, 5)), (11, "lost", at(1, 10)),
)
Q1 = list(iter_periods("month", at(1, 1), at(4, 1)))


def test_a_monthly_cohort_counts_each_lead_once_and_credits_conversion_to_the_latest_cohort():
    jan, feb, mar = cohort_conversion(LEDGER, "mql", "tal", Q1)
    assert (jan.entered, jan.reached, jan.share) == (4, 2, 0.5)  # 8 (skipped TAL) and 10; not 7, not 9
    assert (jan.median_days, jan.p90_days) == (19.0, pytest.approx(19.8))  # 18 and 20 days
    assert dict(jan.within) == {7: 0.0, 30: 0.5, 90: 0.5}
    assert (feb.entered, feb.share, feb.median_days) == (0, None, None)
    assert (mar.entered, mar.reached, mar.median_days) == (1, 1, 1.0)  # 7 again, converted after 1 day


@pytest.mark.parametrize(("to_stage", "reached"), [("opportunity", 1), ("won", 0)])
def test_a_lost_deal_has_reached_opportunity_but_not_won(to_stage, reached):
    (jan,) = cohort_conversion(LEDGER, "sql", to_stage, Q1[:1])
    assert (jan.entered, jan.reached) == (1, reached)


def test_conversion_as_of_an_instant_ignores_what_happened_later():
    (jan,) = cohort_conversion(LEDGER, "mql", "tal", Q1[:1], as_of=at(1, 26))
    assert (jan.entered, jan.reached) == (4, 1)


def test_a_window_cohort_stops_at_the_leads_next_entry_after_the_window():
    result = window_conversion(LEDGER, "mql", "tal", Period.span(at(1, 1), at(1, 15)))
    assert (result.entered, result.reached) == (3, 1)  # 7, 8 and 10 entered; 10 re-entered on 20 January


def test_conversion_must_go_down_the_waterfall():
    with pytest.raises(ValueError, match="does not come after"):
        cohort_conversion(LEDGER, "tal", "mql", Q1)
    with pytest.raises(ValueError, match="not a progressing stage"):
        cohort_conversion(LEDGER, "mql", "recycled", Q1)


def test_cohorts_must_be_whole_periods_of_one_kind():
    with pytest.raises(ValueError, match="one kind"):
        cohort_conversion(LEDGER, "mql", "tal", [parse_period("2026-01"), parse_period("2026-W06")])


def test_speed_to_lead_starts_from_every_entry_into_the_chosen_stage_in_the_period():
    leads, entered = stage_entries(LEDGER, "mql", parse_period("2026-01"))
    expected = [(7, at(1, 10)), (8, at(1, 5)), (9, at(1, 20)), (10, at(1, 12)), (10, at(1, 20))]
    assert sorted(zip(leads.tolist(), entered.tolist(), strict=True)) == sorted(
        (lead, to_epoch(when)) for lead, when in expected)
    touched = first_touch_after(leads, entered, np.array([10]), np.array([to_epoch(at(1, 13))]))
    result = speed_to_lead(entered, touched, unit="days")
    assert (result.touched, result.untouched, result.median) == (1, 4, 1.0)


def test_the_first_touch_is_the_leads_first_at_or_after_the_entry():
    found = first_touch_after(np.array([1, 2, 1, 3]), np.array([100, 200, 500, 50]),
                              np.array([1, 1, 1, 2, 4]), np.array([90, 150, 600, 200, 10]))
    assert found.tolist() == [150, 200, 600, NO_TIME]


def test_speed_to_lead_reports_median_and_p90_of_touched_leads_and_counts_the_rest():
    hour = 3600
    result = speed_to_lead(np.zeros(5, np.int64), np.array([hour, 2 * hour, 2 * hour, NO_TIME, 10 * hour]))
    assert (result.leads, result.touched, result.untouched) == (5, 4, 1)
    assert (result.median, result.p90) == (2.0, pytest.approx(7.6))


@pytest.mark.parametrize(("as_of_hours", "breached", "share"), [(None, 1, 0.75), (5, 2, 0.6), (3, 1, 0.75)])
def test_an_untouched_lead_breaches_the_sla_only_once_it_has_run_out(as_of_hours, breached, share):
    as_of = None if as_of_hours is None else from_epoch(as_of_hours * 3600)
    hour = 3600
    result = speed_to_lead(np.zeros(5, np.int64), np.array([hour, 2 * hour, 2 * hour, NO_TIME, 10 * hour]),
                           sla=timedelta(hours=4), as_of=as_of)
    assert (result.met, result.breached, result.met_share) == (3, breached, share)


def test_a_touch_before_the_entry_is_refused():
    with pytest.raises(ValueError, match="precedes"):
        speed_to_lead(np.array([100]), np.array([50]))
