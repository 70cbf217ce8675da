"""Opportunity metrics, marketing economics and reason breakdowns, with exact Decimal money."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tandem.core import economics, pipeline
from tandem.core.periods import parse_period
from tandem.core.pipeline import MixedCurrencies, Opportunity
from tandem.core.reasons import ReasonEvent, reason_breakdown, win_loss_reasons
from tests.core.funnel_data import at

Q1 = parse_period("2026-Q1")


def opp(id_: int, outcome: str, amount: str, created: datetime, closed: datetime | None, account: int,
        reason: str = "", lead: int | None = None, currency: str = "EUR") -> Opportunity:
    return Opportunity(id_, lead, account, Decimal(amount), currency, created, closed, outcome, reason)


OPPS = [
    opp(1, "won", "10000.00", at(1, 1), at(1, 31), 100, "won_value", lead=1),
    opp(2, "won", "25000.50", datetime(2025, 12, 1, tzinfo=UTC), at(2, 15), 101, "won_price", lead=2),
    opp(3, "lost", "5000", at(1, 10), at(2, 20), 102, "lost_price", lead=3),
    opp(4, "lost", "8000", at(2, 5), at(4, 1), 103, "lost_competitor"),
    opp(5, "open", "40000", at(3, 1), None, 104),
    opp(6, "won", "3000", at(3, 1), at(3, 10), 100),
]


def test_win_rate_is_won_over_won_plus_lost_closed_in_the_period():
    rate = pipeline.win_rate(OPPS, Q1)
    assert (rate.won, rate.lost, rate.rate) == (3, 1, 0.75)  # opportunity 4 closed at 1 April 00:00 UTC


def test_nothing_closed_means_no_win_rate_rather_than_zero():
    assert pipeline.win_rate(OPPS, parse_period("2025-Q1")).rate is None


def test_average_deal_size_is_an_exact_decimal_rounded_to_cents():
    size = pipeline.average_deal_size(OPPS, Q1)
    assert (size.count, size.total, size.currency) == (3, Decimal("38000.50"), "EUR")
    assert size.average == Decimal("12666.83")


def test_sales_cycle_runs_from_creation_to_close_of_won_deals():
    cycle = pipeline.sales_cycle(OPPS, Q1)
    assert (cycle.count, cycle.median_days) == (3, 30.0)
    assert cycle.mean_days == pytest.approx((30 + 76 + 9) / 3)


@pytest.mark.parametrize(("as_of", "count", "amount"), [
    (at(3, 15), 2, Decimal("48000")), (at(4, 1), 1, Decimal("40000")), (at(1, 15), 3, Decimal("40000.50"))])
def test_open_pipeline_at_an_instant_counts_deals_created_and_not_yet_closed(as_of, count, amount):
    result = pipeline.open_pipeline(OPPS, as_of)
    assert (result.count, result.amount) == (count, amount)


def test_pipeline_velocity_is_money_per_day():
    assert pipeline.pipeline_velocity(10, Decimal("20000"), 0.25, 50) == Decimal("1000.00")
    assert pipeline.pipeline_velocity(10, Decimal("20000"), None, 50) is None
    assert pipeline.pipeline_velocity(10, Decimal("20000"), 0.25, 0) is None


def test_three_x_coverage_is_not_enough_at_a_25_percent_win_rate():
    cover = pipeline.pipeline_coverage(Decimal("900000"), Decimal("500000"), Decimal("200000"), 0.25)
    assert (cover.coverage, cover.required, cover.sufficient, cover.remaining) == (3.0, 4.0, False,
                                                                                  Decimal("300000.00"))


def test_coverage_is_undefined_once_the_quota_is_met():
    cover = pipeline.pipeline_coverage(Decimal("1000"), Decimal("500"), Decimal("600"), 0.5)
    assert (cover.coverage, cover.sufficient) == (None, True)


def test_new_customers_are_accounts_whose_first_win_closed_in_the_period():
    assert pipeline.new_customers(OPPS, Q1) == 2
    assert pipeline.new_customers(OPPS, parse_period("2026-03")) == 0  # account 100 was already a customer


def test_money_never_mixes_currencies_and_never_comes_from_floats():
    with pytest.raises(MixedCurrencies):
        pipeline.average_deal_size([*OPPS, opp(7, "won", "1", at(1, 2), at(1, 3), 9, currency="USD")], Q1)
    with pytest.raises(TypeError, match="never a float"):
        Opportunity(1, None, 1, 10.5, "EUR", at(1, 1), None, "open")


def test_an_opportunity_must_be_closed_exactly_when_it_is_won_or_lost():
    with pytest.raises(ValueError, match="closed_at"):
        opp(1, "won", "1", at(1, 1), None, 1)
    with pytest.raises(ValueError, match="no UTC offset"):
        opp(1, "open", "1", datetime(2026, 1, 1), None, 1)


def test_sourced_means_an_mgl_origin_and_influenced_a_marketing_touch_before_creation():
    channels = frozenset({"web_visit", "paid_click"})
    origins = {1: "mgl", 2: "sgl", 3: "mgl"}
    touches = {1: [(datetime(2025, 12, 31, tzinfo=UTC), "web_visit")],
               2: [(datetime(2025, 11, 20, tzinfo=UTC), "paid_click"), (at(1, 6), "call")],
               3: [(at(1, 10), "web_visit")]}  # at the creation instant: not before it
    chosen = [OPPS[0], OPPS[1], OPPS[2], OPPS[4]]
    summary = economics.sourced_and_influenced(chosen, origins, touches, channels)
    assert (summary.count, summary.amount) == (4, Decimal("80000.50"))
    assert (summary.sourced_count, summary.sourced_amount) == (2, Decimal("15000.00"))
    assert (summary.influenced_count, summary.influenced_amount) == (2, Decimal("35000.50"))


def test_sales_touches_alone_do_not_influence():
    result = economics.classify_sourcing(OPPS[1], "sgl", [(at(1, 1), "call")], frozenset({"web_visit"}))
    assert (result.sourced, result.influenced) == (False, False)


def test_cac_clv_and_roi_follow_their_formulas():
    assert economics.cac(Decimal("30000"), Decimal("10000"), 4) == Decimal("10000.00")
    assert economics.cac(Decimal("30000"), Decimal("0"), 0) is None
    assert economics.clv(Decimal("12000"), 0.8, 0.2) == Decimal("48000.00")
    assert economics.clv(Decimal("12000"), 0.8, 0) is None
    assert economics.campaign_roi(Decimal("25000"), Decimal("10000")) == 1.5
    assert economics.campaign_roi(Decimal("25000"), Decimal("0")) is None
    acv = economics.average_contract_value([Decimal("30000"), Decimal("12000")], [3, 1])
    assert acv == Decimal("11000.00")


def test_clv_per_segment_and_fractions_not_percentages():
    segments = {"smb": economics.SegmentEconomics(Decimal("5000"), 0.7, 0.35),
                "enterprise": economics.SegmentEconomics(Decimal("60000"), 0.8, 0.1)}
    assert economics.clv_by_segment(segments) == {"smb": Decimal("10000.00"),
                                                  "enterprise": Decimal("480000.00")}
    with pytest.raises(ValueError, match="fraction"):
        economics.clv(Decimal("1"), 80, 0.1)


def test_win_and_loss_reasons_are_shared_within_each_outcome():
    rows = [(r.group, r.reason, r.count, round(r.share, 3)) for r in win_loss_reasons(OPPS, Q1)]
    assert rows == [("lost", "lost_price", 1, 1.0), ("won", "(none)", 1, 0.333),
                    ("won", "won_price", 1, 0.333), ("won", "won_value", 1, 0.333)]


REASONED = [
    ReasonEvent("reject", "not_ready", "web", "c1", at(1, 3)),
    ReasonEvent("reject", "no_budget", "web", "c1", at(1, 4)),
    ReasonEvent("reject", "not_ready", "event", "c2", at(1, 5)),
    ReasonEvent("recycle", "not_ready", "web", "c1", at(1, 6)),
    ReasonEvent("reject", "", "web", "c2", at(2, 7)),
]


@pytest.mark.parametrize(("by", "actions", "expected"), [
    ("source", ("reject",), [("event", "not_ready", 1), ("web", "(none)", 1), ("web", "no_budget", 1),
                             ("web", "not_ready", 1)]),
    ("campaign", ("reject",), [("c1", "no_budget", 1), ("c1", "not_ready", 1), ("c2", "(none)", 1),
                               ("c2", "not_ready", 1)]),
    ("all", ("reject", "recycle"), [("all", "not_ready", 3), ("all", "(none)", 1), ("all", "no_budget", 1)]),
])
def test_rejection_and_recycle_reasons_break_down_by_source_or_campaign(by, actions, expected):
    rows = reason_breakdown(REASONED, by=by, actions=actions)
    assert [(r.group, r.reason, r.count) for r in rows] == expected
    for group in {r.group for r in rows}:
        assert sum(r.share for r in rows if r.group == group) == pytest.approx(1.0)


def test_reason_breakdowns_can_be_limited_to_a_period():
    rows = reason_breakdown(REASONED, by="all", period=parse_period("2026-02"))
    assert [(r.reason, r.count) for r in rows] == [("(none)", 1)]
