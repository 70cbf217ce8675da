"""The stage-event ledger as arrays, and the stays it implies.

The ledger is the append-only list of stage events (lead, from_stage, to_stage, occurred_at).
Every funnel metric reads it through a `Ledger`, whose arrays obey these invariants:

* Events are ordered by (lead, occurred_at); events of one lead at the same second keep the
  order they were given in, so give them in recorded order (e.g. ordered by id).
* Consecutive duplicates are dropped: an event into the stage the lead is already in (as
  after a merge moved a loser's "inquiry" next to the survivor's) is not an entry, and it
  does not end the stay. A stage re-entered after leaving it (recycling, or a merged
  history that interleaves) is a new entry.
* The exited stage of event i is `prev[i]`, the stage of the lead's previous event (-1 for
  its first event). The recorded `from_stage` is not used: after a merge it describes the
  loser's history, not the survivor's, and the two must not disagree.
* A stay in a stage starts at the event that enters it and ends at the lead's next stage
  event, whatever its target; the last stay of a lead is open (`exit_at == OPEN`).
* Instants are int64 seconds since the Unix epoch, UTC (see `tandem.core.periods`).

A merge moves the loser's events to the survivor with their original occurred_at, so they
are counted once, for the survivor, in time order with its own events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np

from tandem.core.periods import NO_TIME, epoch_seconds, from_epoch, require_utc, to_epoch

ACTIVE_STAGES: tuple[str, ...] = ("inquiry", "aql", "mql", "tal", "tql", "sal", "sql", "opportunity")
TERMINAL_STAGES: tuple[str, ...] = ("won", "lost")
DETOUR_STAGES: tuple[str, ...] = ("recycled", "disqualified")
WATERFALL: tuple[str, ...] = ACTIVE_STAGES + TERMINAL_STAGES
DEFAULT_STAGES: tuple[str, ...] = WATERFALL + DETOUR_STAGES
#: The stages a funnel report shows by default: the active stages, then won.
FUNNEL_STAGES: tuple[str, ...] = ACTIVE_STAGES + ("won",)
#: Marks an open stay in `Ledger.exit_at`.
OPEN = np.iinfo(np.int64).max


class StageEvent(NamedTuple):
    lead_id: int
    from_stage: str | None
    to_stage: str
    occurred_at: datetime


@dataclass(frozen=True)
class Stay:
    stage: str
    entered_at: datetime
    exited_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.exited_at is None

    def duration(self, as_of: datetime | None = None) -> timedelta | None:
        """Closed: exit − entry. Open: age at `as_of`, or None without it."""
        end = self.exited_at if self.exited_at is not None else as_of
        return None if end is None else require_utc(end, field="as_of") - self.entered_at


def lead_stays(events: Iterable[StageEvent]) -> list[Stay]:
    """The stays of one lead from its events (any order; ties keep the given order)."""
    events = list(events)
    if len({e.lead_id for e in events}) > 1:
        raise ValueError("lead_stays takes the events of one lead; split them by lead_id first")
    timed = sorted((require_utc(e.occurred_at, field="occurred_at"), i, e.to_stage)
                   for i, e in enumerate(events))
    stays: list[Stay] = []
    for at, _, stage in timed:
        if stays and stays[-1].stage == stage:
            continue
        if stays:
            stays[-1] = Stay(stays[-1].stage, stays[-1].entered_at, at)
        stays.append(Stay(stage, at, None))
    return stays


def encode_stages(values: np.ndarray | Sequence[str] | Sequence[int], stages: Sequence[str]) -> np.ndarray:
    """Stage keys (or integer codes into `stages`) as int16 codes; an unknown key raises ValueError."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < 0 or arr.max() >= len(stages)):
            raise ValueError(f"stage codes must be in 0..{len(stages) - 1}")
        return arr.astype(np.int16)
    if arr.dtype.kind != "U":
        arr = arr.astype(str)
    codes = np.full(arr.shape, -1, dtype=np.int16)
    for code, key in enumerate(stages):
        codes[arr == key] = code
    if (codes < 0).any():
        unknown = sorted(set(arr[codes < 0].tolist()))[:5]
        raise ValueError(f"unknown stage(s) {', '.join(map(repr, unknown))}; known: {', '.join(stages)}")
    return codes


@dataclass(frozen=True)
class Dimension:
    """A per-event label (source, campaign, segment …) as integer codes into `labels`."""

    labels: tuple[str, ...]
    codes: np.ndarray

    @classmethod
    def encode(cls, values: Sequence[str] | np.ndarray) -> Dimension:
        labels, codes = np.unique(np.asarray(values).astype(str), return_inverse=True)
        return cls(tuple(labels.tolist()), codes.astype(np.int32))

    def take(self, index: np.ndarray) -> Dimension:
        return Dimension(self.labels, self.codes[index])


def _is_sorted(lead: np.ndarray, at: np.ndarray) -> bool:
    if lead.size < 2:
        return True
    later_lead = lead[1:] > lead[:-1]
    return bool(np.all(later_lead | ((lead[1:] == lead[:-1]) & (at[1:] >= at[:-1]))))


