"""Writes of the reporting app: the rollups' fill (see tandem.reporting.rollups), pack schedules and sending,
and the cost and CLV inputs that the ledger does not hold. Each write is audited.

`reporting_ledger_changed(days)` is the hook for back-dated writes: tandem.imports calls it once an
import has committed, with the UTC days whose ledger it changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tandem import clock
from tandem.audit.services import audit_record, field_changes
from tandem.core.periods import parse_period
from tandem.leads.errors import LeadInvalid
from tandem.reporting.choices import PackKind
from tandem.reporting.models import OverheadCost, PackDelivery, ReportSchedule, SegmentAssumption
from tandem.reporting.packs import pack_deliver, pack_send, recipients_for
from tandem.reporting.rollups import RollupRun, reporting_ledger_changed, rollup_undo, rollup_update

__all__ = ["overhead_add", "pack_send_now", "reporting_ledger_changed", "rollup_rebuild", "rollup_undo",
           "rollup_update", "schedule_update", "segment_assumption_set"]

TEAMS = ("marketing", "tele", "sales", "management")


def _require(by: Any, permission: str) -> None:
    if by is not None and not by.can(permission):
        raise PermissionDenied(f"your role may not: {permission}")


def rollup_rebuild(*, by: Any = None) -> RollupRun:
    """Recompute every rollup row into a new generation and switch to it."""
    _require(by, "report.configure")
    return rollup_update(rebuild=True)


@transaction.atomic
def schedule_update(*, kind: str, by: Any, **changes: Any) -> ReportSchedule:
    """Set when a pack goes out and to whom (creating the schedule on first use)."""
    _require(by, "report.configure")
    if kind not in PackKind.values:
        raise LeadInvalid(f"one of {', '.join(PackKind.values)}", field="kind")
    allowed = {"enabled", "weekday", "day_of_month", "hour_utc", "teams", "extra_recipients", "segment"}
    unknown = set(changes) - allowed
    if unknown:
        raise LeadInvalid(f"cannot be set: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    if "teams" in changes and not set(changes["teams"]) <= set(TEAMS):
        raise LeadInvalid(f"teams are {', '.join(TEAMS)}", field="teams")
    limits = {"weekday": (0, 6), "day_of_month": (1, 28), "hour_utc": (0, 23)}
    for name, (low, high) in limits.items():
        if name in changes and not low <= int(changes[name]) <= high:
            raise LeadInvalid(f"between {low} and {high}", field=name)
    schedule, _ = ReportSchedule.objects.get_or_create(kind=kind, defaults={"teams": ["marketing", "sales"]})
    before = {k: getattr(schedule, k) for k in changes}
    ReportSchedule.objects.filter(pk=schedule.pk).update(**changes, updated_at=clock.now(),
                                                        updated_by=by if getattr(by, "pk", None) else None)
    schedule.refresh_from_db()
    audit_record(actor=by, action="report.schedule", obj=schedule, changes=field_changes(before, changes))
    return schedule


def pack_send_now(*, kind: str, period: str, by: Any, segment: str = "", resend: bool = False) -> PackDelivery:
    """Build and send one period's pack now (or send a stored one again with `resend`)."""
    _require(by, "report.configure")
    if kind not in PackKind.values:
        raise LeadInvalid(f"one of {', '.join(PackKind.values)}", field="kind")
    try:
        chosen = parse_period(period)
    except ValueError as exc:
        raise LeadInvalid(str(exc), field="period") from None
    schedule = ReportSchedule.objects.filter(kind=kind).first() or ReportSchedule(kind=kind,
                                                                                  teams=["marketing", "sales"])
    existing = PackDelivery.objects.filter(kind=kind, period=chosen.label, segment=segment).first()
    if existing is not None:
        if not resend:
            raise LeadInvalid(f"the {kind} pack for {chosen.label} exists (status {existing.status}); "
                              "send it again with resend", field="period")
        delivery = pack_send(delivery=existing)
    else:
        delivery = pack_deliver(kind=kind, period=chosen, segment=segment, recipients=recipients_for(schedule))
        if delivery is None:
            delivery = PackDelivery.objects.get(kind=kind, period=chosen.label, segment=segment)
    audit_record(actor=by, action="report.pack_send", obj=delivery, changes={"status": [None, delivery.status]})
    return delivery


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise LeadInvalid("not an amount", field=field) from None
    if amount < 0:
        raise LeadInvalid("cannot be negative", field=field)
    return amount


@transaction.atomic
def overhead_add(*, by: Any, starts_on: date, ends_on: date, amount: Any, currency: str = "EUR",
                 note: str = "") -> OverheadCost:
    """Enter overhead (salaries, tools …) for a span of days; CAC spreads it evenly over them."""
    _require(by, "report.configure")
    if ends_on < starts_on:
        raise LeadInvalid("ends before it starts", field="ends_on")
    cost = OverheadCost.objects.create(starts_on=starts_on, ends_on=ends_on, amount=_money(amount, "amount"),
                                       currency=currency.upper(), note=note)
    audit_record(actor=by, action="report.overhead_add", obj=cost,
                 changes={"amount": [None, str(cost.amount)], "span": [None, f"{starts_on}/{ends_on}"]})
    return cost


@transaction.atomic
def segment_assumption_set(*, by: Any, segment: str, gross_margin: Any, annual_churn: Any,
                           contract_years: Any = "1") -> SegmentAssumption:
    """Enter what CLV needs for a segment: gross margin and annual churn (fractions) and contract years."""
    _require(by, "report.configure")
    values = {}
    for name, raw in (("gross_margin", gross_margin), ("annual_churn", annual_churn)):
        value = _money(raw, name)
        if value > 1:
            raise LeadInvalid("a fraction between 0 and 1 (0.8 for 80%)", field=name)
        values[name] = value
    values["contract_years"] = _money(contract_years, "contract_years")
    if values["contract_years"] <= 0:
        raise LeadInvalid("must be above 0", field="contract_years")
    assumption, created = SegmentAssumption.objects.update_or_create(segment=segment,
                                                                      defaults={**values, "updated_at": clock.now()})
    audit_record(actor=by, action="report.segment_assumption", obj=assumption,
                 changes={k: [None, str(v)] for k, v in values.items()})
    return assumption
