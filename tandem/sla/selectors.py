"""Reads of the SLA engine: compliance figures, a rep's queue by due time, open breaches, policies by stage.

Compliance (see `tandem.core.sla.compliance_stats`): timers *started* in [start, end) count,
except those cancelled before their due instant (the lead left another way in time: neither
met nor breached). A timer cancelled after its due instant counts as breached. Response times
are business hours from start to the qualifying action, on each timer's own calendar.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import F, Q, QuerySet

from tandem import clock
from tandem.core import sla as core_sla
from tandem.core.business_time import business_elapsed, to_us
from tandem.core.roles import TEAM_NAMES
from tandem.leads.models import Lead
from tandem.sla.calendars import core_calendar, default_calendar
from tandem.sla.models import BusinessCalendar, SlaBreach, SlaPolicy, SlaTimer

GROUPS = ("team", "user", "stage", "policy")


@dataclass(frozen=True)
class ComplianceRow:
    key: str
    label: str
    stats: core_sla.ComplianceStats


@dataclass(frozen=True)
class ComplianceReport:
    start: datetime
    end: datetime
    as_of: datetime
    group_by: str | None
    total: core_sla.ComplianceStats
    speed_to_lead: core_sla.ComplianceStats
    rows: list[ComplianceRow]


def _timers(start: datetime, end: datetime, *, team: str | None, user_id: int | None, stage: str | None,
            policy: str | None) -> QuerySet[SlaTimer]:
    timers = (SlaTimer.objects.filter(started_at__gte=start, started_at__lt=end)
              .exclude(stop_kind=SlaTimer.StopKind.CANCELLED, stopped_at__lte=F("due_at")))
    filters = {"team": team, "responsible_id": user_id, "stage": stage, "policy__key": policy}
    return timers.filter(**{k: v for k, v in filters.items() if v not in (None, "")})


def _stats(timers: list[SlaTimer], now: datetime) -> core_sla.ComplianceStats:
    never = core_sla.NEVER
    calendars: dict[int | None, Any] = {}

    def calendar(timer: SlaTimer):
        if timer.calendar_id not in calendars:
            stored = timer.calendar or default_calendar()
            calendars[timer.calendar_id] = core_calendar(stored)
        return calendars[timer.calendar_id]

    met_stops = [t.stopped_at if t.stop_kind == SlaTimer.StopKind.MET else None for t in timers]
    due = np.fromiter((to_us(t.due_at) for t in timers), np.int64, len(timers))
    stopped = np.fromiter((never if s is None else to_us(s) for s in met_stops), np.int64, len(timers))
    responses = np.array([np.nan if s is None else business_elapsed(t.started_at, s, calendar(t)).total_seconds()
                          for t, s in zip(timers, met_stops, strict=True)], dtype=np.float64)
    return core_sla.compliance_stats(due, stopped, responses, now)


def _key(timer: SlaTimer, group_by: str) -> tuple[str, str]:
    if group_by == "team":
        return timer.team, TEAM_NAMES.get(timer.team, timer.team)
    if group_by == "user":
        person = timer.responsible
        return (str(person.pk), str(person)) if person else ("", "(nobody)")
    if group_by == "stage":
        return timer.stage, timer.stage.upper()
    return timer.policy.key, timer.policy.name


def sla_compliance(*, start: datetime, end: datetime, group_by: str | None = "team", team: str | None = None,
                   user_id: int | None = None, stage: str | None = None, policy: str | None = None,
                   now: datetime | None = None) -> ComplianceReport:
    """Share met, median and p90 response (business hours) and breaches, overall and per group; speed to lead
    (the first-touch policies) as the headline."""
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(f"group_by: must be one of {', '.join(GROUPS)}")
    at = now or clock.now()
    timers = list(_timers(start, end, team=team, user_id=user_id, stage=stage, policy=policy)
                  .select_related("policy", "responsible", "calendar"))
    groups: dict[tuple[str, str], list[SlaTimer]] = defaultdict(list)
    for timer in timers:
        if group_by:
            groups[_key(timer, group_by)].append(timer)
    first_touch = [t for t in timers if t.policy.stop == SlaPolicy.Stop.TOUCH]
    rows = [ComplianceRow(key, label, _stats(items, at)) for (key, label), items in sorted(groups.items())]
    return ComplianceReport(start, end, at, group_by, _stats(timers, at), _stats(first_touch, at), rows)


def queue_for_user(*, user: Any, limit: int = 200) -> list[SlaTimer]:
    """The user's open timers (on leads they own or that wait unowned in their team's queue), soonest due first."""
    mine = Q(lead__owner_id=user.pk) | Q(lead__owner__isnull=True, team=user.team)
    return list(SlaTimer.objects.filter(mine, stopped_at__isnull=True, lead__merged_into__isnull=True)
                .select_related("lead__account", "lead__owner", "policy").order_by("due_at", "id")[:limit])


def lead_open_timers(*, lead: Lead) -> list[SlaTimer]:
    return list(SlaTimer.objects.filter(lead=lead).select_related("policy", "responsible")
                .order_by("-started_at", "id")[:10])


def _breaches_open(team: str | None) -> QuerySet[SlaBreach]:
    breaches = SlaBreach.objects.filter(kind=SlaBreach.Kind.TIMER, timer__stopped_at__isnull=True)
    return breaches.filter(team=team) if team else breaches


def breaches_open(*, team: str | None = None, limit: int = 100) -> list[SlaBreach]:
    """Timer breaches whose lead still waits for the qualifying action, newest first."""
    return list(_breaches_open(team).select_related("lead", "user", "policy", "timer", "rerouted_to")[:limit])


def breaches_open_count(*, team: str | None = None) -> int:
    return _breaches_open(team).count()


def breaches_recent(*, since: datetime | None = None, limit: int = 200) -> QuerySet[SlaBreach]:
    breaches = SlaBreach.objects.select_related("lead", "user", "policy", "commitment", "rerouted_to")
    if since is not None:
        breaches = breaches.filter(detected_at__gte=since)
    return breaches[:limit]


def policies_by_stage() -> dict[str, list[SlaPolicy]]:
    """Enabled policies keyed by the stage whose entry starts them (for the Definitions page)."""
    out: dict[str, list[SlaPolicy]] = defaultdict(list)
    for policy in SlaPolicy.objects.filter(enabled=True).order_by("order", "key"):
        out[policy.stage].append(policy)
    return dict(out)


def calendars_all() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.select_related("user").order_by("key")
