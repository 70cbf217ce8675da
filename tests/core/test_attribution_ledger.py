"""Touch rows into journeys (tandem.core.attribution.ledger), and the rounding that keeps totals exact."""

from __future__ import annotations

import numpy as np
import pytest

from tandem.core.attribution.ledger import Ends, Touches, journeys, round_to_total

H = 3600
LABELS = ("a", "b", "c", "d")


def _touches(rows, base=0):
    lead, at, code = (np.array(col) for col in zip(*rows, strict=True))
    return Touches.build(lead, at, code, base=base)


def _paths(ledger):
    js = ledger.journeys
    return [[js.channels[t] for t in js.touches[js.offsets[i]:js.offsets[i + 1]]] for i in range(js.n_paths)]


def test_a_journey_holds_its_leads_touches_oldest_first_up_to_the_conversion():
    touches = _touches([(7, 30 * H, 2), (7, 10 * H, 0), (9, 5 * H, 3), (7, 20 * H, 1), (7, 50 * H, 3)])
    ledger = journeys(touches, LABELS, Ends(lead=np.array([7]), at=np.array([40 * H]), value=np.array([100.0]),
                                            converted=np.array([1.0])), lookback_s=10**9, inclusive=False)
    assert _paths(ledger) == [["a", "b", "c"]]
    assert ledger.journeys.ages.tolist() == [30.0, 20.0, 10.0]
    assert ledger.journeys.value.tolist() == [100.0]


def test_inclusive_keeps_the_touch_at_the_instant_of_conversion_and_exclusive_drops_it():
    touches = _touches([(1, 10, 0), (1, 20, 1)])
    ends = Ends(lead=np.array([1]), at=np.array([20]), value=np.zeros(1), converted=np.ones(1))
    assert _paths(journeys(touches, LABELS, ends, lookback_s=100, inclusive=True)) == [["a", "b"]]
    assert _paths(journeys(touches, LABELS, ends, lookback_s=100, inclusive=False)) == [["a"]]


def test_the_look_back_cuts_older_touches():
    touches = _touches([(1, 0, 0), (1, 50, 1), (1, 90, 2)])
    ends = Ends(lead=np.array([1]), at=np.array([100]), value=np.zeros(1), converted=np.ones(1))
    assert _paths(journeys(touches, LABELS, ends, lookback_s=60, inclusive=False)) == [["b", "c"]]


def test_touches_of_one_lead_at_the_same_second_come_in_one_order_whatever_the_input_order():
    ends = Ends(lead=np.array([1]), at=np.array([6]), value=np.zeros(1), converted=np.ones(1))
    paths = {tuple(_paths(journeys(_touches(rows), LABELS, ends, lookback_s=60, inclusive=False))[0])
             for rows in ([(1, 5, 2), (1, 5, 0), (1, 5, 1)], [(1, 5, 1), (1, 5, 2), (1, 5, 0)])}
    assert paths == {("a", "b", "c")}


def test_lead_ids_too_large_to_pack_keep_same_second_touches_in_input_order():
    big = 2**40
    ends = Ends(lead=np.array([big]), at=np.array([6]), value=np.zeros(1), converted=np.ones(1))
    touches = _touches([(big, 5, 2), (big, 5, 0), (big, 5, 1)])
    assert _paths(journeys(touches, LABELS, ends, lookback_s=60, inclusive=False)) == [["c", "a", "b"]]


def test_a_conversion_without_touches_is_counted_as_untouched_never_dropped():
    touches = _touches([(1, 5, 0)])
    ends = Ends(lead=np.array([1, 2, 3]), at=np.array([6, 6, 6]), value=np.array([10.0, 20.0, 0.0]),
                converted=np.array([1.0, 1.0, 0.0]))
    ledger = journeys(touches, LABELS, ends, lookback_s=60, inclusive=False)
    assert ledger.journeys.n_paths == 1
    assert (ledger.untouched_conversions, ledger.untouched_value) == (1.0, 20.0)
    assert (ledger.total_conversions, ledger.total_value) == (2.0, 30.0)


def test_non_converting_journeys_carry_nulls_and_no_value():
    touches = _touches([(1, 5, 0), (2, 5, 1)])
    ends = Ends(lead=np.array([1, 2]), at=np.array([9, 9]), value=np.array([10.0, 0.0]),
                converted=np.array([1.0, 0.0]))
    js = journeys(touches, LABELS, ends, lookback_s=60, inclusive=False).journeys
    assert js.conversions.tolist() == [1.0, 0.0] and js.nulls.tolist() == [0.0, 1.0]


def test_milestones_are_the_touch_at_lead_creation_and_the_last_before_the_opportunity():
    touches = _touches([(1, 10, 0), (1, 20, 1), (1, 30, 2), (1, 40, 3), (1, 50, 0)])
    ends = Ends(lead=np.array([1]), at=np.array([60]), value=np.ones(1), converted=np.ones(1),
                lead_created=np.array([20]), opportunity_created=np.array([45]))
    js = journeys(touches, LABELS, ends, lookback_s=100, inclusive=False).journeys
    assert js.lead_index.tolist() == [1]  # the touch at 20 created the lead
    assert js.opportunity_index.tolist() == [3]  # the last touch before 45


def test_a_milestone_outside_the_path_falls_on_its_first_touch():
    touches = _touches([(1, 10, 0), (1, 200, 1), (1, 300, 2)])
    ends = Ends(lead=np.array([1]), at=np.array([400]), value=np.ones(1), converted=np.ones(1),
                lead_created=np.array([5]), opportunity_created=np.array([400]))
    js = journeys(touches, LABELS, ends, lookback_s=250, inclusive=False).journeys
    assert _paths(journeys(touches, LABELS, ends, lookback_s=250, inclusive=False)) == [["b", "c"]]
    assert js.lead_index.tolist() == [0]
    assert js.opportunity_index.tolist() == [1]


def test_lead_ids_beyond_31_bits_group_correctly():
    big = 2**40
    touches = _touches([(big + 1, 5, 0), (big, 6, 1), (big + 1, 7, 2)])
    ends = Ends(lead=np.array([big, big + 1, big + 2]), at=np.array([9, 9, 9]), value=np.zeros(3),
                converted=np.ones(3))
    ledger = journeys(touches, LABELS, ends, lookback_s=60, inclusive=False)
    assert _paths(ledger) == [["b"], ["a", "c"]]
    assert ledger.untouched_conversions == 1.0


@pytest.mark.parametrize("seed", range(20))
def test_rounding_to_the_total_is_exact_and_moves_no_amount_by_a_whole_unit(seed):
    rng = np.random.default_rng(seed)
    amounts = rng.random(rng.integers(1, 30)) * 1000
    total = int(round(amounts.sum() * 100))
    cents = round_to_total(amounts, total)
    assert sum(cents) == total
    assert np.all(np.abs(np.array(cents) - amounts * 100) < 1)


def test_rounding_splits_thirds_so_they_still_add_up():
    assert round_to_total(np.array([1 / 3, 1 / 3, 1 / 3]), 100) == [34, 33, 33]
