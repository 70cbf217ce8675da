"""Journey encoding: CSR layout, merging of identical paths, validation and run collapsing."""

from __future__ import annotations

import numpy as np
import pytest

from tandem.core.attribution import Journey, JourneySet, collapse_repeats, encode


def test_encoding_numbers_channels_by_first_appearance_and_lays_paths_end_to_end():
    js = encode([Journey(["b", "a"], 1, 5.0, 2), Journey(["a"], 0, 0.0, 1)])
    assert js.channels == ("b", "a")
    assert js.offsets.tolist() == [0, 2, 3]
    assert js.touches.tolist() == [0, 1, 1]
    assert js.lengths.tolist() == [2, 1]
    assert js.path_of_touch.tolist() == [0, 0, 1]
    assert js.position.tolist() == [0, 1, 0]


def test_identical_paths_are_merged_and_their_counts_add_up():
    js = encode([Journey(["a", "b"], 1, 2.0, 3), Journey(["a", "b"], 2, 4.0, 1), Journey(["b"], 1, 1.0)])
    assert js.n_paths == 2
    assert js.conversions.tolist() == [3, 1]
    assert js.value.tolist() == [6.0, 1.0]
    assert js.nulls.tolist() == [4, 0]


def test_journeys_with_touch_ages_are_never_merged():
    js = encode([Journey(["a"], ages=[5.0]), Journey(["a"], ages=[50.0])])
    assert js.n_paths == 2
    assert js.ages.tolist() == [5.0, 50.0]


def test_mixing_journeys_with_and_without_ages_is_refused():
    with pytest.raises(ValueError, match="ages"):
        encode([Journey(["a"], ages=[1.0]), Journey(["b"])])


@pytest.mark.parametrize(
    ("journey", "message"),
    [
        (Journey([], 1), "at least one touch"),
        (Journey(["a"], -1), "non-negative"),
        (Journey(["a"], 1, float("nan")), "finite"),
        (Journey(["a"], 0, 3.0), "value but no conversions"),
        (Journey(["a"], ages=[-1.0]), "ages"),
        (Journey(["a", "b"], lead_index=2), "lead_index"),
    ],
)
def test_invalid_journeys_are_rejected_with_the_broken_invariant(journey, message):
    with pytest.raises(ValueError, match=message):
        encode([journey])


def test_a_journey_set_rejects_touches_that_name_no_channel():
    with pytest.raises(ValueError, match="unknown channel"):
        JourneySet(("a",), np.array([0, 1]), np.array([3], np.int32), np.ones(1), np.zeros(1), np.zeros(1))


def test_collapsing_repeats_merges_runs_and_keeps_the_most_recent_age():
    js = encode([Journey(["a", "a", "b", "b", "b", "a"], ages=[9.0, 8.0, 7.0, 6.0, 5.0, 1.0])])
    collapsed = collapse_repeats(js)
    assert [js.channels[t] for t in collapsed.touches] == ["a", "b", "a"]
    assert collapsed.ages.tolist() == [8.0, 5.0, 1.0]
    assert collapsed.offsets.tolist() == [0, 3]


def test_collapsing_repeats_moves_milestones_to_the_run_that_held_them():
    js = encode([Journey(["a", "a", "b", "b", "c"], lead_index=1, opportunity_index=3), Journey(["x"])])
    collapsed = collapse_repeats(js)
    assert collapsed.lead_index.tolist() == [0, -1]
    assert collapsed.opportunity_index.tolist() == [1, -1]


def test_collapsing_repeats_never_crosses_from_one_path_to_the_next():
    js = encode([Journey(["a", "b"]), Journey(["b", "b"])])
    collapsed = collapse_repeats(js)
    assert collapsed.offsets.tolist() == [0, 2, 3]
    assert collapsed.conversions.tolist() == js.conversions.tolist()
