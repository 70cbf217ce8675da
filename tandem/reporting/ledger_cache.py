"""The whole stage-event ledger as arrays, kept in the process and brought up to date by id.

Reports that need the raw ledger (cohorts, medians, plans, speed to lead) read it from here instead
of querying it each time: a million leads' four million events are about 70 MB, loaded once (a few
seconds), then each read fetches only the events recorded since (ids past the last one seen, and
ids that were missing below it, in case a transaction committed late). A merge moves events between
leads, so a new merge makes the next read load everything again; so does a change of the event the
cache was read up to (a test database that was rolled back and reused).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from tandem.leads.models import StageEvent
from tandem.reporting.fetch import EventArrays, events_fetch, ledger_stages
from tandem.reporting.rollup_plan import GAP_WINDOW, merge_model, missing_ranges

_lock = threading.Lock()


@dataclass
class _Held:
    key: tuple
    events: EventArrays
    gaps: list[list[int]]


_held: _Held | None = None


def _key() -> tuple:
    """What must not have changed for the held arrays to be extended rather than reloaded."""
    merges = merge_model()
    last_merge = merges.objects.order_by("-id").values_list("id", flat=True).first() if merges else None
    return ledger_stages(), last_merge


def _fingerprint(upto: int) -> tuple | None:
    return StageEvent.objects.filter(id=upto).values_list("lead_id", "occurred_at").first()


def _with_ids(after_id: int | None = None, upto_id: int | None = None) -> EventArrays:
    """Events (with their ids) with ids in (after_id, upto_id], in id order."""
    return events_fetch(lead_ids=None, with_ids=True, after_id=after_id, upto_id=upto_id)


def _gaps(events: EventArrays, upto: int) -> list[list[int]]:
    ids = events.id
    low = max(0, upto - GAP_WINDOW)
    return missing_ranges(ids[ids > low].tolist(), low, upto)


def ledger_events() -> EventArrays:
    """Every stage event (lead, stage, occurred_at, id) in id order, as of now."""
    global _held
    with _lock:
        key = _key()
        held = _held
        if held is None or held.key[0] != key or held.key[2] != _fingerprint(held.key[1]):
            events = _with_ids()
            upto = int(events.id.max()) if len(events) else 0
            _held = _Held((key, upto, _fingerprint(upto)), events, _gaps(events, upto))
            return events
        upto = held.key[1]
        events = held.events
        for after, last in [(upto, None), *((first - 1, last) for first, last in held.gaps)]:
            fresh = _with_ids(after, last)
            if len(fresh):
                events = _concat(events, fresh)
        if events is held.events:
            return events
        top = int(events.id.max())
        _held = _Held((key, top, _fingerprint(top)), events, _gaps(events, top))
        return events


def _concat(a: EventArrays, b: EventArrays) -> EventArrays:
    ids = np.concatenate([a.id, b.id])
    order = np.argsort(ids, kind="stable") if b.id.min() < a.id.max() else slice(None)
    return EventArrays(a.stages, np.concatenate([a.lead, b.lead])[order], np.concatenate([a.stage, b.stage])[order],
                       np.concatenate([a.at, b.at])[order], ids[order])


def forget() -> None:
    """Drop the held arrays (tests, and after a rebuild of the database)."""
    global _held
    with _lock:
        _held = None
