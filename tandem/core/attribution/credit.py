"""The result of an attribution model, and the step that turns per-touch weights into it.

Invariant of every :class:`Attribution` (checked by :func:`check_totals` and by the tests): the
credit summed over channels equals the journeys' total conversions, and the value credit summed
over channels equals their total value, up to floating-point rounding (relative 1e-9).
Credit may be negative only for the Shapley models, whose games are not monotone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tandem.core.attribution.journeys import JourneySet

TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class Attribution:
    """Per-channel credit of one model: ``conversions[i]`` and ``value[i]`` belong to ``channels[i]``.

    ``removal_effects`` (Markov models) and ``standard_error`` (sampled Shapley: the standard error of
    each channel's conversion credit) are present only where the model defines them.
    """

    model: str
    channels: tuple[str, ...]
    conversions: np.ndarray
    value: np.ndarray
    total_conversions: float
    total_value: float
    removal_effects: np.ndarray | None = None
    value_removal_effects: np.ndarray | None = None
    standard_error: np.ndarray | None = None
    value_standard_error: np.ndarray | None = None
    note: str = ""

    def by_channel(self) -> dict[str, tuple[float, float]]:
        """``{channel: (conversions, value)}`` in channel order."""
        return {
            c: (float(k), float(v))
            for c, k, v in zip(self.channels, self.conversions, self.value, strict=True)
        }

    def as_dict(self) -> dict:
        """A JSON-ready mapping (plain floats and lists)."""
        out: dict = {
            "model": self.model,
            "total_conversions": self.total_conversions,
            "total_value": self.total_value,
            "channels": {c: {"conversions": k, "value": v} for c, (k, v) in self.by_channel().items()},
        }
        extras = {
            "removal_effect": self.removal_effects,
            "value_removal_effect": self.value_removal_effects,
            "standard_error": self.standard_error,
            "value_standard_error": self.value_standard_error,
        }
        for key, array in extras.items():
            if array is not None:
                for channel, x in zip(self.channels, array, strict=True):
                    out["channels"][channel][key] = float(x)
        if self.note:
            out["note"] = self.note
        return out


def from_touch_weights(js: JourneySet, model: str, weights: np.ndarray, note: str = "") -> Attribution:
    """Credit each touch ``weights[t]`` of its path's conversions and value, summed per channel.

    Precondition: the weights of every path sum to 1 (each path's outcomes are split, never lost).
    """
    path = js.path_of_touch
    return Attribution(
        model=model,
        channels=js.channels,
        conversions=np.bincount(js.touches, weights * js.conversions[path], minlength=js.n_channels),
        value=np.bincount(js.touches, weights * js.value[path], minlength=js.n_channels),
        total_conversions=js.total_conversions,
        total_value=js.total_value,
        note=note,
    )


def from_shares(
    js: JourneySet, model: str, shares: np.ndarray, value_shares: np.ndarray, **extra
) -> Attribution:
    """Credit channels a share of total conversions / value; shares are normalised to sum to 1.

    All-zero shares (no conversions) give zero credit, which still meets the invariant.
    """
    return Attribution(
        model=model,
        channels=js.channels,
        conversions=_normalise(shares) * js.total_conversions,
        value=_normalise(value_shares) * js.total_value,
        total_conversions=js.total_conversions,
        total_value=js.total_value,
        **extra,
    )


def _normalise(x: np.ndarray) -> np.ndarray:
    total = x.sum()
    return x / total if total > 0 else np.zeros_like(x, dtype=np.float64)


def check_totals(result: Attribution, tolerance: float = TOLERANCE) -> None:
    """Raise AssertionError unless credit sums to the totals (relative ``tolerance``)."""
    for got, want, what in (
        (result.conversions.sum(), result.total_conversions, "conversions"),
        (result.value.sum(), result.total_value, "value"),
    ):
        if abs(got - want) > tolerance * max(1.0, abs(want)):
            raise AssertionError(f"{result.model}: {what} credit sums to {got}, expected {want}")
