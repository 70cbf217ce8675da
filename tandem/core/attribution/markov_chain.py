"""The order-k Markov chain of journeys, built with numpy from the flat touch array.

States follow ChannelAttribution's higher-order construction: a path of ``n`` touches visits its
windows of ``k`` consecutive channels (``n - k + 1`` of them); a path shorter than ``k`` is one
state holding the whole path. Every path starts in the shared start state and ends in the
absorbing ``conversion`` state (weight: its conversions) and ``null`` state (weight: its
non-converting journeys). Transitions between its states weigh ``conversions + nulls``: every
journey, converting or not, walks the path. Paths with no journeys at all add nothing.

Invariants of a :class:`Chain`:

* state ``s`` is the tuple of channels decoded from ``state_codes[s]`` (base ``n_channels + 1``
  digits, each ``channel id + 1``); ``contains[s, c]`` says whether channel ``c`` is in it;
* transitions ``src -> dst`` are distinct pairs with positive weight and exclude self-loops
  (consecutive identical windows, e.g. from repeated channels): a self-loop delays absorption
  but never changes where it ends, so absorption probabilities are those of the chain with
  self-loops (ChannelAttribution collapses them the same way);
* flows balance: for every state, journeys in = journeys out (to states, conversion or null).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tandem.core.attribution.grouping import group_keys
from tandem.core.attribution.journeys import JourneySet

LOOKUP_TABLE_MAX = 1 << 20


@dataclass(frozen=True, eq=False)
class Chain:
    """Transition counts of an order-k chain (see the module docstring for the invariants)."""

    order: int
    n_channels: int
    state_codes: np.ndarray
    contains: np.ndarray
    start: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    to_conversion: np.ndarray
    to_value: np.ndarray
    to_null: np.ndarray

    @property
    def n_states(self) -> int:
        return len(self.state_codes)

    def out_total(self) -> np.ndarray:
        """Journeys leaving each state (towards states, conversion and null)."""
        moves = np.bincount(self.src, self.weight, minlength=self.n_states)
        return moves + self.to_conversion + self.to_null

    def state_channels(self, s: int) -> tuple[int, ...]:
        """Channel ids of state ``s``, oldest first."""
        return tuple(int(d) - 1 for d in decode_digits(self.state_codes[s : s + 1], self.n_channels)[0])


def window_codes(js: JourneySet, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer code of every window of ``order`` touches, and the path of each window.

    Windows of a path are consecutive in the output, oldest first.
    """
    base = js.n_channels + 1
    if base**order >= 2**62:
        raise ValueError(f"order {order} with {js.n_channels} channels has too many possible states")
    if order == 1:
        return js.touches.astype(np.int64) + 1, js.path_of_touch
    lengths = js.lengths
    per_path = np.maximum(lengths - order + 1, 1)
    path = np.repeat(np.arange(js.n_paths), per_path)
    first_window = np.cumsum(per_path) - per_path
    start = js.offsets[path] + np.arange(len(path)) - first_window[path]
    width = np.minimum(lengths, order)[path]
    codes = np.zeros(len(path), dtype=np.int64)
    last_touch = len(js.touches) - 1
    for i in range(order):
        digit = js.touches[np.minimum(start + i, last_touch)].astype(np.int64) + 1
        codes = np.where(i < width, codes * base + digit, codes)
    return codes, path


def decode_digits(codes: np.ndarray, n_channels: int) -> list[list[int]]:
    """Digits (channel id + 1) of each code, oldest first; used for labels and tests."""
    base = n_channels + 1
    out = []
    for code in codes.tolist():
        digits = []
        while code:
            code, d = divmod(code, base)
            digits.append(d)
        out.append(digits[::-1])
    return out


def state_ids(codes: np.ndarray, base: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense state ids for window codes: (sorted distinct codes, id of each window)."""
    if base**order <= LOOKUP_TABLE_MAX:
        seen = np.zeros(base**order, dtype=bool)
        seen[codes] = True
        distinct = np.flatnonzero(seen)
        table = np.cumsum(seen) - 1
        return distinct, table[codes]
    return group_keys(codes)


def contains_matrix(codes: np.ndarray, n_channels: int, order: int) -> np.ndarray:
    """Boolean (n_states, n_channels): state s includes channel c."""
    base = n_channels + 1
    contains = np.zeros((len(codes), n_channels), dtype=bool)
    rest = codes.copy()
    for _ in range(order):
        digit = rest % base
        has = digit > 0
        contains[np.flatnonzero(has), digit[has] - 1] = True
        rest //= base
    return contains


def aggregate_moves(
    src: np.ndarray, dst: np.ndarray, weight: np.ndarray, n_states: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum the weights of identical (src, dst) moves; zero-weight pairs are dropped."""
    pairs = src.astype(np.int64) * n_states + dst
    if n_states * n_states <= LOOKUP_TABLE_MAX * 4:
        totals = np.bincount(pairs, weight, minlength=n_states * n_states)
        distinct = np.flatnonzero(totals)
        weights = totals[distinct]
    else:
        distinct, inverse = group_keys(pairs)
        weights = np.bincount(inverse, weight, minlength=len(distinct))
        distinct, weights = distinct[weights > 0], weights[weights > 0]
    return distinct // n_states, distinct % n_states, weights


def build_chain(js: JourneySet, order: int = 1) -> Chain:
    """Count the transitions of the order-``order`` chain over all journeys (see module docstring)."""
    if order < 1:
        raise ValueError(f"Markov order must be >= 1, got {order}")
    codes, path = window_codes(js, order)
    distinct, sid = state_ids(codes, js.n_channels + 1, order)
    n_states = len(distinct)
    per_path = np.maximum(js.lengths - order + 1, 1)
    ends = np.cumsum(per_path)  # one past each path's last window
    first, last = ends - per_path, ends - 1
    walkers = js.conversions + js.nulls
    moves = sid[:-1] != sid[1:]
    moves[last[:-1]] = False  # no move from one path's last window to the next path's first
    src, dst, weight = aggregate_moves(sid[:-1][moves], sid[1:][moves], walkers[path[:-1][moves]], n_states)
    return Chain(
        order=order,
        n_channels=js.n_channels,
        state_codes=distinct,
        contains=contains_matrix(distinct, js.n_channels, order),
        start=np.bincount(sid[first], walkers, minlength=n_states),
        src=src,
        dst=dst,
        weight=weight,
        to_conversion=np.bincount(sid[last], js.conversions, minlength=n_states),
        to_value=np.bincount(sid[last], js.value, minlength=n_states),
        to_null=np.bincount(sid[last], js.nulls, minlength=n_states),
    )
