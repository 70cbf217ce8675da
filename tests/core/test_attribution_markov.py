"""Markov attribution: chain construction, exact removal effects, solvers and journey-level split."""

from __future__ import annotations

import numpy as np
import pytest

from tandem.core.attribution import Journey, collapse_repeats, encode
from tandem.core.attribution.absorbing import absorption, removal_effects
from tandem.core.attribution.markov import chain_removal_effects, markov, markov_per_journey
from tandem.core.attribution.markov_chain import build_chain

# Two single-channel conversions and two journeys through both channels that did not convert.
SMALL = encode([Journey(["a"], 1), Journey(["b"], 1), Journey(["a", "b"], 0, nulls=2)])

MIXED = encode(
    [
        Journey(["a", "b", "c"], 3, 30.0, 5),
        Journey(["c", "a"], 1, 50.0, 2),
        Journey(["b", "b", "a", "c"], 2, 8.0, 1),
        Journey(["c"], 0, 0.0, 4),
        Journey(["a", "c", "a", "c"], 1, 12.0, 0),
        Journey(["d", "a"], 0, 0.0, 3),
    ]
)


def test_removal_effects_match_the_hand_solved_chain():
    # P(conv) = 1/2; without a only start->b->conv (1/4 * 1/3); without b, a converts 1/3 of the time.
    effects = chain_removal_effects(SMALL)
    assert effects.p_conversion == pytest.approx(0.5, rel=1e-12)
    assert effects.conversion.tolist() == pytest.approx([5 / 6, 1 / 2], rel=1e-12)


