"""Exact absorption probabilities of a journey chain, and channel removal effects.

With ``Q`` the transient-to-transient transition probabilities, ``r`` the probability of converting
from each state and ``pi`` the start distribution, the probability that a journey converts is
``P = pi' (I - Q)^-1 r`` (a linear solve; nothing is simulated).

Removing channel ``c`` redirects every transition into a state that contains ``c`` to the null
state, i.e. drops those states from the system. Its removal effect is
``RE_c = 1 - P_without_c / P``, which equals the probability that a converting journey visits ``c``
(ChannelAttribution estimates the same quantity by simulation). ``RE_c`` lies in [0, 1].

The value removal effect replaces ``r`` by ``r * m`` where ``m_s`` is the mean value of the
conversions observed right after state ``s`` (ChannelAttribution draws conversion values from that
state's distribution); with equal conversion values it equals the conversion removal effect.

Solvers: up to ``dense_max`` states (500), one dense inverse ``B = (I - Q)^-1`` gives every
removal through the block-inverse identity ``(A_KK)^-1 = B_KK - B_KR (B_RR)^-1 B_RK`` (K kept,
R removed states), so each channel costs O(states x removed) instead of a new factorisation.
Above it the chain is sparse (a k-window state has at most ``n_channels + 2`` successors), and
the same linear systems are solved by the fixed-point iteration ``x <- Q x + r`` on the sparse
transitions, all removals at once, until no entry changes by more than 1e-14 of its column's
scale: deterministic, no simulation, and equal to the dense solution to about 1e-12 (tested).
It avoids dense O(states^3) work and multi-threaded BLAS, which is slow on a busy machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tandem.core.attribution.markov_chain import Chain

DENSE_MAX_STATES = 500
BLOCK_CELLS = 4_000_000
ITERATION_TOLERANCE = 1e-14
MAX_ITERATIONS = 200_000


@dataclass(frozen=True, eq=False)
class RemovalEffects:
    """Per-channel removal effects (conversions and value) and the baseline absorption."""

    conversion: np.ndarray
    value: np.ndarray
    p_conversion: float
    value_per_journey: float
    solver: str


def system(chain: Chain) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row-normalised sparse Q as (src, dst, prob), the right-hand sides (S, 2) and the start distribution."""
    out = chain.out_total()
    inv = np.divide(1.0, out, out=np.zeros(chain.n_states), where=out > 0)
    rhs = np.column_stack([chain.to_conversion * inv, chain.to_value * inv])
    total_start = chain.start.sum()
    pi = chain.start / total_start if total_start > 0 else chain.start.copy()
    return chain.src, chain.dst, chain.weight * inv[chain.src], rhs, pi


