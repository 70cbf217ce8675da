"""Shapley per channel set, as marketing-attribution-models (``attribution_shapley``) defines it.

Each channel set T with conversions plays its own game among its channels, where a coalition
S (a subset of T) is worth ``g(S)``, the outcome of the journeys whose channel set is exactly S:

* ``conversions``: ``g(S)`` = their conversions (value: their value); channel i earns its Shapley
  value ``phi_i`` in T's game. MAM's ``values_col="conversions"``.
* ``conversion_rate`` (MAM's default): ``g(S)`` = their conversions / journeys; T's conversions and
  value are split in proportion to ``phi_i / g(T)``.

Efficiency (``sum phi = g(T)``, since ``g(empty) = 0``) makes each set's credit sum to its
conversions and value, so credit summed over channels equals the totals. Credit can be negative.

Computation: by linearity, ``phi = G @ K`` where row T of ``G`` lists ``g`` over T's 2^k subsets
and ``K`` holds the Shapley coefficients of a game worth 1 on exactly one coalition
(``(s-1)!(k-s)!/k!`` for members of it, ``-s!(k-s-1)!/k!`` for the others). Sets of equal size
share ``K``. Limits: at most 62 channels overall and ``exact_max`` channels per converting set.
"""

from __future__ import annotations

import math

import numpy as np

from tandem.core.attribution.coalitions import SetTable, channel_sets, popcounts
from tandem.core.attribution.credit import Attribution
from tandem.core.attribution.journeys import JourneySet
from tandem.core.attribution.shapley import EXACT_LIMIT, EXACT_MAX_CHANNELS, check_characteristic

BATCH_CELLS = 4_000_000


def shapley_per_set(
    js: JourneySet, characteristic: str = "conversions", exact_max: int = EXACT_MAX_CHANNELS
) -> Attribution:
    """MAM-style Shapley credit (see module docstring)."""
    check_characteristic(characteristic)
    table = channel_sets(js)
    if table.masks is None:
        raise ValueError("shapley_per_set supports at most 62 channels; use shapley")
    converting = table.conversions > 0
    widest = int(table.sizes[converting].max(initial=0))
    if widest > min(exact_max, EXACT_LIMIT):
        raise ValueError(
            f"shapley_per_set: a converting journey has {widest} channels, more than {exact_max}"
        )
    conv, value = _credit(table, converting, characteristic)
    return Attribution(
        model="shapley_per_set",
        channels=js.channels,
        conversions=conv,
        value=value,
        total_conversions=js.total_conversions,
        total_value=js.total_value,
        note=f"per channel set, {characteristic}",
    )


def _credit(table: SetTable, converting: np.ndarray, characteristic: str) -> tuple[np.ndarray, np.ndarray]:
    """Sum the per-set credit of every converting set into per-channel totals."""
    masks = table.masks[converting]
    conversions, value = table.conversions[converting], table.value[converting]
    if characteristic == "conversions":
        games = [conversions, value]
    else:
        games = [conversions / table.journeys[converting]]
    credit = [np.zeros(table.n_channels), np.zeros(table.n_channels)]
    sizes = table.sizes[converting]
    starts = table.offsets[:-1][converting]
    for k in np.unique(sizes):
        rows = np.flatnonzero(sizes == k)
        owners = table.members[starts[rows][:, None] + np.arange(k)]
        phis = [_set_shapley(owners, masks, g, int(k)) for g in games]
        if characteristic == "conversions":
            shares = phis
        else:
            share = phis[0] / games[0][rows][:, None]
            shares = [share * conversions[rows][:, None], share * value[rows][:, None]]
        for total, s in zip(credit, shares, strict=True):
            total += np.bincount(owners.ravel(), s.ravel(), minlength=table.n_channels)
    return credit[0], credit[1]


def _set_shapley(owners: np.ndarray, masks: np.ndarray, g: np.ndarray, k: int) -> np.ndarray:
    """Shapley values (rows, k) of each row's game over its k channels, ``g`` looked up by mask."""
    coefficients = _coefficients(k)
    subsets = np.arange(1 << k)
    bits = (subsets[:, None] >> np.arange(k)) & 1  # (2^k, k)
    chunk = max(1, BATCH_CELLS // (1 << k))
    out = np.empty((len(owners), k))
    for start in range(0, len(owners), chunk):
        block = owners[start : start + chunk]
        sub_masks = (bits[None, :, :] * np.left_shift(1, block)[:, None, :]).sum(axis=2)  # (rows, 2^k)
        where = np.clip(np.searchsorted(masks, sub_masks), 0, len(masks) - 1)
        worth = np.where(masks[where] == sub_masks, g[where], 0.0)
        out[start : start + chunk] = worth @ coefficients
    return out


def _coefficients(k: int) -> np.ndarray:
    """(2^k, k): Shapley value of member b in the game worth 1 on coalition u only."""
    sizes = popcounts(k)
    bits = ((np.arange(1 << k)[:, None] >> np.arange(k)) & 1).astype(bool)
    inside = np.array(
        [math.factorial(s - 1) * math.factorial(k - s) if s else 0 for s in sizes], dtype=np.float64
    )
    outside = np.array(
        [math.factorial(s) * math.factorial(k - s - 1) if s < k else 0 for s in sizes], dtype=np.float64
    )
    coefficients = np.where(bits, inside[:, None], -outside[:, None]) / math.factorial(k)
    coefficients[0] = 0.0  # the empty coalition is worth nothing
    return coefficients