def test_global_markov_credit_is_each_channels_share_of_removal_effects():
    result = markov(SMALL)
    assert result.conversions.tolist() == pytest.approx([1.25, 0.75], rel=1e-12)
    assert result.removal_effects.tolist() == pytest.approx([5 / 6, 1 / 2], rel=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_markov_credit_sums_to_total_conversions_and_value(order):
    result = markov(MIXED, order)
    assert result.conversions.sum() == pytest.approx(MIXED.total_conversions, rel=1e-12)
    assert result.value.sum() == pytest.approx(MIXED.total_value, rel=1e-12)


def _visit_probability(js, order: int, channel: int) -> float:
    """P(visit channel | convert) on the product chain (state, visited yet?), solved directly."""
    chain = build_chain(js, order)
    s = chain.n_states
    out = chain.out_total()
    q = np.zeros((2 * s, 2 * s))
    r = np.zeros(2 * s)
    for src, dst, w in zip(chain.src, chain.dst, chain.weight, strict=True):
        for seen in (0, 1):
            q[src + seen * s, dst + max(seen, int(chain.contains[dst, channel])) * s] += w / out[src]
    r[s:] = chain.to_conversion / out
    x = np.linalg.solve(np.eye(2 * s) - q, r)
    pi = chain.start / chain.start.sum()
    start = np.where(chain.contains[:, channel], np.arange(s) + s, np.arange(s))
    both = pi @ x[start]
    total = absorption(chain)[0]
    return both / total


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("channel", [0, 1, 2, 3])
def test_removal_effect_is_the_probability_that_a_converting_journey_visits_the_channel(order, channel):
    effects = chain_removal_effects(MIXED, order)
    assert effects.conversion[channel] == pytest.approx(_visit_probability(MIXED, order, channel), abs=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_block_inverse_and_iteration_agree_with_one_direct_solve_per_channel(order):
    chain = build_chain(MIXED, order)
    base = absorption(chain)
    direct = np.array([1 - absorption(chain, ~chain.contains[:, c]) / base for c in range(4)])
    dense = removal_effects(chain)
    iterative = removal_effects(chain, dense_max=0)
    assert (dense.solver, iterative.solver) == ("dense", "iterative")
    for effects in (dense, iterative):
        assert effects.conversion == pytest.approx(direct[:, 0], abs=1e-12)
        assert effects.value == pytest.approx(direct[:, 1], abs=1e-12)


def test_order_k_states_are_windows_of_k_channels_and_short_paths_are_one_state():
    js = encode([Journey(["a", "b", "c"]), Journey(["a"])])
    chain = build_chain(js, order=2)
    states = {tuple(js.channels[c] for c in chain.state_channels(s)) for s in range(chain.n_states)}
    assert states == {("a", "b"), ("b", "c"), ("a",)}
    assert chain.contains.sum(axis=1).tolist() == [1, 2, 2]


def test_flows_balance_in_every_state():
    chain = build_chain(MIXED, order=2)
    inflow = chain.start + np.bincount(chain.dst, chain.weight, minlength=chain.n_states)
    assert inflow == pytest.approx(chain.out_total(), rel=1e-12)


def test_non_converting_journeys_count_in_the_chain_unlike_a_file_without_nulls():
    with_nulls = chain_removal_effects(MIXED)
    converting_only = encode(
        [
            Journey([MIXED.channels[t] for t in MIXED.touches[a:b]], c, v)
            for a, b, c, v in zip(
                MIXED.offsets[:-1], MIXED.offsets[1:], MIXED.conversions, MIXED.value, strict=True
            )
            if c > 0
        ]
    )
    without_nulls = chain_removal_effects(converting_only)
    assert without_nulls.p_conversion == pytest.approx(1.0)
    assert with_nulls.p_conversion < 0.5
    assert not np.allclose(with_nulls.conversion[:3], without_nulls.conversion[:3])
    # "d" never converted itself, but it leads to "a", so the chain credits it.
    assert with_nulls.conversion[3] > 0


def test_repeated_channels_do_not_change_order_one_removal_effects():
    collapsed = collapse_repeats(MIXED)
    assert chain_removal_effects(collapsed).conversion == pytest.approx(
        chain_removal_effects(MIXED).conversion, abs=1e-12
    )


def test_equal_conversion_values_make_value_and_conversion_removal_effects_equal():
    js = encode([Journey(["a", "b"], 2, 20.0, 1), Journey(["b"], 1, 10.0, 3), Journey(["b", "a"], 1, 10.0)])
    effects = chain_removal_effects(js, 2)
    assert effects.value == pytest.approx(effects.conversion, abs=1e-12)


def test_per_journey_split_follows_removal_effects_within_each_path():
    result = markov_per_journey(
        encode([Journey(["a", "b"], 4), Journey(["a"], 0, nulls=2), Journey(["b"], 1)])
    )
    effects = result.removal_effects
    share_a = effects[0] / (effects[0] + effects[1])
    assert result.conversions.tolist() == pytest.approx([4 * share_a, 4 * (1 - share_a) + 1], rel=1e-12)
    assert result.conversions.sum() == pytest.approx(5.0)


def test_journeys_without_any_conversion_give_zero_credit():
    result = markov(encode([Journey(["a", "b"], 0, nulls=3)]), order=2)
    assert result.conversions.tolist() == [0.0, 0.0]
    assert result.removal_effects.tolist() == [0.0, 0.0]


def test_markov_order_must_be_at_least_one():
    with pytest.raises(ValueError, match="order"):
        markov(SMALL, order=0)


def test_iteration_converges_on_a_chain_that_loops_for_a_long_time():
    loops = encode(
        [
            Journey(["a", "b"] * 40, 1, 5.0, 0),
            Journey(["b", "a"] * 30 + ["c"], 0, 0.0, 2),
            Journey(["c", "a"], 1, 9.0, 1),
        ]
    )
    chain = build_chain(loops, 2)
    base = absorption(chain)
    direct = np.array([1 - absorption(chain, ~chain.contains[:, c]) / base for c in range(3)])
    assert removal_effects(chain, dense_max=0).conversion == pytest.approx(direct[:, 0], abs=1e-11)
