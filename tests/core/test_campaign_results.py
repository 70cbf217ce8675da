"""Campaign results arithmetic: Decimal money to the cent, undefined ratios are None, never zero."""

from decimal import Decimal

import pytest

from tandem.core.campaign_results import Goals, Produced, attainment, cost_per, scorecard


@pytest.mark.parametrize(("cost", "count", "expected"), [
    (Decimal("1000.00"), 3, Decimal("333.33")),
    (Decimal("1000.00"), 6, Decimal("166.67")),  # half up
    (Decimal("0"), 5, Decimal("0.00")),
    (Decimal("500.00"), 0, None),
])
def test_cost_per_is_rounded_to_the_cent_and_undefined_without_results(cost, count, expected):
    assert cost_per(cost, count) == expected


def test_attainment_is_a_percentage_of_the_goal_and_none_without_a_goal():
    assert attainment(45, 60) == Decimal("75.0")
    assert attainment(Decimal("12500.00"), Decimal("10000.00")) == Decimal("125.0")
    assert attainment(10, 0) is None


def test_a_scorecard_reports_costs_and_attainment_under_its_counting():
    produced = Produced(leads=40, mqls=8, sals=3, pipeline=Decimal("90000.00"), won_revenue=Decimal("20000.00"))
    goals = Goals(leads=50, mqls=10, pipeline=Decimal("100000.00"), revenue=Decimal("0"))
    card = scorecard("touched", produced, cost=Decimal("8000.00"), goals=goals)
    assert (card.cost_per_lead, card.cost_per_mql) == (Decimal("200.00"), Decimal("1000.00"))
    assert card.attainment == {"leads": Decimal("80.0"), "mqls": Decimal("80.0"), "pipeline": Decimal("90.0"),
                               "revenue": None}


def test_an_unknown_counting_is_refused():
    with pytest.raises(ValueError, match="counting"):
        scorecard("influenced", Produced(0, 0, 0, Decimal(0), Decimal(0)), cost=Decimal(0),
                  goals=Goals(0, 0, Decimal(0), Decimal(0)))
