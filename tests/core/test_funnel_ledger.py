"""The ledger and its stays: ordering, duplicates after merges, open stays, time travel."""

from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given

from tandem.core.funnel import OPEN, Ledger, StageEvent, Stay, lead_stays
from tandem.core.periods import NaiveDatetimeError, to_epoch
from tests.core.funnel_data import at, event_lists, events, ledger, stays_by_lead


def test_each_stay_ends_at_the_leads_next_stage_event_and_the_last_one_is_open():
    stays = lead_stays(events((1, "inquiry", at(1, 5)), (1, "mql", at(1, 10)), (1, "recycled", at(2, 1)),
                              (1, "mql", at(3, 3))))
    assert stays == [Stay("inquiry", at(1, 5), at(1, 10)), Stay("mql", at(1, 10), at(2, 1)),
                     Stay("recycled", at(2, 1), at(3, 3)), Stay("mql", at(3, 3), None)]
    assert stays[1].duration() == timedelta(days=22)
    assert stays[-1].duration(at(3, 4)) == timedelta(days=1) and stays[-1].is_open


def test_events_given_out_of_order_are_put_in_time_order_and_ties_keep_the_given_order():
    stays = lead_stays(events((1, "tal", at(1, 3)), (1, "inquiry", at(1, 1)), (1, "mql", at(1, 3))))
    assert [(s.stage, s.entered_at, s.exited_at) for s in stays] == [
        ("inquiry", at(1, 1), at(1, 3)), ("tal", at(1, 3), at(1, 3)), ("mql", at(1, 3), None)]


def test_an_entry_into_the_stage_the_lead_is_already_in_is_a_duplicate_and_does_not_end_the_stay():
    merged = events((1, "inquiry", at(1, 1)), (1, "inquiry", at(1, 4)), (1, "mql", at(1, 9)))
    assert lead_stays(merged) == [Stay("inquiry", at(1, 1), at(1, 9)), Stay("mql", at(1, 9), None)]
    built = Ledger.from_events(merged)
    assert len(built) == 2 and built.prev.tolist() == [-1, 0]


def test_a_merged_losers_entries_that_repeat_the_survivors_stage_are_ignored():
    survivor = [(1, "inquiry", at(1, 1)), (1, "mql", at(1, 5))]
    loser_moved_here = [(1, "inquiry", at(1, 3)), (1, "mql", at(1, 8))]
    assert lead_stays(events(*survivor, *loser_moved_here)) == [Stay("inquiry", at(1, 1), at(1, 5)),
                                                                Stay("mql", at(1, 5), None)]


def test_merged_histories_that_interleave_count_the_losers_move_back_as_a_re_entry():
    survivor = [(1, "inquiry", at(1, 1)), (1, "mql", at(1, 2))]
    loser_moved_here = [(1, "inquiry", at(1, 3)), (1, "mql", at(1, 8))]
    stays = lead_stays(events(*survivor, *loser_moved_here))
    assert [(s.stage, s.entered_at.day) for s in stays] == [("inquiry", 1), ("mql", 2), ("inquiry", 3),
                                                            ("mql", 8)]


def test_the_ledger_sorts_by_lead_and_time_and_derives_the_stage_each_event_leaves():
    built = ledger((2, "mql", at(1, 2)), (1, "mql", at(1, 5)), (1, "inquiry", at(1, 1)), (2, "tal", at(1, 3)))
    assert built.lead.tolist() == [1, 1, 2, 2]
    assert [built.stages[c] for c in built.stage] == ["inquiry", "mql", "mql", "tal"]
    assert built.prev.tolist() == [-1, built.code("inquiry"), -1, built.code("mql")]
    assert built.exit_at.tolist() == [to_epoch(at(1, 5)), OPEN, to_epoch(at(1, 3)), OPEN]


def test_the_recorded_from_stage_is_ignored_in_favour_of_the_leads_own_previous_event():
    built = Ledger.from_events([StageEvent(1, None, "inquiry", at(1, 1)),
                                StageEvent(1, "aql", "mql", at(1, 2))])
    assert built.prev.tolist() == [-1, built.code("inquiry")]


def test_an_unknown_stage_or_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="unknown stage.*'nurture'"):
        ledger((1, "nurture", at(1, 1)))
    with pytest.raises(NaiveDatetimeError):
        Ledger.from_events([StageEvent(1, None, "inquiry", datetime(2026, 1, 1))])
    with pytest.raises(NaiveDatetimeError):
        lead_stays([StageEvent(1, None, "inquiry", datetime(2026, 1, 1))])


def test_lead_stays_refuses_events_of_several_leads():
    with pytest.raises(ValueError, match="one lead"):
        lead_stays(events((1, "inquiry", at(1, 1)), (2, "inquiry", at(1, 1))))


def test_arrays_of_codes_and_epoch_seconds_build_the_same_ledger_as_events():
    from_events = ledger((1, "inquiry", at(1, 1)), (1, "mql", at(1, 2)))
    instants = np.array([to_epoch(at(1, 1)), to_epoch(at(1, 2))])
    from_arrays = Ledger.build(np.array([1, 1]), np.array([0, 2]), instants)
    for name in ("lead", "stage", "at", "prev", "exit_at"):
        assert getattr(from_events, name).tolist() == getattr(from_arrays, name).tolist()


def test_the_ledger_as_it_stood_at_an_instant_reopens_stays_that_ended_later():
    built = ledger((1, "inquiry", at(1, 1)), (1, "mql", at(1, 5)), (1, "tal", at(1, 9))).until(at(1, 6))
    assert [built.stages[c] for c in built.stage] == ["inquiry", "mql"]
    assert built.exit_at.tolist() == [to_epoch(at(1, 5)), OPEN]


def test_filtering_by_lead_keeps_whole_histories_and_dimensions():
    rows = events((1, "inquiry", at(1, 1)), (2, "inquiry", at(1, 2)), (1, "mql", at(1, 3)))
    built = Ledger.from_events(rows, dims={"source": ["web", "event", "web"]})
    one = built.for_leads([1])
    assert one.lead.tolist() == [1, 1] and one.prev.tolist() == [-1, 0]
    assert [one.dims["source"].labels[c] for c in one.dims["source"].codes] == ["web", "web"]


@given(event_lists())
def test_the_ledgers_stays_are_the_per_lead_stays_whatever_the_input_order(evs):
    shuffled = Ledger.from_events(list(reversed(evs)))
    ordered = Ledger.from_events(evs)
    expected = stays_by_lead(evs)
    for lead, stays in expected.items():
        assert ordered.stays_of(lead) == stays
    # Reversing the input reverses same-second ties, so compare only leads without ties.
    for lead, stays in expected.items():
        times = [e.occurred_at for e in evs if e.lead_id == lead]
        if len(set(times)) == len(times):
            assert shuffled.stays_of(lead) == stays
