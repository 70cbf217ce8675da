"""Shapley-value attribution over one game whose players are all channels.

Characteristic functions (a coalition S is a set of channels; "journeys within S" are the journeys
whose channel set is a subset of S):

* ``conversions`` (default): ``v(S)`` = conversions of the journeys within S. This game is a sum of
  unanimity games, one per channel set T weighted by T's conversions, so its Shapley value is
  exact for any number of channels: each channel set's conversions are split equally among its
  channels (the "simplified Shapley value" of Zhao et al., 2018).
* ``conversion_rate``: ``v(S)`` = conversions / journeys of the journeys within S (0 if none),
  so channels that also appear on non-converting journeys earn less. Computed exactly by
  enumerating all 2^n coalitions for up to ``exact_max`` channels (default 15); beyond that by
  permutation sampling, with the standard error of each channel's credit reported.

Value credit uses the same game with value in place of conversions. Scaling: the Shapley values of
a game sum to ``v(all) - v(empty)`` (efficiency), so credit sums to total conversions and total value
(rates are multiplied by the number of journeys). Credit can be negative under ``conversion_rate``.
Sampled credit also sums to the totals exactly: each permutation's marginal contributions do.
"""

from __future__ import annotations

import numpy as np

from tandem.core.attribution.coalitions import SetTable, channel_sets, exact_shapley, subset_sums
from tandem.core.attribution.credit import Attribution
from tandem.core.attribution.journeys import JourneySet

CHARACTERISTICS = ("conversions", "conversion_rate")
EXACT_MAX_CHANNELS = 15
EXACT_LIMIT = 22
DEFAULT_SAMPLES = 2000
BATCH_CELLS = 4_000_000


def check_characteristic(characteristic: str) -> None:
    if characteristic not in CHARACTERISTICS:
        raise ValueError(f"unknown Shapley characteristic {characteristic!r}; use one of {CHARACTERISTICS}")


def shapley(
    js: JourneySet,
    characteristic: str = "conversions",
    exact_max: int = EXACT_MAX_CHANNELS,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> Attribution:
    """Shapley attribution with the given characteristic function (see module docstring)."""
    check_characteristic(characteristic)
    if not 0 <= exact_max <= EXACT_LIMIT:
        raise ValueError(f"exact_max must be between 0 and {EXACT_LIMIT}, got {exact_max}")
    table = channel_sets(js)
    if characteristic == "conversions":
        conv, value = equal_split(table), equal_split(table, table.value)
        return _result(js, conv, value, None, None, "exact: each channel set's credit split equally")
    if js.n_channels <= exact_max:
        conv, value = exact_rate_game(table)
        return _result(js, conv, value, None, None, f"exact over {2**js.n_channels} coalitions")
    if samples < 2:
        raise ValueError("Shapley sampling needs at least 2 permutations")
    conv, value, se, value_se = sampled_game(table, "conversion_rate", samples, seed)
    return _result(js, conv, value, se, value_se, f"{samples} sampled permutations (seed {seed})")


def _result(
    js: JourneySet,
    conv: np.ndarray,
    value: np.ndarray,
    se: np.ndarray | None,
    value_se: np.ndarray | None,
    note: str,
) -> Attribution:
    return Attribution(
        model="shapley",
        channels=js.channels,
        conversions=conv,
        value=value,
        total_conversions=js.total_conversions,
        total_value=js.total_value,
        standard_error=se,
        value_standard_error=value_se,
        note=note,
    )


def equal_split(table: SetTable, outcome: np.ndarray | None = None) -> np.ndarray:
    """Shapley value of ``v(S) = outcome of sets within S``: each set's outcome split equally."""
    outcome = table.conversions if outcome is None else outcome
    per_member = np.repeat(outcome / np.maximum(table.sizes, 1), table.sizes)
    return np.bincount(table.members, per_member, minlength=table.n_channels)


def exact_rate_game(table: SetTable) -> tuple[np.ndarray, np.ndarray]:
    """Exact Shapley credit of the conversion-rate (and value-rate) game, scaled by all journeys."""
    n = table.n_channels
    size = 1 << n
    journeys = subset_sums(np.bincount(table.masks, table.journeys, minlength=size), n)
    safe = np.where(journeys > 0, journeys, 1.0)
    out = []
    for outcome in (table.conversions, table.value):
        within = subset_sums(np.bincount(table.masks, outcome, minlength=size), n)
        out.append(exact_shapley(np.where(journeys > 0, within / safe, 0.0), n) * table.journeys.sum())
    return out[0], out[1]


def sampled_game(
    table: SetTable, characteristic: str, samples: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Permutation-sampled Shapley credit and its standard error, for conversions and value.

    Each permutation adds channels one by one; a channel set joins the coalition when its last
    channel does, and each channel earns the change in ``v`` when it joins.
    """
    rng = np.random.default_rng(seed)
    n = table.n_channels
    batch = int(max(1, min(samples, BATCH_CELLS // max(len(table.members), n, 1))))
    sums = np.zeros((2, n))
    squares = np.zeros((2, n))
    done = 0
    while done < samples:
        size = min(batch, samples - done)
        marginals = _batch_marginals(
            table, characteristic, rng.permuted(np.tile(np.arange(n), (size, 1)), axis=1)
        )
        sums += marginals.sum(axis=1)
        squares += (marginals**2).sum(axis=1)
        done += size
    mean = sums / samples
    se = np.sqrt(np.maximum(squares / samples - mean**2, 0.0) * samples / (samples - 1) / samples)
    scale = table.journeys.sum() if characteristic == "conversion_rate" else 1.0
    return mean[0] * scale, mean[1] * scale, se[0] * scale, se[1] * scale


def _batch_marginals(table: SetTable, characteristic: str, perms: np.ndarray) -> np.ndarray:
    """Marginal contributions (2, batch, n): [conversions game, value game] per permutation and channel."""
    b, n = perms.shape
    rows = np.arange(b)[:, None]
    rank = np.empty_like(perms)
    rank[rows, perms] = np.arange(n)
    joins = np.maximum.reduceat(rank[:, table.members], table.offsets[:-1], axis=1)  # (b, sets)
    cells = (joins + rows * n).ravel()
    totals = [
        np.bincount(cells, np.tile(w, b), minlength=b * n).reshape(b, n).cumsum(axis=1)
        for w in (table.conversions, table.value, table.journeys)
    ]
    out = np.empty((2, b, n))
    for k in range(2):
        v = totals[k]
        if characteristic == "conversion_rate":
            v = np.divide(v, totals[2], out=np.zeros_like(v), where=totals[2] > 0)
        out[k][rows, perms] = np.diff(v, axis=1, prepend=0.0)
    return out
