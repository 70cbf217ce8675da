"""Business calendars: from the stored model to the core's Calendar, and which calendar applies to whom.

A rep's own calendar wins over their team's, which wins over the default calendar. Core
calendars are cached per (id, updated_at), so an edit takes effect at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q

from tandem.core.business_time import Calendar
from tandem.sla.models import BusinessCalendar

DEFAULT_HOURS = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
_cache: dict[tuple[int, Any], Calendar] = {}


def core_calendar(calendar: BusinessCalendar) -> Calendar:
    """The core Calendar of a stored one (ValueError naming the problem if the hours or zone are wrong)."""
    key = (calendar.pk, calendar.updated_at)
    if key not in _cache:
        holidays = [date.fromisoformat(str(d)) for d in calendar.holidays or []]
        _cache[key] = Calendar.build(calendar.timezone, calendar.hours or {}, holidays)
    return _cache[key]


def calendar_check(*, timezone: str, hours: dict[str, Any], holidays: list[str]) -> Calendar:
    """Validate calendar data as the core reads it; raises ValueError with a readable message."""
    try:
        parsed = [date.fromisoformat(str(d)) for d in holidays]
    except ValueError as exc:
        raise ValueError(f"holidays: {exc}") from exc
    return Calendar.build(timezone, hours, parsed)


def default_calendar() -> BusinessCalendar:
    """The default calendar; created (Mon–Fri 09:00–17:00, Europe/Berlin) if none is marked default."""
    calendar = BusinessCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        calendar, _ = BusinessCalendar.objects.get_or_create(
            key="default", defaults={"name": "Default (Mon–Fri 09:00–17:00, Berlin)", "timezone": "Europe/Berlin",
                                     "hours": DEFAULT_HOURS, "is_default": True})
    return calendar


def calendar_for(*, user_id: int | None, team: str) -> BusinessCalendar:
    """The calendar that times a person's SLA: their own, else their team's, else the default (one query)."""
    mine = Q(team=team, user__isnull=True) | Q(is_default=True)
    if user_id is not None:
        mine |= Q(user_id=user_id)
    found = list(BusinessCalendar.objects.filter(mine))
    for wanted in (lambda c: user_id is not None and c.user_id == user_id,
                   lambda c: c.user_id is None and c.team == team, lambda c: c.is_default):
        match = next((c for c in found if wanted(c)), None)
        if match is not None:
            return match
    return default_calendar()
