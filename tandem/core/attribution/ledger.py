"""Journeys from a touch ledger: touch rows grouped by lead into one path per conversion.

Input, as flat arrays (no Python loop per row):

* touches: the lead id, the instant (epoch seconds) and a label code of every touch;
* ends: one row per journey end: a conversion (a lead created, an opportunity created or won)
  or a non-converting journey (a lead that did not convert by the end of the period), with
  its lead id, its instant, its value, and the instants of the lead's and the opportunity's
  creation for the milestone models.

Journey ``j`` holds the touches of its lead in ``[at_j - lookback, at_j]`` when ``inclusive``
(a touch at the instant of the conversion counts: the form fill that created the lead) or in
``[at_j - lookback, at_j)`` otherwise (the touches *before* an opportunity was created or
closed), oldest first; touches of one lead at the same second are in label-code order (or input
order when the packed sort does not apply, see Touches.build): either way deterministic.

Milestones (W-shaped, full path): the lead-creation touch is the last touch at or before the
lead's creation; the opportunity-creation touch is the last touch before the opportunity's
creation. When that touch is not in the path (none at all, or older than the look-back), the
milestone goes to the path's first touch: the first touch recorded after the milestone.

Invariants: every journey with at least one touch becomes one path of the JourneySet, whose
conversions (1 or 0), value and nulls (0 or 1) are those of its end; an end without touches is
*untouched* and is counted, not dropped (``untouched_conversions`` / ``untouched_value``), so
modelled credit + untouched = total conversions and total value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tandem.core.attribution.journeys import UNKNOWN, JourneySet

HOUR_S = 3600.0
_SHIFT = 32  # composite key: lead << 32 | seconds since the window start
_MAX_SPAN = 2**32


@dataclass(frozen=True, eq=False)
class Touches:
    """Touches sorted by lead, then instant (then input order): ``lead`` and ``at`` int64, ``code`` int32.

    ``key`` is the composite sort key ``lead << 32 | (at - base)`` (or the lead's rank in place of
    its id when ids do not fit in 31 bits); journeys are cut out of it by binary search.
    """

    lead: np.ndarray
    at: np.ndarray
    code: np.ndarray
    key: np.ndarray
    base: int
    leads: np.ndarray | None  # sorted distinct lead ids when keys use ranks, else None

    @classmethod
    def build(cls, lead: np.ndarray, at: np.ndarray, code: np.ndarray, *, base: int) -> Touches:
        """Sort the rows; ``base`` is at most every instant used later (the window start).

        When lead, seconds and code fit in 63 bits together (they do for ids below 2**30 or so,
        windows of decades and thousands of labels), the three are packed into one integer and
        sorted as values, which is several times faster than an argsort; ties then go by code.
        Otherwise an argsort keeps ties in input order.
        """
        lead = np.asarray(lead, dtype=np.int64)
        at = np.asarray(at, dtype=np.int64)
        code = np.asarray(code, dtype=np.int64)
        if lead.size and (at.min() < base or at.max() - base >= _MAX_SPAN):
            raise ValueError("touch instants must lie within 136 years after the base")
        if not lead.size:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, np.zeros(0, dtype=np.int32), empty, base, None)
        offset = at - base
        code_bits = max(int(code.max()).bit_length(), 1)
        if lead.min() >= 0 and int(lead.max()).bit_length() + _SHIFT + code_bits <= 63:
            packed = np.sort((lead << (_SHIFT + code_bits)) | (offset << code_bits) | code)
            key = packed >> code_bits
            return cls(key >> _SHIFT, (key & (_MAX_SPAN - 1)) + base,
                       (packed & ((1 << code_bits) - 1)).astype(np.int32), key, base, None)
        leads = np.unique(lead)
        key = (np.searchsorted(leads, lead).astype(np.int64) << _SHIFT) | offset
        order = np.argsort(key, kind="stable")
        return cls(lead[order], at[order], code[order].astype(np.int32), key[order], base, leads)

    def __len__(self) -> int:
        return int(self.key.size)

    def _owner(self, lead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(key prefix of each lead, whether the lead can have touches at all)."""
        lead = np.asarray(lead, dtype=np.int64)
        if self.leads is None:
            return lead, (lead >= 0) & (lead < 2**31 - 1)
        where = np.minimum(np.searchsorted(self.leads, lead), max(self.leads.size - 1, 0))
        known = self.leads.size > 0
        present = (self.leads[where] == lead) if known else np.zeros(lead.shape, dtype=bool)
        return where.astype(np.int64), present

    def position(self, lead: np.ndarray, at: np.ndarray, side: str) -> np.ndarray:
        """Index of the first touch of ``lead`` at or after ``at`` (``left``) or after it (``right``)."""
        owner, present = self._owner(lead)
        offset = np.clip(np.asarray(at, dtype=np.int64) - self.base, -1, _MAX_SPAN - 1)
        # before the base: ``left`` finds the lead's first touch; ``right`` must too
        offset = np.where(offset < 0, 0 if side == "left" else -1, offset)
        probe = (owner << _SHIFT) + offset
        found = np.searchsorted(self.key, probe, side="right" if side == "right" else "left")
        return np.where(present, found, 0)


