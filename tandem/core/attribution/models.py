"""The catalogue of attribution models and their options, by name.

Every model is a pure function ``(JourneySet, Options) -> Attribution`` whose credit summed over
channels equals total conversions and total value. ``Options.collapse_repeats`` merges runs of
the same channel before any model runs (see :func:`~tandem.core.attribution.journeys.collapse_repeats`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from tandem.core.attribution.absorbing import DENSE_MAX_STATES
from tandem.core.attribution.credit import Attribution
from tandem.core.attribution.heuristics import (
    DEFAULT_POSITION_WEIGHTS,
    first_touch,
    last_touch,
    linear,
    position_based,
    time_decay,
)
from tandem.core.attribution.journeys import JourneySet, collapse_repeats
from tandem.core.attribution.markov import markov, markov_per_journey
from tandem.core.attribution.milestones import full_path, w_shaped
from tandem.core.attribution.shapley import DEFAULT_SAMPLES, EXACT_MAX_CHANNELS, shapley
from tandem.core.attribution.shapley_sets import shapley_per_set


@dataclass(frozen=True)
class Options:
    """Model parameters; each model reads only its own."""

    order: int = 1
    half_life: float | None = None
    position_weights: tuple[float, float, float] = DEFAULT_POSITION_WEIGHTS
    shapley_value: str = "conversions"
    shapley_exact_max: int = EXACT_MAX_CHANNELS
    shapley_samples: int = DEFAULT_SAMPLES
    seed: int = 0
    collapse_repeats: bool = False
    dense_max: int = DENSE_MAX_STATES


Model = Callable[[JourneySet, Options], Attribution]

MODELS: dict[str, Model] = {
    "first_touch": lambda js, o: first_touch(js),
    "last_touch": lambda js, o: last_touch(js),
    "linear": lambda js, o: linear(js),
    "position_based": lambda js, o: position_based(js, o.position_weights),
    "time_decay": lambda js, o: time_decay(js, o.half_life),
    "w_shaped": lambda js, o: w_shaped(js),
    "full_path": lambda js, o: full_path(js),
    "markov": lambda js, o: markov(js, o.order, o.dense_max),
    "markov_per_journey": lambda js, o: markov_per_journey(js, o.order, o.dense_max),
    "shapley": lambda js, o: shapley(js, o.shapley_value, o.shapley_exact_max, o.shapley_samples, o.seed),
    "shapley_per_set": lambda js, o: shapley_per_set(js, o.shapley_value, o.shapley_exact_max),
}

HEURISTIC_MODELS = (
    "first_touch",
    "last_touch",
    "linear",
    "position_based",
    "time_decay",
    "w_shaped",
    "full_path",
)


def attribute(js: JourneySet, model: str, options: Options = Options()) -> Attribution:
    """Run one model by name; unknown names raise KeyError listing the known ones."""
    if model not in MODELS:
        raise KeyError(f"unknown model {model!r}; known: {', '.join(MODELS)}")
    if options.collapse_repeats:
        js = collapse_repeats(js)
    return MODELS[model](js, options)


def attribute_many(
    js: JourneySet, models: tuple[str, ...] | list[str], options: Options = Options()
) -> dict[str, Attribution | str]:
    """Run several models; a model that cannot run on this input maps to the reason (a string)."""
    if options.collapse_repeats:
        js = collapse_repeats(js)
        options = replace(options, collapse_repeats=False)
    results: dict[str, Attribution | str] = {}
    for name in models:
        try:
            results[name] = attribute(js, name, options)
        except ValueError as exc:
            results[name] = str(exc)
    return results
