"""SLA writes: the hooks other apps call (stage events, touches), the tick, and editing policies and calendars."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from tandem import clock
from tandem.audit.services import audit_record, field_changes
from tandem.sla.calendars import calendar_check
from tandem.sla.commitments import commitment_create
from tandem.sla.models import BusinessCalendar, SlaPolicy
from tandem.sla.tick import TickReport, sla_tick
from tandem.sla.timers import sla_on_stage_event, sla_on_touch

__all__ = ["TickReport", "calendar_set", "commitment_create", "sla_on_stage_event", "sla_on_touch", "sla_policy_update",
           "sla_tick"]

POLICY_FIELDS = ("name", "duration_minutes", "warn_share", "stop_actions", "reroute_on_breach", "enabled",
                 "description", "team")


@transaction.atomic
def sla_policy_update(*, policy: SlaPolicy, by: Any, expected_version: int | None = None,
                      **values: Any) -> SlaPolicy:
    """Change a policy's duration, warning share, stop actions, team or switches. Applies to timers started
    from now on (running timers keep the deadline they were given). Audited."""
    from tandem.leads.errors import LeadInvalid, StaleVersion

    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise LeadInvalid(f"cannot be edited here: {field}", field=field)
    if "duration_minutes" in values and int(values["duration_minutes"]) <= 0:
        raise LeadInvalid("must be at least one business minute", field="duration_minutes")
    if "warn_share" in values and not 0 < float(values["warn_share"]) <= 1:
        raise LeadInvalid("must be more than 0 and at most 1", field="warn_share")
    before = {k: getattr(policy, k) for k in values}
    version = policy.version if expected_version is None else expected_version
    if not SlaPolicy.objects.filter(pk=policy.pk, version=version).update(
            **values, version=F("version") + 1, updated_at=clock.now()):
        raise StaleVersion(f"the policy changed since version {version}; reload it and try again")
    policy.refresh_from_db()
    audit_record(actor=by, action="sla.policy_update", obj=policy, changes=field_changes(before, values))
    return policy


@transaction.atomic
def calendar_set(*, key: str, name: str, timezone: str, hours: dict[str, Any], holidays: list[str],
                 team: str = "", user: Any = None, is_default: bool = False, by: Any) -> BusinessCalendar:
    """Create or replace a business calendar (validated by the core first). Audited."""
    calendar_check(timezone=timezone, hours=hours, holidays=holidays)
    if is_default:
        BusinessCalendar.objects.filter(is_default=True).exclude(key=key).update(is_default=False)
    calendar, created = BusinessCalendar.objects.update_or_create(key=key, defaults={
        "name": name, "timezone": timezone, "hours": hours, "holidays": holidays, "team": team, "user": user,
        "is_default": is_default, "updated_at": clock.now()})
    audit_record(actor=by, action="sla.calendar_create" if created else "sla.calendar_update", obj=calendar,
                 changes={"timezone": [None, timezone], "hours": [None, hours], "holidays": [None, holidays]})
    return calendar
