"""Agreement of Tandem's attribution engine with two public reference implementations.

* ``channelattribution`` (ChannelAttribution 2.2.5): ``heuristic_models`` must match first, last and
  linear touch to 1e-9 (relative); ``markov_model`` simulates, so its per-channel credit must agree
  with Tandem's exact solution within its Monte-Carlo error (3% per channel, orders 1-3).
* ``marketing-attribution-models`` (1.0.10, the classic ``MAM`` class; 2.x replaced that API):
  position-based, Markov order-1 removal effects (an exact matrix solve), its per-journey Markov
  split and per-set Shapley (both characteristic functions) must match to 1e-9.

The packages are pinned in requirements/references.txt. Without them the module is skipped, except
under CI=true, where their absence fails the run.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
from collections import defaultdict

import numpy as np
import pytest

from tandem.core.attribution import Options, attribute, read_path_file
from tandem.core.attribution.shapley_sets import shapley_per_set

pytestmark = pytest.mark.references

CHANNELS = ("email", "search", "display", "social", "direct", "video")
EXACT = 1e-9
MONTE_CARLO = 0.03


def require(module: str, package: str):
    """Import a reference package, or skip (fail under CI=true) with the install command."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # ChannelAttribution prints a banner on import
            return importlib.import_module(module)
    except ImportError as exc:
        message = f"reference package {package} is not importable ({exc}); "
        message += "pip install -r requirements/references.txt"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def ca():
    return require("ChannelAttribution", "channelattribution")


@pytest.fixture(scope="module")
def mam_class():
    style = require("matplotlib.style", "matplotlib")
    # MAM 1.0.10 asks for 'seaborn-white', which matplotlib 3.6 renamed 'seaborn-v0_8-white'.
    style.library.setdefault("seaborn-white", style.library["seaborn-v0_8-white"])
    return require("marketing_attribution_models", "marketing-attribution-models").MAM


def make_rows(
    seed: int, n_paths: int, channels: tuple[str, ...], max_len: int
) -> list[tuple[str, int, float, int]]:
    """Distinct seeded paths (repeats allowed within a path) with integer counts and values."""
    rng = np.random.default_rng(seed)
    rows: dict[str, tuple[int, float, int]] = {}
    while len(rows) < n_paths:
        path = " > ".join(rng.choice(channels, size=int(rng.integers(1, max_len + 1))))
        conversions, nulls = int(rng.integers(0, 5)), int(rng.integers(0, 15))
        if conversions + nulls:
            rows[path] = (conversions, round(conversions * float(rng.uniform(5, 60)), 2), nulls)
    return [(p, c, v, n) for p, (c, v, n) in rows.items()]


ROWS = make_rows(seed=11, n_paths=400, channels=CHANNELS, max_len=8)
SMALL_ROWS = make_rows(seed=5, n_paths=60, channels=CHANNELS[:5], max_len=4)


def journeys(rows):
    text = "path,total_conversions,total_conversion_value,total_null\n"
    text += "".join(f"{p},{c},{v},{n}\n" for p, c, v, n in rows)
    return read_path_file(io.StringIO(text), "reference.csv")


def frame(rows):
    import pandas as pd

    return pd.DataFrame(rows, columns=["path", "total_conversions", "total_conversion_value", "total_null"])


def credit(rows, model: str, options: Options = Options(), what: str = "conversions") -> dict[str, float]:
    result = attribute(journeys(rows), model, options)
    return dict(zip(result.channels, getattr(result, what), strict=True))


def assert_close(ours: dict[str, float], theirs: dict[str, float], rel: float) -> None:
    assert set(ours) == set(theirs)
    for channel, value in ours.items():
        assert value == pytest.approx(theirs[channel], rel=rel, abs=1e-12), channel


@pytest.mark.parametrize(
    ("model", "column"), [("first_touch", "first"), ("last_touch", "last"), ("linear", "linear")]
)
def test_heuristics_match_channelattribution_heuristic_models(ca, model, column):
    theirs = ca.heuristic_models(
        frame(ROWS), "path", "total_conversions", var_value="total_conversion_value", sep=">", flg_pro=False
    ).set_index("channel_name")
    for what in ("conversions", "value"):
        assert_close(credit(ROWS, model, what=what), theirs[f"{column}_touch_{what}"].to_dict(), EXACT)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_global_markov_agrees_with_channelattribution_within_monte_carlo_error(ca, order):
    with contextlib.redirect_stdout(io.StringIO()):
        theirs = ca.markov_model(
            frame(ROWS),
            "path",
            "total_conversions",
            var_value="total_conversion_value",
            var_null="total_null",
            order=order,
            sep=">",
            conv_par=0.01,
            max_step=1000,
            seed=order,
            verbose=False,
            flg_pro=False,
        )
    theirs = theirs.set_index("channel_name")
    options = Options(order=order)
    assert_close(credit(ROWS, "markov", options), theirs["total_conversions"].to_dict(), MONTE_CARLO)
    assert_close(
        credit(ROWS, "markov", options, "value"), theirs["total_conversion_value"].to_dict(), MONTE_CARLO
    )


