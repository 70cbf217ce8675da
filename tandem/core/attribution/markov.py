"""Markov-chain attribution (Anderl et al. 2014; ChannelAttribution; marketing-attribution-models).

``markov`` (global, as ChannelAttribution and Anderl et al. define it): channel ``c`` gets
``RE_c / sum(RE) * total conversions`` and ``REV_c / sum(REV) * total value``, where ``RE`` are the
removal effects of the order-k chain and ``REV`` the value-weighted ones
(:mod:`~tandem.core.attribution.absorbing`). Both sums therefore equal the totals.

``markov_per_journey`` (marketing-attribution-models' journey-level split): each path's
conversions and value are split over its touches in proportion to the removal effect of each
touch's channel. A converting path always has a positive removal effect on every channel it
touches, so each path's weights sum to 1 and the totals are kept.

Non-converting journeys always count (they are the null transitions). Repeated consecutive
channels are kept: for order 1 they are self-loops, which do not change any removal effect; for
order k they form windows such as ``(a, a)``, as in ChannelAttribution.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tandem.core.attribution.absorbing import DENSE_MAX_STATES, RemovalEffects, removal_effects
from tandem.core.attribution.credit import Attribution, from_shares, from_touch_weights
from tandem.core.attribution.journeys import JourneySet
from tandem.core.attribution.markov_chain import build_chain


def chain_removal_effects(
    js: JourneySet, order: int = 1, dense_max: int = DENSE_MAX_STATES
) -> RemovalEffects:
    """Removal effects of every channel in the order-``order`` chain of ``js``."""
    return removal_effects(build_chain(js, order), dense_max=dense_max)


def markov(js: JourneySet, order: int = 1, dense_max: int = DENSE_MAX_STATES) -> Attribution:
    """Global removal-effect attribution (see module docstring)."""
    effects = chain_removal_effects(js, order, dense_max)
    return from_shares(
        js,
        "markov",
        effects.conversion,
        effects.value,
        removal_effects=effects.conversion,
        value_removal_effects=effects.value,
        note=f"order {order}, exact {effects.solver} solve",
    )


def markov_per_journey(js: JourneySet, order: int = 1, dense_max: int = DENSE_MAX_STATES) -> Attribution:
    """Each path's outcomes split over its touches in proportion to their channels' removal effects."""
    effects = chain_removal_effects(js, order, dense_max)
    per_touch = effects.conversion[js.touches]
    per_path = np.add.reduceat(per_touch, js.offsets[:-1]) if len(per_touch) else np.zeros(0)
    path = js.path_of_touch
    # Converting paths have positive effects on all their channels; the linear fallback only
    # guards against rounding on paths whose credit is zero anyway.
    safe = np.where(per_path > 0, per_path, 1.0)[path]
    weights = np.where(per_path[path] > 0, per_touch / safe, 1.0 / js.lengths[path])
    result = from_touch_weights(js, "markov_per_journey", weights)
    return replace(
        result, removal_effects=effects.conversion, note=f"order {order}, exact {effects.solver} solve"
    )
