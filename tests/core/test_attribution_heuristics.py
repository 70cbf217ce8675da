"""Rule-based models against hand-computed credit: first/last/linear, U, time decay, W and Z."""

from __future__ import annotations

import pytest

from tandem.core.attribution import Journey, Options, attribute, check_totals, encode
from tandem.core.attribution.heuristics import position_based, time_decay
from tandem.core.attribution.milestones import full_path, w_shaped

# Three converting paths; "d" also appears on a path nobody converted on.
PATHS = encode(
    [
        Journey(["a", "b", "c"], conversions=2, value=30.0),
        Journey(["b"], conversions=1, value=10.0),
        Journey(["c", "a"], conversions=1, value=4.0, nulls=5),
        Journey(["d", "a"], conversions=0, nulls=7),
    ]
)


def credit(model: str, options: Options = Options()) -> dict[str, float]:
    return {c: k for c, (k, _) in attribute(PATHS, model, options).by_channel().items()}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first_touch", {"a": 2, "b": 1, "c": 1, "d": 0}),
        ("last_touch", {"a": 1, "b": 1, "c": 2, "d": 0}),
        ("linear", {"a": 2 / 3 + 0.5, "b": 2 / 3 + 1, "c": 2 / 3 + 0.5, "d": 0}),
        ("position_based", {"a": 0.8 + 0.5, "b": 0.4 + 1, "c": 0.8 + 0.5, "d": 0}),
        ("w_shaped", {"a": 0.6 + 0.65, "b": 0.2 + 1, "c": 1.2 + 0.35, "d": 0}),
        ("full_path", {"a": 0.45 + 0.725, "b": 0.2 + 1, "c": 1.35 + 0.275, "d": 0}),
    ],
)
def test_each_rule_based_model_gives_the_hand_computed_credit(model, expected):
    assert credit(model) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "model", ["first_touch", "last_touch", "linear", "position_based", "time_decay", "w_shaped", "full_path"]
)
def test_rule_based_credit_sums_to_total_conversions_and_value(model):
    result = attribute(PATHS, model)
    check_totals(result)
    assert result.conversions.sum() == pytest.approx(4.0, rel=1e-12)
    assert result.value.sum() == pytest.approx(44.0, rel=1e-12)


def test_linear_credit_sums_to_total_conversions():
    assert sum(credit("linear").values()) == pytest.approx(PATHS.total_conversions, rel=1e-12)


def test_value_is_split_with_the_same_weights_as_conversions():
    result = attribute(PATHS, "linear")
    assert result.by_channel()["b"][1] == pytest.approx(30.0 / 3 + 10.0, rel=1e-12)


def test_position_based_weights_are_configurable_and_must_sum_to_one():
    options = Options(position_weights=(0.3, 0.4, 0.3))
    assert credit("position_based", options)["b"] == pytest.approx(2 * 0.4 + 1, rel=1e-12)
    with pytest.raises(ValueError, match="sum to 1"):
        position_based(PATHS, (0.5, 0.5, 0.5))


def test_position_based_two_touch_paths_split_the_middle_share_evenly():
    js = encode([Journey(["x", "y"], conversions=1)])
    assert position_based(js, (0.5, 0.2, 0.3)).conversions.tolist() == pytest.approx([0.6, 0.4])


def test_time_decay_without_timestamps_halves_credit_per_step_back():
    js = encode([Journey(["a", "b", "c"], conversions=7)])
    assert time_decay(js).conversions.tolist() == pytest.approx([1.0, 2.0, 4.0], rel=1e-12)


def test_time_decay_with_timestamps_halves_credit_per_half_life_in_hours():
    js = encode([Journey(["a", "b"], conversions=3, ages=[48.0, 24.0])])
    result = time_decay(js, half_life=24.0)
    assert result.conversions.tolist() == pytest.approx([1.0, 2.0], rel=1e-12)
    assert "24 hours" in result.note


def test_time_decay_survives_ages_far_beyond_the_half_life():
    js = encode([Journey(["a", "b"], conversions=1, ages=[1e6, 1e6 + 5])])
    result = time_decay(js, half_life=1.0)
    assert result.conversions.sum() == pytest.approx(1.0)
    assert result.conversions[0] > result.conversions[1]


@pytest.mark.parametrize("half_life", [0.0, -2.0])
def test_time_decay_needs_a_positive_half_life(half_life):
    with pytest.raises(ValueError, match="half-life"):
        time_decay(PATHS, half_life=half_life)


def test_w_shaped_uses_recorded_lead_and_opportunity_touches():
    js = encode([Journey(["a", "b", "c", "d", "e"], conversions=1, lead_index=1, opportunity_index=3)])
    assert w_shaped(js).conversions.tolist() == pytest.approx([0.3, 0.3, 0.05, 0.3, 0.05], rel=1e-12)


def test_full_path_gives_closed_won_to_the_last_touch():
    js = encode([Journey(["a", "b", "c", "d", "e"], conversions=1, lead_index=1, opportunity_index=2)])
    assert full_path(js).conversions.tolist() == pytest.approx([0.225, 0.225, 0.225, 0.1, 0.225], rel=1e-12)


def test_milestones_on_the_same_touch_add_up_and_the_rest_goes_to_the_others():
    js = encode([Journey(["a", "b", "c"], conversions=1, lead_index=0, opportunity_index=0)])
    assert w_shaped(js).conversions.tolist() == pytest.approx([0.9, 0.05, 0.05], rel=1e-12)


def test_when_every_touch_is_a_milestone_the_rest_is_spread_over_all_touches():
    js = encode([Journey(["a", "b"], conversions=1, lead_index=1, opportunity_index=1)])
    assert w_shaped(js).conversions.tolist() == pytest.approx([0.35, 0.65], rel=1e-12)
    one = encode([Journey(["a"], conversions=2)])
    assert full_path(one).conversions.tolist() == pytest.approx([2.0])
