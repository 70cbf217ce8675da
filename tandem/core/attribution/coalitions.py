"""Channel sets of journeys, the coalitions of the Shapley models.

A path's channel set is the set of distinct channels it touched (order and repeats ignored).
:func:`channel_sets` groups paths by channel set and sums, per set, its conversions, value and
journeys (``conversions + nulls``: each journey on a path either converted or not).

Invariants of a :class:`SetTable`: sets are non-empty; ``members`` lists each set's channel ids in
increasing order (CSR via ``offsets``); sums over sets equal the journeys' totals. When the
journeys have at most ``MASK_CHANNELS`` channels, sets are distinct, ``masks[i]`` is the bitmask of
set ``i`` (bit ``c`` for channel ``c``) and sets are sorted by mask; beyond that, ``masks`` is None
and each path keeps its own (possibly repeated) set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tandem.core.attribution.grouping import group_keys
from tandem.core.attribution.journeys import JourneySet

MASK_CHANNELS = 62


@dataclass(frozen=True, eq=False)
class SetTable:
    """Distinct channel sets with their summed outcomes (see module docstring)."""

    n_channels: int
    offsets: np.ndarray
    members: np.ndarray
    conversions: np.ndarray
    value: np.ndarray
    journeys: np.ndarray
    masks: np.ndarray | None

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)


def channel_sets(js: JourneySet) -> SetTable:
    """Group paths by channel set (see module docstring)."""
    journeys = js.conversions + js.nulls
    if js.n_channels > MASK_CHANNELS:
        keys, _ = group_keys(js.path_of_touch.astype(np.int64) * js.n_channels + js.touches)
        pair_path, members = keys // js.n_channels, keys % js.n_channels
        offsets = np.r_[0, np.cumsum(np.bincount(pair_path, minlength=js.n_paths))].astype(np.int64)
        return SetTable(js.n_channels, offsets, members, js.conversions, js.value, journeys, None)
    if js.n_paths == 0:
        path_masks = np.zeros(0, dtype=np.int64)
    else:
        path_masks = np.bitwise_or.reduceat(np.left_shift(1, js.touches.astype(np.int64)), js.offsets[:-1])
    masks, inverse = group_keys(path_masks)
    bits = (masks[:, None] >> np.arange(js.n_channels)) & 1
    set_of_member, members = np.nonzero(bits)
    offsets = np.r_[0, np.cumsum(np.bincount(set_of_member, minlength=len(masks)))].astype(np.int64)
    sums = [np.bincount(inverse, w, minlength=len(masks)) for w in (js.conversions, js.value, journeys)]
    return SetTable(js.n_channels, offsets, members.astype(np.int64), *sums, masks=masks)


def shapley_weights(n: int) -> np.ndarray:
    """``w[s] = s! (n - 1 - s)! / n!``: the weight of a marginal contribution to a coalition of size s."""
    return np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)]) if n else np.zeros(0)


def popcounts(n: int) -> np.ndarray:
    """Number of set bits of every mask ``0 .. 2**n - 1``."""
    masks = np.arange(1 << n, dtype=np.int64)
    return sum(((masks >> b) & 1 for b in range(n)), np.zeros(1 << n, dtype=np.int64))


def subset_sums(f: np.ndarray, n: int) -> np.ndarray:
    """Zeta transform: ``out[S] = sum of f[T] over T subset of S`` for masks of ``n`` bits."""
    out = f.astype(np.float64).copy()
    for b in range(n):
        view = out.reshape(-1, 2, 1 << b)
        view[:, 1, :] += view[:, 0, :]
    return out


def exact_shapley(v: np.ndarray, n: int) -> np.ndarray:
    """Shapley value of the game ``v`` (indexed by coalition mask over ``n`` players), by enumeration.

    ``phi_i = sum over S without i of w(|S|) (v(S + i) - v(S))``; efficiency: ``sum(phi) = v(N) - v(empty)``.
    """
    weights = shapley_weights(n)
    sizes = popcounts(n)
    phi = np.empty(n)
    for i in range(n):
        v3 = v.reshape(-1, 2, 1 << i)
        s3 = sizes.reshape(-1, 2, 1 << i)
        phi[i] = np.sum(weights[s3[:, 0, :]] * (v3[:, 1, :] - v3[:, 0, :]))
    return phi
