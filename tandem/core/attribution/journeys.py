"""Journeys as flat integer arrays (CSR layout), the input of every attribution model.

A :class:`JourneySet` holds ``n`` paths. Path ``j`` is ``touches[offsets[j]:offsets[j + 1]]``: the
ordered channel ids (indices into ``channels``) of its touches, oldest first. Each path carries
``conversions`` (how many journeys on it converted), ``value`` (their total conversion value) and
``nulls`` (how many journeys on it ended without converting).

Invariants, checked on construction:

* ``offsets`` is int64, starts at 0 and strictly increases: every path has at least one touch;
* ``touches`` is int32 with ``0 <= id < len(channels)``; channel names are distinct;
* ``conversions``, ``value`` and ``nulls`` are finite, non-negative float64 arrays of length ``n``,
  and a path with value has conversions;
* ``ages`` (optional) is finite and non-negative per touch: the time from the touch to the
  journey's conversion (or end), in hours;
* ``lead_index`` / ``opportunity_index`` (optional) hold, per path, the position of the touch
  that created the lead / the opportunity, or -1 when unknown.

Identical paths are merged on encoding (counts add up) unless the journeys carry touch ages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

UNKNOWN = -1


@dataclass(frozen=True)
class Journey:
    """One path as a person would write it: channel names oldest first, plus its outcomes.

    ``conversions`` and ``nulls`` are counts of journeys that followed this path (a path file row
    stands for many journeys); ``ages`` are hours from each touch to the conversion.
    """

    channels: Sequence[str]
    conversions: float = 1.0
    value: float = 0.0
    nulls: float = 0.0
    ages: Sequence[float] | None = None
    lead_index: int | None = None
    opportunity_index: int | None = None


@dataclass(frozen=True, eq=False)
class JourneySet:
    """Encoded journeys; see the module docstring for the invariants."""

    channels: tuple[str, ...]
    offsets: np.ndarray
    touches: np.ndarray
    conversions: np.ndarray
    value: np.ndarray
    nulls: np.ndarray
    ages: np.ndarray | None = None
    lead_index: np.ndarray | None = None
    opportunity_index: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_layout(self)
        _check_outcomes(self)
        _check_optional(self)

    @property
    def n_paths(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def lengths(self) -> np.ndarray:
        """Touches per path (all >= 1)."""
        return self._cached("lengths", lambda: np.diff(self.offsets))

    @property
    def path_of_touch(self) -> np.ndarray:
        """For each touch, the index of its path."""
        return self._cached("path_of_touch", lambda: np.repeat(np.arange(self.n_paths), self.lengths))

    @property
    def position(self) -> np.ndarray:
        """For each touch, its 0-based position within its path."""
        return self._cached(
            "position", lambda: np.arange(len(self.touches)) - np.repeat(self.offsets[:-1], self.lengths)
        )

    @property
    def total_conversions(self) -> float:
        return float(self.conversions.sum())

    @property
    def total_value(self) -> float:
        return float(self.value.sum())

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]


def _check_layout(js: JourneySet) -> None:
    """Offsets strictly increase from 0 to len(touches); channel ids are in range; names distinct."""
    if js.offsets.dtype != np.int64 or js.offsets.ndim != 1 or len(js.offsets) < 1:
        raise ValueError("offsets must be a 1-d int64 array of length n_paths + 1")
    if js.offsets[0] != 0 or js.offsets[-1] != len(js.touches):
        raise ValueError("offsets must start at 0 and end at len(touches)")
    if np.any(np.diff(js.offsets) <= 0):
        raise ValueError("every path needs at least one touch")
    if js.touches.dtype != np.int32:
        raise ValueError("touches must be int32 channel ids")
    if len(js.touches) and (js.touches.min() < 0 or js.touches.max() >= len(js.channels)):
        raise ValueError("a touch refers to an unknown channel id")
    if len(set(js.channels)) != len(js.channels):
        raise ValueError("channel names must be distinct")


def _check_outcomes(js: JourneySet) -> None:
    """Counts and values are finite, non-negative, one per path; value needs conversions."""
    for name in ("conversions", "value", "nulls"):
        array = getattr(js, name)
        if array.dtype != np.float64 or array.shape != (js.n_paths,):
            raise ValueError(f"{name} must be a float64 array with one entry per path")
        if not np.all(np.isfinite(array)) or np.any(array < 0):
            raise ValueError(f"{name} must be finite and non-negative")
    if np.any((js.value > 0) & (js.conversions == 0)):
        raise ValueError("a path has conversion value but no conversions")


def _check_optional(js: JourneySet) -> None:
    """Ages are per touch and non-negative; milestone indices are -1 or a position in the path."""
    if js.ages is not None:
        if js.ages.shape != js.touches.shape or not np.all(np.isfinite(js.ages)) or np.any(js.ages < 0):
            raise ValueError("ages must be finite, non-negative and given for every touch")
    for name in ("lead_index", "opportunity_index"):
        index = getattr(js, name)
        if index is None:
            continue
        if index.shape != (js.n_paths,) or index.dtype != np.int64:
            raise ValueError(f"{name} must be an int64 array with one entry per path")
        if np.any((index < UNKNOWN) | (index >= np.diff(js.offsets))):
            raise ValueError(f"{name} must be -1 (unknown) or a touch position within the path")


def encode(journeys: Iterable[Journey], aggregate: bool = True) -> JourneySet:
    """Encode journeys; channel ids follow first appearance. Identical paths merge when ``aggregate``.

    Journeys with ``ages`` are never merged (their touches happened at different times).
    """
    rows = list(journeys)
    has_ages = any(j.ages is not None for j in rows)
    if has_ages and any(j.ages is None for j in rows):
        raise ValueError("either every journey has touch ages or none has")
    if aggregate and not has_ages:
        rows = _merge_identical(rows)
    names: dict[str, int] = {}
    flat = [names.setdefault(str(c), len(names)) for j in rows for c in j.channels]
    lengths = np.array([len(j.channels) for j in rows], dtype=np.int64)
    return JourneySet(
        channels=tuple(names),
        offsets=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        touches=np.array(flat, dtype=np.int32),
        conversions=np.array([j.conversions for j in rows], dtype=np.float64),
        value=np.array([j.value for j in rows], dtype=np.float64),
        nulls=np.array([j.nulls for j in rows], dtype=np.float64),
        ages=np.array([a for j in rows for a in j.ages], dtype=np.float64) if has_ages else None,
        lead_index=_milestones(rows, "lead_index"),
        opportunity_index=_milestones(rows, "opportunity_index"),
    )


def _merge_identical(rows: list[Journey]) -> list[Journey]:
    """Sum the outcomes of journeys with the same channels and milestone indices."""
    merged: dict[tuple, list[float]] = {}
    for j in rows:
        key = (tuple(j.channels), j.lead_index, j.opportunity_index)
        totals = merged.setdefault(key, [0.0, 0.0, 0.0])
        totals[0] += j.conversions
        totals[1] += j.value
        totals[2] += j.nulls
    return [
        Journey(channels=k[0], conversions=c, value=v, nulls=n, lead_index=k[1], opportunity_index=k[2])
        for k, (c, v, n) in merged.items()
    ]


def _milestones(rows: list[Journey], name: str) -> np.ndarray | None:
    values = [getattr(j, name) for j in rows]
    if all(v is None for v in values):
        return None
    return np.array([UNKNOWN if v is None else v for v in values], dtype=np.int64)


def from_arrays(
    channels: Sequence[str],
    lengths: np.ndarray,
    touches: np.ndarray,
    conversions: np.ndarray,
    value: np.ndarray | None = None,
    nulls: np.ndarray | None = None,
) -> JourneySet:
    """Build a JourneySet from per-path lengths and flat touches (no merging, no copies when typed)."""
    n = len(lengths)
    return JourneySet(
        channels=tuple(channels),
        offsets=np.concatenate(([0], np.cumsum(lengths, dtype=np.int64))).astype(np.int64),
        touches=np.asarray(touches, dtype=np.int32),
        conversions=np.asarray(conversions, dtype=np.float64),
        value=np.zeros(n) if value is None else np.asarray(value, dtype=np.float64),
        nulls=np.zeros(n) if nulls is None else np.asarray(nulls, dtype=np.float64),
    )


def subset(js: JourneySet, keep: np.ndarray) -> JourneySet:
    """The paths where ``keep`` is True, with the same channels (ids unchanged)."""
    touch_keep = np.repeat(keep, js.lengths)
    return JourneySet(
        channels=js.channels,
        offsets=np.r_[0, np.cumsum(js.lengths[keep])].astype(np.int64),
        touches=js.touches[touch_keep],
        conversions=js.conversions[keep],
        value=js.value[keep],
        nulls=js.nulls[keep],
        ages=None if js.ages is None else js.ages[touch_keep],
        lead_index=None if js.lead_index is None else js.lead_index[keep],
        opportunity_index=None if js.opportunity_index is None else js.opportunity_index[keep],
    )


def converting(js: JourneySet) -> JourneySet:
    """The paths with conversions (the only ones rule-based models credit), computed once per set."""
    if js.conversions.all():
        return js
    return js._cached("converting", lambda: subset(js, js.conversions > 0))


def collapse_repeats(js: JourneySet) -> JourneySet:
    """Merge runs of the same channel in a path into one touch (``a > a > b`` becomes ``a > b``).

    The kept touch is the run's last (most recent) one, so ages keep the latest time; a milestone
    index moves to the run that contained it. Outcomes are unchanged.
    """
    touches, offsets = js.touches, js.offsets
    is_last = np.ones(len(touches), dtype=bool)
    is_last[:-1] = touches[:-1] != touches[1:]
    is_last[offsets[1:] - 1] = True
    run_of_touch = np.cumsum(is_last) - is_last  # runs finished before each touch
    new_offsets = np.concatenate(([0], np.cumsum(is_last)[offsets[1:] - 1])).astype(np.int64)
    return JourneySet(
        channels=js.channels,
        offsets=new_offsets,
        touches=touches[is_last],
        conversions=js.conversions,
        value=js.value,
        nulls=js.nulls,
        ages=None if js.ages is None else js.ages[is_last],
        lead_index=_remap_milestone(js.lead_index, offsets, run_of_touch, new_offsets),
        opportunity_index=_remap_milestone(js.opportunity_index, offsets, run_of_touch, new_offsets),
    )


def _remap_milestone(
    index: np.ndarray | None, offsets: np.ndarray, run_of_touch: np.ndarray, new_offsets: np.ndarray
) -> np.ndarray | None:
    if index is None:
        return None
    known = index >= 0
    touch = offsets[:-1] + np.where(known, index, 0)
    return np.where(known, run_of_touch[touch] - new_offsets[:-1], UNKNOWN).astype(np.int64)
