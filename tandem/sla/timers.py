"""Starting and stopping SLA timers as leads move and reps touch them.

Precisely what stops each timer (see docs/sla.md):

* a ``touch`` policy (MQL first touch) stops at the first touchpoint on a real-touch channel
  (call, email_sent, meeting) whose actor is the lead's owner at that moment, made at or after
  the timer started; it is cancelled if the lead leaves the funnel first (won, lost, recycled,
  disqualified);
* an ``exit`` policy stops on the first stage event out of its stage: met if the event's action
  is one of `stop_actions`, cancelled otherwise.

A timer stops at the instant the action *occurred*. Stopping never un-breaches: a timer stopped
after its due instant is still breached (once) by the next tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from tandem.core import sla as core_sla
from tandem.leads.models import Lead, StageEvent
from tandem.people.models import User
from tandem.sla.calendars import calendar_for, core_calendar
from tandem.sla.models import SlaPolicy, SlaTimer
from tandem.touchpoints.choices import REAL_TOUCH_CHANNELS

OUT_OF_FUNNEL = ("won", "lost", "recycled", "disqualified")


def _responsible(lead: Lead, team: str) -> User | None:
    if lead.owner_id is None:
        return None
    owner = User.objects.filter(pk=lead.owner_id).only("pk", "team").first()
    return owner if owner is not None and owner.team == team else None


def _timer(policy: SlaPolicy, lead: Lead, event: StageEvent, started_at: datetime, round_: int,
           found: dict | None = None) -> SlaTimer:
    """An unsaved timer; `found` memoises the responsible person and calendar per team within one event."""
    found = {} if found is None else found
    if policy.team not in found:
        person = _responsible(lead, policy.team)
        found[policy.team] = (person, calendar_for(user_id=person.pk if person else None, team=policy.team))
    person, calendar = found[policy.team]
    clock = core_sla.start_timer(0, started_at, timedelta(minutes=policy.duration_minutes), core_calendar(calendar),
                                 float(policy.warn_share))
    return SlaTimer(policy=policy, lead=lead, start_event=event, round=round_, stage=policy.stage, team=policy.team,
                    responsible=person, calendar=calendar, started_at=clock.started_at, due_at=clock.due_at,
                    warn_at=clock.warn_at)


def timer_start(*, policy: SlaPolicy, lead: Lead, event: StageEvent, started_at: datetime,
                round_: int = 1) -> SlaTimer | None:
    """Start `policy`'s timer for this stage entry (once: a repeat returns None)."""
    timer = _timer(policy, lead, event, started_at, round_)
    try:
        with transaction.atomic():
            timer.save(force_insert=True)
    except IntegrityError:
        return None
    return timer


def _stop(timers, *, at: datetime, kind: str, event: StageEvent | None = None, touch=None) -> int:
    """Stop still-open timers (conditional update: a timer stops once)."""
    return timers.filter(stopped_at__isnull=True).update(stopped_at=at, stop_kind=kind, stop_event=event,
                                                         stop_touch=touch)


def sla_on_stage_event(*, lead: Lead, event: StageEvent) -> list[SlaTimer]:
    """Stop the timers this move answers (or cancels), then start the timers of the stage entered.

    Policies are a handful of rows, read once per event; a stage entry starts each policy's timer
    once (the unique constraint makes a repeat a no-op).
    """
    policies = list(SlaPolicy.objects.all())
    open_timers = SlaTimer.objects.filter(lead=lead, stopped_at__isnull=True)
    leaving = [p for p in policies if p.stop == SlaPolicy.Stop.EXIT and p.stage == event.from_stage]
    met = [p.pk for p in leaving if event.action in p.stop_actions]
    cancelled = [p.pk for p in leaving if event.action not in p.stop_actions]
    if event.to_stage in OUT_OF_FUNNEL:
        cancelled += [p.pk for p in policies if p.stop == SlaPolicy.Stop.TOUCH]
    if met:
        _stop(open_timers.filter(policy_id__in=met), at=event.occurred_at, kind=SlaTimer.StopKind.MET, event=event)
    if cancelled:
        _stop(open_timers.filter(policy_id__in=cancelled), at=event.occurred_at, kind=SlaTimer.StopKind.CANCELLED,
              event=event)
    starting = [p for p in policies if p.enabled and p.stage == event.to_stage]
    found: dict = {}
    timers = [_timer(p, lead, event, event.occurred_at, 1, found) for p in starting]
    return SlaTimer.objects.bulk_create(timers, ignore_conflicts=True) if timers else []


def sla_on_touch(*, touch) -> int:
    """A real touch by the lead's owner stops the lead's open first-touch timers. Returns how many stopped."""
    if touch.channel not in REAL_TOUCH_CHANNELS or touch.actor_id is None:
        return 0
    owner_id = Lead.objects.filter(pk=touch.lead_id).values_list("owner_id", flat=True).first()
    if owner_id != touch.actor_id:
        return 0
    timers = SlaTimer.objects.filter(lead_id=touch.lead_id, policy__stop=SlaPolicy.Stop.TOUCH,
                                     started_at__lte=touch.occurred_at)
    return _stop(timers, at=touch.occurred_at, kind=SlaTimer.StopKind.MET, touch=touch)