def dense_matrix(chain: Chain, src: np.ndarray, dst: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """``I - Q`` as a dense array."""
    s = chain.n_states
    q = np.bincount(src * s + dst, prob, minlength=s * s).reshape(s, s)
    return np.eye(s) - q


def absorption(chain: Chain, keep: np.ndarray | None = None) -> np.ndarray:
    """``[P(conversion), value per journey]`` from the start, with only ``keep`` states (direct solve).

    The reference solver: one dense factorisation per call. Used by tests and small chains.
    """
    src, dst, prob, rhs, pi = system(chain)
    a = dense_matrix(chain, src, dst, prob)
    keep = np.ones(chain.n_states, dtype=bool) if keep is None else keep
    if not keep.any():
        return np.zeros(2)
    x = np.linalg.solve(a[np.ix_(keep, keep)], rhs[keep])
    return pi[keep] @ x


def removal_effects(chain: Chain, dense_max: int = DENSE_MAX_STATES) -> RemovalEffects:
    """Removal effect of every channel (see module docstring), solved exactly."""
    if chain.n_states <= dense_max:
        base, without = _dense_removals(chain)
        solver = "dense"
    else:
        base, without = _iterative_removals(chain)
        solver = "iterative"
    ratio = np.divide(without, base[None, :], out=np.ones_like(without), where=base[None, :] > 0)
    effects = np.clip(1.0 - ratio, 0.0, 1.0)
    effects[:, base <= 0] = 0.0
    return RemovalEffects(effects[:, 0], effects[:, 1], float(base[0]), float(base[1]), solver)


def _dense_removals(chain: Chain) -> tuple[np.ndarray, np.ndarray]:
    """Baseline (2,) and per-channel (C, 2) absorption via one inverse and the block identity."""
    src, dst, prob, rhs, pi = system(chain)
    if chain.n_states == 0:
        return np.zeros(2), np.zeros((chain.n_channels, 2))
    b = np.linalg.inv(dense_matrix(chain, src, dst, prob))
    row = pi @ b  # pi' B
    col = b @ rhs  # B h, two columns
    base = pi @ col
    without = np.empty((chain.n_channels, 2))
    for c in range(chain.n_channels):
        without[c] = _without_states(b, row, col, pi, rhs, np.flatnonzero(chain.contains[:, c]), base)
    return base, without


def _without_states(
    b: np.ndarray,
    row: np.ndarray,
    col: np.ndarray,
    pi: np.ndarray,
    rhs: np.ndarray,
    r: np.ndarray,
    base: np.ndarray,
) -> np.ndarray:
    """``pi_K' (A_KK)^-1 h_K`` for K = all states but ``r``, from the full inverse ``b``."""
    if len(r) == 0:
        return base
    b_rr = b[np.ix_(r, r)]
    g_r = row[r] - pi[r] @ b_rr  # (pi_K' B)_R
    f_r = col[r] - b_rr @ rhs[r]  # (B h_K)_R
    g_k_h_k = base - pi[r] @ col[r] - row[r] @ rhs[r] + pi[r] @ b_rr @ rhs[r]  # pi_K' B_KK h_K
    return g_k_h_k - g_r @ np.linalg.solve(b_rr, f_r)


def _iterative_removals(chain: Chain) -> tuple[np.ndarray, np.ndarray]:
    """Baseline and per-channel absorption, all scenarios iterated together on the sparse chain."""
    src, dst, prob, rhs, pi = system(chain)
    keep = np.column_stack([np.ones(chain.n_states, dtype=bool), ~chain.contains])  # (S, 1 + C)
    scenarios = keep.shape[1]
    block = max(1, BLOCK_CELLS // max(2 * len(src), 1))
    out = np.empty((scenarios, 2))
    for start in range(0, scenarios, block):
        part = keep[:, start : start + block]
        x = _fixed_point(src, dst, prob, rhs, part)  # (S, scenarios in block, 2)
        out[start : start + block] = np.einsum("s,skh->kh", pi, x)
    return out[0], out[1:]


def _fixed_point(
    src: np.ndarray, dst: np.ndarray, prob: np.ndarray, rhs: np.ndarray, keep: np.ndarray
) -> np.ndarray:
    """Solve ``x = Q x + h`` for each column of ``keep`` (removed states fixed at 0) by iteration.

    Moves are sorted by source, so ``Q x`` is one gather and one ``add.reduceat`` per step.
    """
    n = len(keep)
    rows, row_starts = np.unique(src, return_index=True) if len(src) else (np.zeros(0, int), np.zeros(0, int))
    mask = keep[:, :, None].astype(np.float64)
    h = rhs[:, None, :] * mask
    x = h.copy()
    for _ in range(MAX_ITERATIONS):
        new = h.copy()
        if len(rows):
            new[rows] += np.add.reduceat(prob[:, None, None] * x[dst], row_starts, axis=0)
        new *= mask
        if not n:
            return new
        change = np.abs(new - x).max(axis=0)
        x = new
        if np.all(change <= ITERATION_TOLERANCE * np.abs(x).max(axis=0)):
            return x
    raise ArithmeticError("absorbing-chain iteration did not converge; lower the Markov order")
