"""The reverse waterfall: leads needed per stage and by when, and the plain-words progress sentence."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.periods import parse_period
from tandem.core.waterfall import PlanInfeasible, gap_statement, measure_rates, reverse_waterfall
from tests.core.funnel_data import at, ledger

Q1_END = datetime(2026, 4, 1, tzinfo=UTC)
STAGES = ("mql", "sal", "sql", "won")


def plan(target: str = "1000000", won: str = "0", rates=(0.2, 0.5, 0.25), days=(20, 10, 30)):
    return reverse_waterfall(Decimal(target), Q1_END, Decimal("50000"), STAGES, rates, days,
                             already_won=Decimal(won))


def test_the_documented_example_needs_800_mqls_160_sals_80_sqls_and_20_wins():
    result = plan()
    assert [(s.stage, s.needed) for s in result.steps] == [("mql", 800), ("sal", 160), ("sql", 80),
                                                           ("won", 20)]
    assert [s.by_day for s in result.steps] == [date(2026, 1, 30), date(2026, 2, 19), date(2026, 3, 1),
                                               date(2026, 3, 31)]
    assert (result.required_coverage, result.pipeline_needed) == (4.0, Decimal("4000000.00"))


@pytest.mark.parametrize(("won", "needed"), [("990000", [40, 8, 4, 1]), ("1000000", [0, 0, 0, 0]),
                                             ("1200000", [0, 0, 0, 0]), ("999999.99", [40, 8, 4, 1])])
def test_revenue_already_won_reduces_the_plan_and_every_step_rounds_up_to_whole_leads(won, needed):
    assert [s.needed for s in plan(won=won).steps] == needed


def test_rates_are_applied_exactly_so_thirty_at_thirty_percent_needs_one_hundred():
    result = reverse_waterfall(Decimal("1500000"), Q1_END, Decimal("50000"), ("sql", "won"), [0.3], [0])
    assert [s.needed for s in result.steps] == [100, 30]


def test_deadlines_are_floored_to_midnight_utc():
    result = reverse_waterfall(Decimal("50000"), Q1_END, Decimal("50000"), ("sql", "won"), [0.5], [0.5])
    assert result.step("sql").deadline == datetime(2026, 3, 31, tzinfo=UTC)
    assert result.step("sql").by_day == date(2026, 3, 30)


@pytest.mark.parametrize(("rates", "average", "message"), [
    ((0.2, 0.0, 0.25), "50000", "sal → sql is 0%"), ((0.2, 1.5, 0.25), "50000", "at most 100%"),
    ((0.2, 0.5, 0.25), "0", "average deal size is zero"),
])
def test_a_plan_that_cannot_be_computed_says_why(rates, average, message):
    with pytest.raises(PlanInfeasible, match=message):
        reverse_waterfall(Decimal("1000"), Q1_END, Decimal(average), STAGES, rates, (1, 1, 1))


def test_each_pair_of_stages_needs_one_rate_and_one_cycle_time():
    with pytest.raises(ValueError, match="one rate and one cycle time"):
        reverse_waterfall(Decimal("1000"), Q1_END, Decimal("10"), STAGES, (0.5, 0.5), (1, 1, 1))


rates_strategy = st.lists(st.floats(0.01, 1.0), min_size=1, max_size=8)


@given(rates_strategy, st.integers(0, 10**9), st.integers(1, 10**6), st.data())
def test_the_numbers_never_fall_going_up_the_funnel_and_deadlines_never_rise(rates, target, average, data):
    days = data.draw(st.lists(st.floats(0, 90), min_size=len(rates), max_size=len(rates)))
    stages = tuple(f"s{i}" for i in range(len(rates) + 1))
    result = reverse_waterfall(Decimal(target), Q1_END, Decimal(average), stages, rates, days)
    needed = [s.needed for s in result.steps]
    deadlines = [s.deadline for s in result.steps]
    assert needed == sorted(needed, reverse=True)
    assert deadlines == sorted(deadlines)
    assert needed[-1] * average >= target > (needed[-1] - 1) * average or target == 0


@pytest.mark.parametrize(("needed", "achieved", "as_of", "recent", "text"), [
    (1200, 788, at(3, 16), 120,
     "412 more MQLs are needed by 31 March at current rates; at the last 30 days' pace you will reach 71%."),
    (1200, 1199, at(3, 16), 0,
     "1 more MQL is needed by 31 March at current rates; at the last 30 days' pace you will reach 99%."),
    (1200, 1250, at(3, 16), 0, "The 1,200 MQLs needed by 31 March are reached: 1,250 so far."),
    (1200, 788, at(4, 2), 120, "412 MQLs short of the 1,200 needed by 31 March; that date has passed."),
])
def test_the_progress_sentence_states_the_gap_and_the_projection_in_plain_words(needed, achieved, as_of,
                                                                                recent, text):
    assert gap_statement("MQL", needed, achieved, Q1_END, as_of, recent).text == text


def test_the_numbers_behind_the_sentence_are_returned_for_testing_and_display():
    result = gap_statement("MQL", 1200, 788, Q1_END, at(3, 16), 120)
    numbers = (result.remaining, result.pace_per_day, result.days_left, result.projected)
    assert numbers == (412, 4.0, 16.0, 852.0)
    assert result.projected_share == pytest.approx(0.71)


def test_the_year_is_named_only_when_it_is_not_this_year_and_plurals_can_be_given():
    result = gap_statement("inquiry", 10, 0, datetime(2027, 1, 2, tzinfo=UTC), at(12, 1), 7, recent_days=7,
                           plural="inquiries")
    assert result.text == ("10 more inquiries are needed by 1 January 2027 at current rates; "
                           "at the last 7 days' pace you will reach 320%.")


def test_rates_and_cycle_times_are_measured_over_the_look_back():
    history = ledger((1, "mql", at(1, 2)), (1, "tal", at(1, 4)), (1, "tql", at(1, 10)),
                     (2, "mql", at(1, 5)), (2, "tal", at(1, 6)), (3, "mql", at(1, 7)),
                     (4, "mql", at(2, 3)), (4, "tal", at(2, 4)))
    measured = measure_rates(history, ("mql", "tal", "tql"), parse_period("2026-01"))
    assert measured.entered == (3, 2)
    assert measured.rates == pytest.approx((2 / 3, 0.5))
    assert measured.cycle_days == (1.5, 6.0)
    result = reverse_waterfall(Decimal("10"), Q1_END, Decimal("1"), measured.stages, measured.rates,
                               measured.cycle_days)
    assert [s.needed for s in result.steps] == [30, 20, 10]
    assert result.step("mql").deadline == Q1_END - timedelta(days=8)
