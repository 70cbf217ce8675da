"""Writes of the attribution app: the cache of computed reports, and its invalidation.

`attribution_result` serves a report from the cache while the ledger under it is unchanged
(same fingerprint, no newer touchpoint in its window) and computes and stores it otherwise. `attribution_invalidate(days)` is the
hook for writers of touchpoints (tandem.touchpoints, tandem.imports): it deletes every cached
report whose window covers one of the days, so the next read computes it again. Cached reports
are derived data, recomputable at any time: they are not audited.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from tandem import clock
from tandem.attribution.models import AttributionCache
from tandem.attribution.query import AttributionQuery
from tandem.attribution.selectors import attribution_report, ledger_fingerprint, touch_mark, touches_since
from tandem.attribution.serialize import payload_text

logger = logging.getLogger(__name__)
#: At most this many reports are kept; the oldest computed go first.
CACHE_ROWS = 500


@dataclass(frozen=True)
class Report:
    """A report as served: its JSON text (byte for byte what the API and CLI print) and its values."""

    text: str
    payload: dict
    cached: bool
    computed_at: datetime
    compute_ms: int


def attribution_result(*, query: AttributionQuery) -> Report:
    """The report of `query`: from the cache when the ledger under it is unchanged, else computed now."""
    fingerprint = ledger_fingerprint(query)
    row = AttributionCache.objects.filter(key=query.key).first()
    if row is not None and row.fingerprint == fingerprint and not touches_since(query, row.touch_mark):
        return Report(row.payload, json.loads(row.payload), True, row.computed_at, row.compute_ms)
    mark = touch_mark()  # read first: a touch arriving while we compute is above it, and seen next time
    began = time.perf_counter()
    payload = attribution_report(query)
    text = payload_text(payload)
    took = int((time.perf_counter() - began) * 1000)
    now = clock.now()
    _store(query, fingerprint, mark, text, now, took)
    return Report(text, payload, False, now, took)


def _store(query: AttributionQuery, fingerprint: str, mark: int, text: str, now: datetime, took: int) -> None:
    values = {"level": query.level, "dimension": query.dimension, "segment": query.segment,
              "period_start": query.period.start, "period_end": query.period.end,
              "window_start": query.window_start, "params": query.params(), "fingerprint": fingerprint,
              "touch_mark": mark, "payload": text, "computed_at": now, "compute_ms": took}
    try:
        with transaction.atomic():
            if not AttributionCache.objects.filter(key=query.key).update(**values):
                AttributionCache.objects.create(key=query.key, **values)
    except IntegrityError:  # another request stored the same report meanwhile: theirs is as good
        logger.info("attribution report %s was stored concurrently", query.key)
        return
    surplus = AttributionCache.objects.order_by("-computed_at", "-id").values_list("id", flat=True)[CACHE_ROWS:]
    stale = list(surplus[:1000])
    if stale:
        AttributionCache.objects.filter(id__in=stale).delete()


def _day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def attribution_invalidate(days: Iterable[date]) -> int:
    """THE HOOK: forget every cached report whose window covers one of these UTC days; returns how many.

    A touch on day d can be on a journey of any report whose window [start − look-back, end)
    contains d, and of no other. Call it after the change has committed.
    """
    covers = Q(pk__in=[])
    for first, last in _day_runs(days):
        begin = datetime(first.year, first.month, first.day, tzinfo=UTC)
        finish = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        covers |= Q(window_start__lt=finish, period_end__gt=begin)
    deleted, _ = AttributionCache.objects.filter(covers).delete()
    return deleted

