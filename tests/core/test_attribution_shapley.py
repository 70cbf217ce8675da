"""Shapley attribution: exact enumeration, closed form, sampling with standard errors, per-set games."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.attribution import Journey, encode
from tandem.core.attribution.coalitions import channel_sets, exact_shapley, subset_sums
from tandem.core.attribution.shapley import equal_split, sampled_game, shapley
from tandem.core.attribution.shapley_sets import shapley_per_set

# The example worked by hand in docs/attribution.md.
ABC = encode(
    [
        Journey(["A", "B"], 1, 10.0, 1),
        Journey(["A"], 1, 10.0),
        Journey(["B", "C"], 0, 0.0, 1),
        Journey(["A", "C"], 1, 10.0),
        Journey(["C"], 1, 10.0),
    ]
)

SIX = encode(
    [
        Journey(list(p), conversions=c, value=3.0 * c, nulls=n)
        for p, c, n in [
            ("abc", 3, 4),
            ("ad", 1, 6),
            ("be", 2, 1),
            ("cf", 0, 5),
            ("abcdef", 4, 2),
            ("f", 1, 1),
            ("ea", 2, 3),
            ("dd", 1, 0),
            ("fb", 0, 2),
            ("ace", 2, 2),
        ]
    ]
)


def brute_force(js, value) -> np.ndarray:
    """Shapley values by averaging marginal contributions over every permutation of channels."""
    sets = [frozenset(js.touches[a:b].tolist()) for a, b in zip(js.offsets[:-1], js.offsets[1:], strict=True)]
    n = js.n_channels
    phi = np.zeros(n)
    for perm in itertools.permutations(range(n)):
        coalition: set[int] = set()
        before = 0.0
        for player in perm:
            coalition.add(player)
            after = value([i for i, s in enumerate(sets) if s <= coalition])
            phi[player] += after - before
            before = after
    return phi / math.factorial(n)


def rate(js):
    def value(within: list[int]) -> float:
        journeys = sum(js.conversions[i] + js.nulls[i] for i in within)
        return sum(js.conversions[i] for i in within) / journeys if journeys else 0.0

    return value


def test_conversions_game_splits_each_channel_sets_conversions_equally():
    assert shapley(ABC).conversions.tolist() == pytest.approx([2.0, 0.5, 1.5], rel=1e-12)


def test_conversions_game_closed_form_equals_the_permutation_definition():
    expected = brute_force(ABC, lambda within: sum(ABC.conversions[i] for i in within))
    assert shapley(ABC).conversions == pytest.approx(expected, rel=1e-12)


def test_conversion_rate_game_equals_the_permutation_definition_scaled_by_journeys():
    expected = brute_force(ABC, rate(ABC)) * (ABC.conversions.sum() + ABC.nulls.sum())
    result = shapley(ABC, "conversion_rate")
    assert result.conversions == pytest.approx(expected, rel=1e-12)
    assert result.conversions.tolist() == pytest.approx([3.0, -1.5, 2.5], rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sets(st.integers(0, 5), min_size=1), st.integers(0, 9)), min_size=1, max_size=12)
)
def test_enumerated_shapley_of_the_additive_game_equals_the_equal_split(sets_and_counts):
    js = encode([Journey([str(c) for c in sorted(s)], conversions=k) for s, k in sets_and_counts])
    table = channel_sets(js)
    n = js.n_channels
    game = subset_sums(np.bincount(table.masks, table.conversions, minlength=1 << n), n)
    assert exact_shapley(game, n) == pytest.approx(equal_split(table), abs=1e-9)


@pytest.mark.parametrize("characteristic", ["conversions", "conversion_rate"])
def test_sampled_shapley_is_within_four_standard_errors_of_the_exact_value(characteristic):
    exact = shapley(SIX, characteristic)
    conv, value, se, value_se = sampled_game(channel_sets(SIX), characteristic, samples=4000, seed=7)
    assert np.all(np.abs(conv - exact.conversions) <= 4 * se + 1e-9)
    assert np.all(np.abs(value - exact.value) <= 4 * value_se + 1e-9)
    assert np.all(se > 0)


def test_sampled_credit_sums_exactly_to_the_totals_and_reports_its_standard_error():
    result = shapley(SIX, "conversion_rate", exact_max=3, samples=300, seed=1)
    assert result.standard_error is not None and len(result.standard_error) == SIX.n_channels
    assert result.conversions.sum() == pytest.approx(SIX.total_conversions, rel=1e-9)
    assert result.value.sum() == pytest.approx(SIX.total_value, rel=1e-9)
    assert "300 sampled permutations" in result.note


def test_sampling_is_reproducible_with_a_seed():
    first = shapley(SIX, "conversion_rate", exact_max=0, samples=50, seed=3)
    again = shapley(SIX, "conversion_rate", exact_max=0, samples=50, seed=3)
    assert first.conversions.tolist() == again.conversions.tolist()


def test_many_channels_use_the_closed_form_or_sampling_beyond_bitmasks():
    js = encode(
        [Journey([f"c{i}", f"c{(i * 7) % 70}", "hub"], conversions=1 + i % 3, nulls=i % 4) for i in range(70)]
    )
    assert js.n_channels == 71
    exact = shapley(js)
    assert exact.conversions.sum() == pytest.approx(js.total_conversions, rel=1e-12)
    sampled = shapley(js, "conversion_rate", samples=20)
    assert sampled.conversions.sum() == pytest.approx(js.total_conversions, rel=1e-9)
    with pytest.raises(ValueError, match="62 channels"):
        shapley_per_set(js)


@pytest.mark.parametrize(
    ("characteristic", "expected"),
    [("conversions", [2.5, 0.0, 1.5]), ("conversion_rate", [3.0, -0.5, 1.5])],
)
def test_per_set_shapley_matches_the_hand_worked_example(characteristic, expected):
    result = shapley_per_set(ABC, characteristic)
    assert result.conversions.tolist() == pytest.approx(expected, rel=1e-12)
    assert result.value.tolist() == pytest.approx([10 * x for x in expected], rel=1e-12)


@pytest.mark.parametrize("characteristic", ["conversions", "conversion_rate"])
def test_per_set_shapley_credit_sums_to_total_conversions_and_value(characteristic):
    result = shapley_per_set(SIX, characteristic)
    assert result.conversions.sum() == pytest.approx(SIX.total_conversions, rel=1e-12)
    assert result.value.sum() == pytest.approx(SIX.total_value, rel=1e-12)


def test_per_set_shapley_refuses_journeys_with_more_channels_than_the_exact_limit():
    with pytest.raises(ValueError, match="6 channels, more than 5"):
        shapley_per_set(SIX, exact_max=5)


def test_unknown_characteristic_functions_are_rejected():
    with pytest.raises(ValueError, match="characteristic"):
        shapley(ABC, "clicks")