def _lead_time_order(lead: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A stable order by (lead, at): one int64 sort when the combined key fits, else a lexsort."""
    lead_span = int(lead.max()) - int(lead.min()) + 1
    at_span = int(at.max()) - int(at.min()) + 1
    if lead_span * at_span < 2**62:
        return np.argsort((lead - lead.min()) * at_span + (at - at.min()), kind="stable")
    return np.lexsort((at, lead))


@dataclass(frozen=True, eq=False)
class Ledger:
    """Stage events as parallel arrays; build with `Ledger.build` or `Ledger.from_events`.

    `lead` int64, `stage` int16 codes into `stages`, `at` int64 epoch seconds, `prev` int16
    (stage exited by this event, -1 for a lead's first), `exit_at` int64 (when this stay
    ended, OPEN while open). `dims` maps a dimension name to per-event codes.
    """

    stages: tuple[str, ...]
    lead: np.ndarray
    stage: np.ndarray
    at: np.ndarray
    prev: np.ndarray
    exit_at: np.ndarray
    dims: Mapping[str, Dimension] = field(default_factory=dict)

    @classmethod
    def build(cls, lead_ids: Sequence[int] | np.ndarray, to_stages: Sequence[str] | np.ndarray,
              occurred_at: Sequence[datetime] | np.ndarray, *, stages: Sequence[str] = DEFAULT_STAGES,
              dims: Mapping[str, Dimension | Sequence[str]] | None = None) -> Ledger:
        """From parallel arrays: lead ids, stage keys (or codes), instants (aware datetimes or epoch s)."""
        lead = np.asarray(lead_ids, dtype=np.int64)
        at = epoch_seconds(occurred_at, field="occurred_at")
        code = encode_stages(to_stages, tuple(stages))
        dimensions = {k: v if isinstance(v, Dimension) else Dimension.encode(v)
                      for k, v in (dims or {}).items()}
        sizes = {lead.size, at.size, code.size, *(d.codes.size for d in dimensions.values())}
        if len(sizes) != 1:
            raise ValueError("lead_ids, to_stages, occurred_at and every dimension must have the same length")
        if (at == NO_TIME).any():
            raise ValueError("occurred_at: every stage event needs an instant")
        if not _is_sorted(lead, at):
            order = _lead_time_order(lead, at)
            lead, at, code = lead[order], at[order], code[order]
            dimensions = {k: d.take(order) for k, d in dimensions.items()}
        keep = np.ones(lead.size, dtype=bool)
        keep[1:] = (lead[1:] != lead[:-1]) | (code[1:] != code[:-1])
        if not keep.all():
            lead, at, code = lead[keep], at[keep], code[keep]
            dimensions = {k: d.take(keep) for k, d in dimensions.items()}
        return cls._assemble(tuple(stages), lead, code, at, dimensions)

    @classmethod
    def from_events(cls, events: Iterable[StageEvent], *, stages: Sequence[str] = DEFAULT_STAGES,
                    dims: Mapping[str, Sequence[str]] | None = None) -> Ledger:
        """From StageEvent tuples (small volumes and tests); `dims` lists one label per event."""
        events = list(events)
        return cls.build([e.lead_id for e in events], [e.to_stage for e in events],
                         [e.occurred_at for e in events], stages=stages, dims=dims)

    @classmethod
    def _assemble(cls, stages: tuple[str, ...], lead: np.ndarray, code: np.ndarray, at: np.ndarray,
                  dims: Mapping[str, Dimension]) -> Ledger:
        same = lead[1:] == lead[:-1]
        prev = np.full(lead.size, -1, dtype=np.int16)
        prev[1:][same] = code[:-1][same]
        exit_at = np.full(lead.size, OPEN, dtype=np.int64)
        exit_at[:-1][same] = at[1:][same]
        return cls(stages, lead, code, at, prev, exit_at, dict(dims))

    def __len__(self) -> int:
        return int(self.lead.size)

    def code(self, stage: str) -> int:
        try:
            return self.stages.index(stage)
        except ValueError:
            raise ValueError(f"unknown stage {stage!r}; known: {', '.join(self.stages)}") from None

    def for_leads(self, lead_ids: Iterable[int] | np.ndarray) -> Ledger:
        """The complete histories of the given leads (a filter by lead keeps stays intact)."""
        keep = np.isin(self.lead, np.asarray(list(lead_ids) if not isinstance(lead_ids, np.ndarray)
                                             else lead_ids, dtype=np.int64))
        return Ledger(self.stages, self.lead[keep], self.stage[keep], self.at[keep], self.prev[keep],
                      self.exit_at[keep], {k: d.take(keep) for k, d in self.dims.items()})

    def until(self, as_of: datetime | int) -> Ledger:
        """The ledger as it stood at `as_of`: events after it are dropped and stays they ended reopen."""
        cut = as_of if isinstance(as_of, int | np.integer) else to_epoch(as_of, field="as_of")
        keep = self.at <= cut
        exit_at = np.where(self.exit_at[keep] <= cut, self.exit_at[keep], OPEN)
        return Ledger(self.stages, self.lead[keep], self.stage[keep], self.at[keep], self.prev[keep], exit_at,
                      {k: d.take(keep) for k, d in self.dims.items()})

    def stays_of(self, lead_id: int) -> list[Stay]:
        """One lead's stays as datetimes (the same definition as `lead_stays`)."""
        rows = np.flatnonzero(self.lead == lead_id)
        return [Stay(self.stages[self.stage[i]], from_epoch(self.at[i]),
                     None if self.exit_at[i] == OPEN else from_epoch(self.exit_at[i])) for i in rows]
