"""The SLA tick: sweep every timer as of an instant, warn and breach each exactly once, escalate breaches,
and judge Marketing's commitments whose period has ended.

The sweep loads candidate timers (not yet breached, not stopped in time, and with a warning or
due instant that has come) as int64 arrays and asks the core (`tandem.core.sla.sweep`) which to
warn and which to breach. Each is then recorded with a conditional UPDATE ... WHERE warned_at
(or breached_at) IS NULL RETURNING id, in the same transaction as its notifications and breach
record: two ticks racing, or a tick killed half-way, can neither double-fire nor lose one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q

from tandem import clock
from tandem.core import sla as core_sla
from tandem.leads.models import Lead
from tandem.people.models import User
from tandem.scoring.epoch import EpochMicros
from tandem.sla.models import MarketingCommitment, SlaBreach, SlaTimer

_CHUNK = 500


@dataclass(frozen=True)
class TickReport:
    at: datetime
    candidates: int
    warned: list[int]
    breached: list[int]
    commitments_missed: list[int]
    commitments_met: list[int]


def sla_sweep(*, now: datetime, prefilter: bool = True) -> tuple[core_sla.TimerArrays, np.ndarray, np.ndarray]:
    """Load the timers not yet breached nor stopped in time, as arrays, and ask the core which to warn and breach.

    With `prefilter` the query also skips timers whose warning and due instants are still ahead
    (using the partial indexes); without it every such timer is loaded (what the benchmark measures).
    """
    timers = (SlaTimer.objects.filter(breached_at__isnull=True)
              .filter(Q(stopped_at__isnull=True) | Q(stopped_at__gt=F("due_at"))))
    if prefilter:
        timers = timers.filter(Q(due_at__lt=now) | Q(warn_at__lte=now, warned_at__isnull=True))
    rows = list(timers.values_list("id", EpochMicros("due_at"), EpochMicros("warn_at"), EpochMicros("stopped_at"),
                                   EpochMicros("warned_at")))
    arrays = timer_arrays(rows)
    to_warn, to_breach = core_sla.sweep(arrays, now)
    return arrays, to_warn, to_breach


def timer_arrays(rows: list[tuple]) -> core_sla.TimerArrays:
    """Core arrays from (id, due µs, warn µs, stopped µs, warned µs) rows; missing instants are NEVER."""
    n = len(rows)
    never = core_sla.NEVER
    if not n:
        empty = np.empty(0, np.int64)
        return core_sla.TimerArrays(empty, empty, empty, empty, np.empty(0, bool), np.empty(0, bool))
    ids, due, warn, stopped, warned = zip(*rows, strict=True)
    return core_sla.TimerArrays(
        ids=np.fromiter(ids, np.int64, n), due_us=np.fromiter(due, np.int64, n),
        warn_us=np.fromiter((never if w is None else w for w in warn), np.int64, n),
        stopped_us=np.fromiter((never if s is None else s for s in stopped), np.int64, n),
        warned=np.fromiter((w is not None for w in warned), bool, n), breached=np.zeros(n, bool))


def _claim(ids: list[int], column: str, at: datetime) -> list[int]:
    """Set `column` to `at` on those of `ids` where it is still empty; return the ids this call set."""
    if column not in ("warned_at", "breached_at"):
        raise ValueError(f"column: {column!r} cannot be claimed")
    table = SlaTimer._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    extra = " AND breached_at IS NULL" if column == "warned_at" else ""
    with connection.cursor() as cursor:
        sql = f"UPDATE {table} SET {column} = %s WHERE id IN ({marks}) AND {column} IS NULL{extra} RETURNING id"  # noqa: S608
        cursor.execute(sql, [at, *ids])
        return sorted(row[0] for row in cursor.fetchall())


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = [int(i) for i in ids]
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _notify(user: User | None, event: str, title: str, body: str, lead_id: int | None, key: str) -> None:
    from tandem.notifications.services import notify

    if user is not None:
        notify(user=user, event=event, title=title, body=body, url=f"/leads/{lead_id}/" if lead_id else "/sla/",
               lead_id=lead_id, key=key)


def _warn(ids: list[int], at: datetime) -> list[int]:
    done: list[int] = []
    for chunk in _chunks(ids):
        with transaction.atomic():
            claimed = _claim(chunk, "warned_at", at)
            for timer in SlaTimer.objects.filter(pk__in=claimed).select_related("policy", "lead", "responsible"):
                person = _person(timer)
                _notify(person, "sla_warning", f"SLA warning: {timer.policy.name} for {timer.lead}",
                        f"Due {timer.due_at:%Y-%m-%d %H:%M} UTC.", timer.lead_id, f"sla_warning:{timer.pk}")
            done += claimed
    return done


def _person(timer: SlaTimer) -> User | None:
    """Who answers for the timer: the lead's owner if they are in the timer's team, else whoever it started with."""
    owner = timer.lead.owner if timer.lead.owner_id else None
    return owner if owner is not None and owner.team == timer.team else timer.responsible


def _breach(ids: list[int], at: datetime) -> list[int]:
    done: list[int] = []
    for chunk in _chunks(ids):
        with transaction.atomic():
            claimed = _claim(chunk, "breached_at", at)
            timers = SlaTimer.objects.filter(pk__in=claimed).select_related("policy", "lead__owner", "responsible",
                                                                            "start_event")
            for timer in timers:
                _escalate(timer, at)
            done += claimed
    return done


def _escalate(timer: SlaTimer, at: datetime) -> None:
    person = _person(timer)
    if person is not None and person.pk != timer.responsible_id:
        SlaTimer.objects.filter(pk=timer.pk).update(responsible=person)
    breach = SlaBreach.objects.create(kind=SlaBreach.Kind.TIMER, timer=timer, policy=timer.policy, lead=timer.lead,
                                      stage=timer.stage, team=timer.team, user=person, due_at=timer.due_at,
                                      detected_at=at, detail=timer.policy.name)
    title = f"SLA breached: {timer.policy.name} for {timer.lead}"
    body = f"Due {timer.due_at:%Y-%m-%d %H:%M} UTC; responsible: {person or timer.team}."
    manager = person.manager if person is not None and person.manager_id else None
    _notify(manager, "sla_breach", title, body, timer.lead_id, f"sla_breach:{timer.pk}:manager")
    _notify(person, "sla_breach", title, body, timer.lead_id, f"sla_breach:{timer.pk}")
    if timer.policy.reroute_on_breach and timer.stopped_at is None and timer.lead.stage == timer.stage:
        _reroute(timer, breach, at)


def _reroute(timer: SlaTimer, breach: SlaBreach, at: datetime) -> None:
    from tandem.routing.services import lead_reroute
    from tandem.sla.timers import timer_start

    lead = Lead.objects.get(pk=timer.lead_id)
    decision = lead_reroute(lead=lead, event=timer.start_event)
    if decision is None or decision.owner_id is None:
        return
    SlaBreach.objects.filter(pk=breach.pk).update(rerouted_to=decision.owner_id)
    SlaTimer.objects.filter(pk=timer.pk, stopped_at__isnull=True).update(stopped_at=at,
                                                                         stop_kind=SlaTimer.StopKind.CANCELLED)
    lead.refresh_from_db()
    timer_start(policy=timer.policy, lead=lead, event=timer.start_event, started_at=at, round_=timer.round + 1)


def sla_tick(*, now: datetime | None = None) -> TickReport:
    """Process every timer and commitment as of `now` (default: the clock). Safe to run concurrently."""
    at = now or clock.now()
    arrays, to_warn, to_breach = sla_sweep(now=at)
    breached = _breach(to_breach.tolist(), at)
    warned = _warn(to_warn.tolist(), at)
    missed, met = commitments_judge(at)
    return TickReport(at, len(arrays.ids), warned, breached, missed, met)


# --- Marketing's commitments ------------------------------------------------------------------


def commitments_judge(at: datetime) -> tuple[list[int], list[int]]:
    """Give each commitment whose period has ended its final status; a miss is recorded as a breach, once."""
    from tandem.sla.commitments import commitment_progress

    missed, met = [], []
    for commitment in MarketingCommitment.objects.filter(final_status="", period_end__lte=at):
        progress = commitment_progress(commitment=commitment, now=at)
        with transaction.atomic():
            if not MarketingCommitment.objects.filter(pk=commitment.pk, final_status="").update(
                    final_status=progress.projection.status,
                    missed_at=at if progress.projection.status == "missed" else None):
                continue  # judged meanwhile by another tick
            if progress.projection.status == "missed":
                _record_missed(commitment, progress, at)
                missed.append(commitment.pk)
            else:
                met.append(commitment.pk)
    return missed, met


def _record_missed(commitment: MarketingCommitment, progress, at: datetime) -> None:
    detail = "; ".join(progress.projection.reasons)[:300]
    try:
        with transaction.atomic():
            SlaBreach.objects.create(kind=SlaBreach.Kind.COMMITMENT, commitment=commitment, team=commitment.team,
                                     user=commitment.owner, due_at=commitment.period_end, detected_at=at,
                                     detail=detail)
    except IntegrityError:
        return
    owner = commitment.owner
    managers = ([owner.manager] if owner is not None and owner.manager_id else
                list(User.objects.filter(role="manager", is_active=True)))
    title = f"Commitment missed: {commitment.name}"
    for person in [*managers, owner]:
        if person is not None:
            _notify(person, "sla_breach", title, detail, None, f"commitment:{commitment.pk}:{person.pk}")