@dataclass(frozen=True, eq=False)
class Ends:
    """One row per journey end. ``converted`` 1.0 for a conversion, 0.0 for a non-converting journey.

    ``lead_created`` / ``opportunity_created`` are epoch seconds, or None for the whole array
    when the level has no such milestone (leads sourced have no opportunity).
    """

    lead: np.ndarray
    at: np.ndarray
    value: np.ndarray
    converted: np.ndarray
    lead_created: np.ndarray | None = None
    opportunity_created: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class LedgerJourneys:
    """The JourneySet of the touched ends, and what the untouched conversions add to the totals.

    ``end_of_path[p]`` is the index (into the Ends) of path ``p``.
    """

    journeys: JourneySet
    end_of_path: np.ndarray
    untouched_conversions: float
    untouched_value: float
    non_converting: int
    touches: int

    @property
    def total_conversions(self) -> float:
        return self.journeys.total_conversions + self.untouched_conversions

    @property
    def total_value(self) -> float:
        return self.journeys.total_value + self.untouched_value


def journeys(
    touches: Touches, labels: tuple[str, ...], ends: Ends, *, lookback_s: int, inclusive: bool
) -> LedgerJourneys:
    """Cut each end's path out of the sorted touches; see the module docstring for the rules."""
    at = np.asarray(ends.at, dtype=np.int64)
    lo = touches.position(ends.lead, at - lookback_s, "left")
    hi = touches.position(ends.lead, at, "right" if inclusive else "left")
    lengths = np.maximum(hi - lo, 0)
    touched = lengths > 0
    converted = np.asarray(ends.converted, dtype=np.float64)
    value = np.asarray(ends.value, dtype=np.float64)
    keep = np.flatnonzero(touched)
    lo, lengths = lo[keep], lengths[keep]
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    flat = np.repeat(lo - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)
    codes = touches.code[flat]
    used = np.flatnonzero(np.bincount(codes, minlength=len(labels)))
    compact = np.zeros(len(labels), dtype=np.int32)
    compact[used] = np.arange(used.size, dtype=np.int32)
    compact = compact[codes]
    ages = (np.repeat(at[keep], lengths) - touches.at[flat]) / HOUR_S
    js = JourneySet(
        channels=tuple(labels[i] for i in used),
        offsets=offsets,
        touches=compact,
        conversions=converted[keep],
        value=np.where(converted[keep] > 0, value[keep], 0.0),
        nulls=1.0 - converted[keep],
        ages=np.maximum(ages, 0.0),
        lead_index=_milestone(touches, ends.lead, ends.lead_created, keep, lo, lengths, converted, "right"),
        opportunity_index=_milestone(touches, ends.lead, ends.opportunity_created, keep, lo, lengths, converted,
                                     "left"),
    )
    untouched = ~touched
    return LedgerJourneys(
        journeys=js,
        end_of_path=keep,
        untouched_conversions=float(converted[untouched].sum()),
        untouched_value=float(value[untouched & (converted > 0)].sum()),
        non_converting=int((converted[keep] == 0).sum()),
        touches=int(offsets[-1]),
    )


def _milestone(touches: Touches, lead: np.ndarray, instant: np.ndarray | None, keep: np.ndarray, lo: np.ndarray,
               lengths: np.ndarray, converted: np.ndarray, side: str) -> np.ndarray | None:
    """Per path, the position of the last touch at (``right``) or before (``left``) the instant.

    Outside the path (no such touch, or one older than the look-back): the first touch.
    Non-converting paths get UNKNOWN: no model credits them.
    """
    if instant is None:
        return None
    lead = np.asarray(lead, dtype=np.int64)[keep]
    last = touches.position(lead, np.asarray(instant, dtype=np.int64)[keep], side) - 1 - lo
    position = np.where((last >= 0) & (last < lengths), last, np.where(last >= lengths, lengths - 1, 0))
    return np.where(converted[keep] > 0, position, UNKNOWN).astype(np.int64)


def round_to_total(amounts: np.ndarray, total_units: int, places: int = 2) -> list[int]:
    """Amounts in units of 10**-places (cents for 2) that sum exactly to ``total_units``.

    Each amount is floored, then the units still missing go one each to the largest remainders
    (ties by position): largest-remainder rounding, so the rounded amounts always sum to the total.
    """
    scaled = np.asarray(amounts, dtype=np.float64) * 10**places
    if scaled.size == 0:
        return []
    floors = np.floor(scaled + 1e-9)
    units = floors.astype(np.int64)
    whole, rest = divmod(int(total_units) - int(units.sum()), units.size)
    units += whole  # 0 unless the amounts did not sum to the total to begin with
    units[np.argsort(-(scaled - floors), kind="stable")[:rest]] += 1
    return [int(u) for u in units]
