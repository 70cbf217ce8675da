"""Writes to opportunities. Opening one moves its lead to Opportunity; closing it moves the lead to Won or Lost."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F

from tandem import clock
from tandem.accounts.models import Account
from tandem.audit.services import audit_record, field_changes
from tandem.leads.errors import LeadInvalid, StaleVersion
from tandem.leads.models import Lead
from tandem.leads.services import lead_advance_stage
from tandem.opportunities.models import Opportunity, OpportunityStage, Outcome
from tandem.taxonomy.selectors import taxonomy_current


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise LeadInvalid(f"{value!r} is not a decimal amount", field="amount") from exc
    if not amount.is_finite() or amount < 0:
        raise LeadInvalid("must be zero or more", field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise LeadInvalid("at most two decimal places", field="amount")
    return amount


def _currency(value: str) -> str:
    code = (value or "").upper()
    if len(code) != 3 or not code.isalpha():
        raise LeadInvalid("use a three-letter ISO 4217 code, e.g. EUR", field="currency")
    return code


def opportunity_reasons(outcome: str) -> tuple[str, ...]:
    """The reason codes the taxonomy allows for winning or losing."""
    _, taxonomy = taxonomy_current()
    target = "won" if outcome == Outcome.WON else "lost"
    return tuple(dict.fromkeys(code for s in taxonomy.stages for t in s.next if t.to == target for code in t.reasons))


@transaction.atomic
def opportunity_create(*, by: Any, account: Account, name: str, amount: Any, currency: str = "EUR",
                       lead: Lead | None = None, expected_close_date: date | None = None, owner: Any = None,
                       at: datetime | None = None) -> Opportunity:
    if by is not None and not by.can("opportunity.write"):
        raise PermissionDenied("your role may not create opportunities")
    if not (name or "").strip():
        raise LeadInvalid("an opportunity needs a name", field="name")
    occurred = clock.check_past(at)
    opportunity = Opportunity.objects.create(
        account=account, lead=lead, name=name, amount=_amount(amount), currency=_currency(currency),
        expected_close_date=expected_close_date, owner=owner or by, created_at=occurred,
    )
    audit_record(actor=by, action="opportunity.create", obj=opportunity,
                 changes={"amount": [None, str(opportunity.amount)], "currency": [None, opportunity.currency]})
    if lead is not None and lead.stage == "sql":
        lead_advance_stage(lead=lead, to_stage="opportunity", by=by, at=occurred)
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, by: Any, expected_version: int | None = None,
                       **values: Any) -> Opportunity:
    if not by.can("opportunity.write"):
        raise PermissionDenied("your role may not edit opportunities")
    allowed = {"name", "amount", "currency", "stage", "expected_close_date", "owner_id"}
    if set(values) - allowed:
        bad = sorted(set(values) - allowed)[0]
        raise LeadInvalid(f"cannot be edited here: {bad}", field=bad)
    if "amount" in values:
        values["amount"] = _amount(values["amount"])
    if "currency" in values:
        values["currency"] = _currency(values["currency"])
    if values.get("stage") == OpportunityStage.CLOSED:
        raise LeadInvalid("close an opportunity with the win or lose action", field="stage")
    before = {k: getattr(opportunity, k) for k in values}
    version = opportunity.version if expected_version is None else expected_version
    if not Opportunity.objects.filter(pk=opportunity.pk, version=version).update(
            **values, version=F("version") + 1, updated_at=clock.now()):
        raise StaleVersion(f"the opportunity changed since version {version}; reload it")
    opportunity.refresh_from_db()
    audit_record(actor=by, action="opportunity.update", obj=opportunity, changes=field_changes(before, values))
    return opportunity


@transaction.atomic
def opportunity_close(*, opportunity: Opportunity, outcome: str, reason_code: str, by: Any,
                      expected_version: int | None = None, at: datetime | None = None) -> Opportunity:
    """Win or lose the opportunity with a reason from the taxonomy; its lead follows to Won or Lost."""
    if by is not None and not by.can("opportunity.write"):
        raise PermissionDenied("your role may not close opportunities")
    if outcome not in (Outcome.WON, Outcome.LOST):
        raise LeadInvalid("must be won or lost", field="outcome")
    if opportunity.outcome != Outcome.OPEN:
        raise LeadInvalid(f"the opportunity is already {opportunity.outcome}", field="outcome")
    allowed = opportunity_reasons(outcome)
    if reason_code not in allowed:
        raise LeadInvalid(f"a reason is required; use one of: {', '.join(allowed)}", field="reason_code")
    occurred = clock.check_past(at)
    version = opportunity.version if expected_version is None else expected_version
    if not Opportunity.objects.filter(pk=opportunity.pk, version=version).update(
            outcome=outcome, reason_code=reason_code, closed_at=occurred, stage=OpportunityStage.CLOSED,
            version=F("version") + 1, updated_at=clock.now()):
        raise StaleVersion(f"the opportunity changed since version {version}; reload it")
    audit_record(actor=by, action=f"opportunity.{outcome}", obj=opportunity,
                 changes={"outcome": ["open", outcome], "reason_code": [None, reason_code]})
    lead = opportunity.lead
    if lead is not None and lead.stage == "opportunity":
        lead_advance_stage(lead=lead, to_stage="won" if outcome == Outcome.WON else "lost", by=by,
                           reason_code=reason_code, at=occurred)
    opportunity.refresh_from_db()
    return opportunity