def mam_rows(rows, with_nulls: bool):
    """One row per (path, converted) with the count as frequency, as MAM reads aggregated data."""
    import pandas as pd

    out = [(p, True, c, v) for p, c, v, _ in rows if c] + [
        (p, False, n, 0.0) for p, _, _, n in rows if n and with_nulls
    ]
    return pd.DataFrame(out, columns=["path", "converted", "count", "value"])


def mam(mam_class, data, value: str):
    return mam_class(
        data,
        channels_colname="path",
        journey_with_conv_colname="converted",
        conversion_value=value,
        group_channels=False,
        path_separator=" > ",
    )


@pytest.mark.parametrize("weights", [None, [0.3, 0.3, 0.4], [0.5, 0.0, 0.5]])
@pytest.mark.parametrize(("what", "column"), [("conversions", "count"), ("value", "value")])
def test_position_based_matches_marketing_attribution_models(mam_class, weights, what, column):
    model = mam(mam_class, mam_rows(ROWS, with_nulls=False), column)
    _, grouped = model.attribution_position_based(list_positions_first_middle_last=weights)
    options = Options(position_weights=tuple(weights or (0.4, 0.2, 0.4)))
    assert_close(credit(ROWS, "position_based", options, what), grouped.to_dict(), EXACT)


def test_markov_removal_effects_match_marketing_attribution_models_exactly(mam_class):
    model = mam(mam_class, mam_rows(ROWS, with_nulls=True), "count")
    _, grouped, _, removal = model.attribution_markov(
        transition_to_same_state=False, conversion_value_as_frequency=True
    )
    result = attribute(journeys(ROWS), "markov")
    ours = dict(zip(result.channels, result.removal_effects, strict=True))
    assert_close(ours, removal["removal_effect"].to_dict(), EXACT)
    assert_close(
        credit(ROWS, "markov"), dict(zip(grouped["channels"], grouped.iloc[:, 1], strict=True)), EXACT
    )


def test_markov_per_journey_matches_marketing_attribution_models(mam_class):
    data = mam_rows(ROWS, with_nulls=True)
    per_journey, *_ = mam(mam_class, data, "count").attribution_markov(conversion_value_as_frequency=True)
    theirs: dict[str, float] = defaultdict(float)
    for path, converted, count, weights in zip(
        data["path"], data["converted"], data["count"], per_journey, strict=True
    ):
        for channel, weight in zip(path.split(" > "), weights, strict=True):
            theirs[channel] += weight * count * converted
    assert_close(credit(ROWS, "markov_per_journey"), dict(theirs), EXACT)


def expanded(rows):
    """One row per journey (MAM's Shapley counts journeys by rows); value spread evenly."""
    import pandas as pd

    out = []
    for path, conversions, value, nulls in rows:
        each = value / conversions if conversions else 0.0
        out += [(path, True, 1, each)] * conversions + [(path, False, 0, 0.0)] * nulls
    return pd.DataFrame(out, columns=["path", "converted", "one", "value"])


@pytest.mark.parametrize(
    ("characteristic", "values_col"), [("conversion_rate", "conv_rate"), ("conversions", "conversions")]
)
def test_shapley_per_set_matches_marketing_attribution_models(mam_class, characteristic, values_col):
    model = mam(mam_class, expanded(SMALL_ROWS), "one")
    _, grouped = model.attribution_shapley(size=len(CHANNELS), order=False, values_col=values_col)
    result = shapley_per_set(journeys(SMALL_ROWS), characteristic)
    assert_close(dict(zip(result.channels, result.conversions, strict=True)), grouped.to_dict(), EXACT)


def test_shapley_per_set_value_matches_marketing_attribution_models(mam_class):
    _, grouped = mam(mam_class, expanded(SMALL_ROWS), "value").attribution_shapley(size=len(CHANNELS))
    result = shapley_per_set(journeys(SMALL_ROWS), "conversion_rate")
    assert_close(dict(zip(result.channels, result.value, strict=True)), grouped.to_dict(), 1e-7)
