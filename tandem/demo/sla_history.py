"""The demo's SLA history: the last weeks of the generated ledger replayed through the SLA engine.

Nothing here decides whether an SLA was met. Every stage event and real touch of the window
goes, in the order it happened and with the clock at its instant, through the hooks the live
application calls (`sla_on_stage_event`, `sla_on_touch`), with the lead owned by whoever owned
it then (the demo's routing history; the final owners are put back at the end). The engine's
tick runs shortly after each warning or due instant, and after each commitment's period, as the
worker would, so warnings, breaches, escalations and judged commitments are the engine's own.
The team reads its notifications every afternoon, except for the last two days.

A company of the usual size (20,000 leads) gets 60 days of history; a larger one gets fewer
days (at least 7), so the replay stays quick.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import transaction

from tandem import clock
from tandem.leads.models import Lead, StageEvent
from tandem.people.models import User
from tandem.sla.models import SlaPolicy
from tandem.sla.selectors import policies_by_stage
from tandem.sla.services import sla_on_stage_event, sla_on_touch, sla_tick
from tandem.touchpoints.choices import REAL_TOUCH_CHANNELS
from tandem.touchpoints.models import Touchpoint

WINDOW_DAYS = 60
#: the company size that gets the whole window
WINDOW_LEADS = 20_000
#: how soon after a warning or due instant the replayed worker ticks
TICK = timedelta(minutes=30)
#: when the team reads its notifications (UTC), and how many days at the end stay unread
READ_AT = timedelta(hours=16)
UNREAD_DAYS = 2


@dataclass
class _Trail:
    lead_id: int
    owners: list[tuple[datetime, int]]  # (when, user id), in order
    events: list[StageEvent]
    touches: list[Touchpoint]


@dataclass(frozen=True)
class ReplaySummary:
    since: datetime
    timers: int
    ticks: int


@dataclass
class SlaHistory:
    """Collects, while the demo company is written, what the replay needs; `replay()` then runs it."""

    until: datetime
    leads: int
    since: datetime = field(init=False)
    starts: frozenset[str] = field(init=False)
    touch_starts: frozenset[str] = field(init=False)
    trails: list[_Trail] = field(default_factory=list)

    def __post_init__(self) -> None:
        days = max(7, min(WINDOW_DAYS, WINDOW_DAYS * WINDOW_LEADS // max(self.leads, 1)))
        self.since = self.until - timedelta(days=days)
        policies = policies_by_stage()
        self.starts = frozenset(policies)
        self.touch_starts = frozenset(stage for stage, found in policies.items()
                                      if any(p.stop == SlaPolicy.Stop.TOUCH for p in found))

    def add(self, lead_id: int, owners: list[tuple[datetime, int]], events: list[StageEvent],
            touches: list[Touchpoint]) -> None:
        """A written lead (saved events and touches), kept from its first SLA-starting entry in the window on;
        its real touches from the first entry that starts a first-touch timer on (none can stop anything earlier)."""
        first = next((e.occurred_at for e in events if e.to_stage in self.starts and e.occurred_at >= self.since),
                     None)
        if first is None:
            return
        touched = next((e.occurred_at for e in events if e.to_stage in self.touch_starts and e.occurred_at >= first),
                       None)
        self.trails.append(_Trail(lead_id, owners, [e for e in events if e.occurred_at >= first],
                                  [t for t in touches if touched is not None and t.occurred_at >= touched
                                   and t.actor_id is not None and t.channel in REAL_TOUCH_CHANNELS]))

    def replay(self, *, readers: Iterable[User], ticks: Iterable[datetime] = ()) -> ReplaySummary:
        """Run the window through the SLA engine; `ticks` are extra instants to tick at (commitments)."""
        leads = Lead.objects.in_bulk([t.lead_id for t in self.trails])
        final: dict[int, int | None] = {}
        items: list[tuple[datetime, int, int, object]] = []
        for trail in self.trails:
            first = trail.events[0].occurred_at
            lead = leads[trail.lead_id]
            final[lead.pk] = lead.owner_id
            lead.owner_id = next((who for at, who in reversed(trail.owners) if at < first), None)
            items += [(at, 0, lead.pk, who) for at, who in trail.owners if at >= first]
            items += [(e.occurred_at, 1, e.pk, e) for e in trail.events]
            items += [(t.occurred_at, 2, t.pk, t) for t in trail.touches]
        day = datetime.combine(self.since.date(), datetime.min.time(), UTC) + READ_AT
        while day < self.until - timedelta(days=UNREAD_DAYS):
            items.append((day, 3, 0, None))
            day += timedelta(days=1)
        items.sort(key=lambda item: item[:3])
        pending = [t for t in ticks if t <= self.until] + [self.until]
        heapq.heapify(pending)
        readers = list(readers)
        timers = done = 0
        last_tick = None
        with transaction.atomic():
            _owners_set({pk: lead.owner_id for pk, lead in leads.items()})
            position = 0
            while position < len(items) or pending:
                if position < len(items) and (not pending or items[position][0] <= pending[0]):
                    at, kind, key, payload = items[position]
                    position += 1
                    with clock.at_instant(at):
                        if kind == 0:
                            leads[key].owner_id = payload
                            Lead.objects.filter(pk=key).update(owner_id=payload)
                        elif kind == 1:
                            started = sla_on_stage_event(lead=leads[payload.lead_id], event=payload)
                            timers += len(started)
                            for timer in started:
                                for instant in (timer.warn_at, timer.due_at):
                                    if instant is not None and instant < self.until:
                                        heapq.heappush(pending, _tick_after(instant))
                        elif kind == 2:
                            sla_on_touch(touch=payload)
                        else:
                            _read_all(readers)
                    continue
                at = heapq.heappop(pending)
                if at != last_tick and at <= self.until:
                    with clock.at_instant(at):
                        sla_tick(now=at)
                    last_tick, done = at, done + 1
            _owners_set(final)
        return ReplaySummary(self.since, timers, done)


def _tick_after(instant: datetime) -> datetime:
    """The first replayed tick strictly after `instant`."""
    step = int(TICK.total_seconds())
    return datetime.fromtimestamp(int(instant.timestamp()) // step * step + step, UTC)


def _owners_set(owners: dict[int, int | None]) -> None:
    by_owner: dict[int | None, list[int]] = defaultdict(list)
    for lead_id, owner_id in owners.items():
        by_owner[owner_id].append(lead_id)
    for owner_id, lead_ids in by_owner.items():
        for start in range(0, len(lead_ids), 5000):
            Lead.objects.filter(pk__in=lead_ids[start:start + 5000]).update(owner_id=owner_id)


def _read_all(readers: list[User]) -> None:
    from tandem.notifications.services import notifications_mark_read

    for user in readers:
        notifications_mark_read(user=user)
