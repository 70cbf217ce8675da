"""Rule-based models: first touch, last touch, linear, position-based (U) and time decay.

Each model gives every touch of a path a weight; the weights of a path sum to 1, and the path's
conversions and value are split by them (:func:`~tandem.core.attribution.credit.from_touch_weights`).
Hence credit summed over channels equals total conversions and total value.

Repeated channels count once per touch (``a > a > b`` gives ``a`` two touches), as in
ChannelAttribution and marketing-attribution-models; apply
:func:`~tandem.core.attribution.journeys.collapse_repeats` first to count runs once.
All computations are vectorised over the flat touch array (of the converting paths only: the
others have nothing to split): no Python loop per path.
"""

from __future__ import annotations

import numpy as np

from tandem.core.attribution.credit import Attribution, from_touch_weights
from tandem.core.attribution.journeys import JourneySet, converting

DEFAULT_POSITION_WEIGHTS = (0.4, 0.2, 0.4)
DEFAULT_HALF_LIFE_HOURS = 168.0
DEFAULT_HALF_LIFE_STEPS = 1.0


def first_touch(js: JourneySet) -> Attribution:
    """All credit to the first touch of each path."""
    js = converting(js)
    weights = np.zeros(len(js.touches))
    weights[js.offsets[:-1]] = 1.0
    return from_touch_weights(js, "first_touch", weights)


def last_touch(js: JourneySet) -> Attribution:
    """All credit to the last touch of each path (the touch right before the conversion)."""
    js = converting(js)
    weights = np.zeros(len(js.touches))
    weights[js.offsets[1:] - 1] = 1.0
    return from_touch_weights(js, "last_touch", weights)


def linear(js: JourneySet) -> Attribution:
    """Equal credit to every touch: 1/n each on a path of n touches."""
    js = converting(js)
    return from_touch_weights(js, "linear", 1.0 / js.lengths[js.path_of_touch])


def position_weights(js: JourneySet, first: float, middle: float, last: float) -> np.ndarray:
    """Per-touch U-shaped weights, as marketing-attribution-models defines them.

    One touch: 1. Two touches: ``first + middle/2`` and ``last + middle/2``. Three or more:
    ``first``, then ``middle / (n - 2)`` for each middle touch, then ``last``.
    """
    n = js.lengths[js.path_of_touch].astype(np.float64)
    pos = js.position
    weights = np.where(n > 2, middle / np.maximum(n - 2, 1), 0.0)
    is_first, is_last = pos == 0, pos == n - 1
    two = n == 2
    weights = np.where(is_first, first + np.where(two, middle / 2, 0.0), weights)
    weights = np.where(is_last, last + np.where(two, middle / 2, 0.0), weights)
    return np.where(n == 1, 1.0, weights)


def position_based(
    js: JourneySet, weights: tuple[float, float, float] = DEFAULT_POSITION_WEIGHTS
) -> Attribution:
    """U-shaped: ``weights`` = (first, middle, last), 40/20/40 by default; they must sum to 1."""
    first, middle, last = (float(w) for w in weights)
    if min(first, middle, last) < 0 or abs(first + middle + last - 1.0) > 1e-9:
        raise ValueError(f"position weights must be non-negative and sum to 1, got {weights}")
    js = converting(js)
    return from_touch_weights(js, "position_based", position_weights(js, first, middle, last))


def touch_ages(js: JourneySet) -> tuple[np.ndarray, str]:
    """Age of each touch and its unit: hours when journeys carry ages, else steps.

    Without timestamps (path files), each step back from the last touch counts as one unit:
    on a path of n touches, touch i (0-based) has age ``n - 1 - i`` and the last touch age 0.
    """
    if js.ages is not None:
        return js.ages, "hours"
    return (js.lengths[js.path_of_touch] - 1 - js.position).astype(np.float64), "steps"


def time_decay(js: JourneySet, half_life: float | None = None) -> Attribution:
    """Weight ``2 ** (-age / half_life)``, normalised per path: a touch one half-life older gets half.

    ``half_life`` is in the unit of :func:`touch_ages`; default 168 hours (7 days) with
    timestamps, 1 step without.
    """
    js = converting(js)
    ages, unit = touch_ages(js)
    if half_life is None:
        half_life = DEFAULT_HALF_LIFE_HOURS if unit == "hours" else DEFAULT_HALF_LIFE_STEPS
    if not half_life > 0:
        raise ValueError(f"half-life must be positive, got {half_life}")
    youngest = np.minimum.reduceat(ages, js.offsets[:-1])  # shift so each path's max weight is 1
    raw = np.exp2(-(ages - youngest[js.path_of_touch]) / half_life)
    per_path = np.add.reduceat(raw, js.offsets[:-1])
    note = f"half-life {half_life:g} {unit}"
    return from_touch_weights(js, "time_decay", raw / per_path[js.path_of_touch], note=note)
