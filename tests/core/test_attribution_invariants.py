"""Properties every model keeps on arbitrary journeys: credit sums to the totals, and more."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.attribution import (
    MODELS,
    Journey,
    Options,
    attribute,
    check_totals,
    collapse_repeats,
    encode,
)

CHANNELS = ["email", "search", "display", "social", "direct"]


@st.composite
def journeys(draw: st.DrawFn) -> list[Journey]:
    """1-25 paths of 1-8 touches over up to five channels; value only where there are conversions."""
    rows = []
    for _ in range(draw(st.integers(1, 25))):
        path = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=8))
        conversions = draw(st.integers(0, 6))
        value = draw(st.floats(0, 500, allow_nan=False)) if conversions else 0.0
        rows.append(Journey(path, conversions, value, draw(st.integers(0, 6))))
    return rows


OPTIONS = [
    Options(),
    Options(order=2),
    Options(order=3, collapse_repeats=True),
    Options(shapley_value="conversion_rate"),
    Options(shapley_value="conversion_rate", shapley_exact_max=2, shapley_samples=16),
]


@pytest.mark.parametrize("model", list(MODELS))
@settings(max_examples=25, deadline=None)
@given(rows=journeys(), options=st.sampled_from(OPTIONS))
def test_every_model_credit_sums_to_total_conversions_and_total_value(model, rows, options):
    js = encode(rows)
    if model == "shapley_per_set":  # it refuses journeys wider than the exact limit (tested elsewhere)
        options = replace(options, shapley_exact_max=15)
    result = attribute(js, model, options)
    check_totals(result)
    assert result.channels == js.channels
    assert np.all(np.isfinite(result.conversions)) and np.all(np.isfinite(result.value))


@pytest.mark.parametrize("model", [m for m in MODELS if not m.startswith("shapley")])
@settings(max_examples=25, deadline=None)
@given(rows=journeys())
def test_models_other_than_shapley_never_give_negative_credit(model, rows):
    result = attribute(encode(rows), model, Options(order=2))
    assert np.all(result.conversions >= -1e-12) and np.all(result.value >= -1e-12)


@settings(max_examples=25, deadline=None)
@given(rows=journeys(), order=st.integers(1, 3))
def test_removal_effects_lie_between_zero_and_one(rows, order):
    effects = attribute(encode(rows), "markov", Options(order=order)).removal_effects
    assert np.all((effects >= 0) & (effects <= 1))


@settings(max_examples=25, deadline=None)
@given(rows=journeys())
def test_order_one_markov_ignores_repeated_consecutive_channels(rows):
    js = encode(rows)
    plain = attribute(js, "markov")
    collapsed = attribute(collapse_repeats(js), "markov")
    assert plain.conversions == pytest.approx(collapsed.conversions, abs=1e-9)


@pytest.mark.parametrize("model", list(MODELS))
@settings(max_examples=15, deadline=None)
@given(rows=journeys(), factor=st.integers(2, 5))
def test_multiplying_every_count_multiplies_every_credit(model, rows, factor):
    scaled = [Journey(j.channels, j.conversions * factor, j.value * factor, j.nulls * factor) for j in rows]
    base, bigger = attribute(encode(rows), model), attribute(encode(scaled), model)
    assert bigger.conversions == pytest.approx(base.conversions * factor, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("model", list(MODELS))
@settings(max_examples=15, deadline=None)
@given(rows=journeys())
def test_renaming_channels_only_renames_the_credit(model, rows):
    renamed = [Journey([c.upper() for c in j.channels], j.conversions, j.value, j.nulls) for j in rows]
    base, other = attribute(encode(rows), model).by_channel(), attribute(encode(renamed), model).by_channel()
    for channel, (conversions, _) in base.items():
        assert other[channel.upper()][0] == pytest.approx(conversions, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_accepts_journeys_without_any_path(model):
    empty = encode([])
    result = attribute(empty, model)
    assert result.conversions.tolist() == []
    assert result.total_conversions == 0.0


def test_the_attribution_package_loads_without_django():
    import subprocess
    import sys

    probe = "import sys, tandem.core.attribution, tandem.attribution_cli; print('django' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
