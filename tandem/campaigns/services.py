"""Writes to campaigns: create, update, delete. Atomic, audited, guarded by a version number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef

from tandem import clock
from tandem.accounts.models import Segment
from tandem.audit.services import audit_record, field_changes
from tandem.campaigns.errors import CampaignInUse
from tandem.campaigns.models import Campaign, CampaignStatus
from tandem.leads.errors import LeadInvalid, StaleVersion
from tandem.people.models import User
from tandem.touchpoints.choices import Channel
from tandem.touchpoints.models import Touchpoint

CAMPAIGN_FIELDS = ("name", "type", "channel", "marketing_owner_id", "sales_owner_id", "starts_on", "ends_on",
                   "currency", "budget", "actual_cost", "target_segment", "goal_leads", "goal_mqls",
                   "goal_pipeline", "goal_revenue", "status", "utm_campaign")
MONEY_FIELDS = ("budget", "actual_cost", "goal_pipeline", "goal_revenue")
#: Which team each owner must belong to: the campaign is planned jointly by Marketing and Sales.
OWNER_TEAMS = {"marketing_owner_id": "marketing", "sales_owner_id": "sales"}


def _money(name: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise LeadInvalid(f"{value!r} is not a decimal amount", field=name) from exc
    if not amount.is_finite() or amount < 0:
        raise LeadInvalid("must be zero or more", field=name)
    if amount != amount.quantize(Decimal("0.01")):
        raise LeadInvalid("at most two decimal places", field=name)
    if amount >= Decimal("1e12"):
        raise LeadInvalid("too large", field=name)
    return amount


def _owner(name: str, user_id: int | None) -> None:
    if user_id is None:
        return
    team = User.objects.filter(pk=user_id, is_active=True).values_list("team", flat=True).first()
    if team is None:
        raise LeadInvalid(f"no active user with id {user_id}", field=name)
    if team != OWNER_TEAMS[name]:
        raise LeadInvalid(f"the owner must be in the {OWNER_TEAMS[name]} team (user {user_id} is in {team})",
                          field=name)


def _text(values: dict[str, Any], name: str, *, required: bool) -> None:
    if name in values:
        values[name] = (values[name] or "").strip()
        if required and not values[name]:
            raise LeadInvalid("required", field=name)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise the given fields (a partial set on update)."""
    unknown = set(values) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise LeadInvalid(f"cannot be set here: {sorted(unknown)[0]}", field=sorted(unknown)[0])
    cleaned = dict(values)
    for name, required in (("name", True), ("type", True), ("target_segment", False), ("utm_campaign", False)):
        _text(cleaned, name, required=required)
    if "channel" in cleaned and cleaned["channel"] not in Channel.values:
        raise LeadInvalid(f"must be one of {', '.join(Channel.values)}", field="channel")
    if "status" in cleaned and cleaned["status"] not in CampaignStatus.values:
        raise LeadInvalid(f"must be one of {', '.join(CampaignStatus.values)}", field="status")
    if cleaned.get("target_segment") and cleaned["target_segment"] not in Segment.values:
        raise LeadInvalid(f"must be empty or one of {', '.join(Segment.values)}", field="target_segment")
    if "currency" in cleaned:
        code = (cleaned["currency"] or "").upper()
        if len(code) != 3 or not code.isalpha():
            raise LeadInvalid("use a three-letter ISO 4217 code, e.g. EUR", field="currency")
        cleaned["currency"] = code
    for name in MONEY_FIELDS:
        if name in cleaned:
            cleaned[name] = _money(name, cleaned[name])
    for name in ("goal_leads", "goal_mqls"):
        if name in cleaned and (cleaned[name] is None or int(cleaned[name]) < 0):
            raise LeadInvalid("must be zero or more", field=name)
    for name in OWNER_TEAMS:
        if name in cleaned:
            _owner(name, cleaned[name])
    return cleaned


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise LeadInvalid("the campaign cannot end before it starts", field="ends_on")


def campaign_create(*, by: Any, **values: Any) -> Campaign:
    """Plan a campaign. `by` needs campaign.write (None is the system)."""
    if by is not None and not by.can("campaign.write"):
        raise PermissionDenied("your role may not plan campaigns")
    for required in ("name", "type", "channel"):
        values.setdefault(required, "")
    cleaned = _clean(values)
    _check_dates(cleaned.get("starts_on"), cleaned.get("ends_on"))
    now = clock.now()
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(**cleaned, created_at=now, updated_at=now)
            audit_record(actor=by, action="campaign.create", obj=campaign,
                         changes={k: [None, v] for k, v in cleaned.items() if v not in ("", None)})
    except IntegrityError as exc:
        raise LeadInvalid(f"a campaign named {cleaned['name']!r} already exists", field="name") from exc
    return campaign


def campaign_update(*, campaign: Campaign, by: Any, expected_version: int | None = None, **values: Any) -> Campaign:
    """Change fields if the campaign is still at the version the caller read; else StaleVersion (409)."""
    if by is not None and not by.can("campaign.write"):
        raise PermissionDenied("your role may not edit campaigns")
    cleaned = _clean(values)
    _check_dates(cleaned.get("starts_on", campaign.starts_on), cleaned.get("ends_on", campaign.ends_on))
    before = {k: getattr(campaign, k) for k in cleaned}
    version = campaign.version if expected_version is None else expected_version
    try:
        with transaction.atomic():
            updated = Campaign.objects.filter(pk=campaign.pk, version=version).update(
                **cleaned, version=F("version") + 1, updated_at=clock.now())
            if not updated:
                raise StaleVersion(f"the campaign changed since version {version}; reload it and try again")
            campaign.refresh_from_db()
            audit_record(actor=by, action="campaign.update", obj=campaign, changes=field_changes(before, cleaned))
    except IntegrityError as exc:
        raise LeadInvalid(f"a campaign named {cleaned.get('name')!r} already exists", field="name") from exc
    return campaign


@transaction.atomic
def campaign_delete(*, campaign: Campaign, by: Any, expected_version: int | None = None) -> None:
    """Delete a campaign nothing belongs to yet. One with touchpoints is kept (cancel it instead)."""
    if by is not None and not by.can("campaign.write"):
        raise PermissionDenied("your role may not delete campaigns")
    in_use = CampaignInUse("touchpoints belong to this campaign; set its status to cancelled instead")
    if campaign.touchpoints.exists():
        raise in_use
    version = campaign.version if expected_version is None else expected_version
    audit_record(actor=by, action="campaign.delete", obj=campaign, changes={"name": [campaign.name, None]})
    unused = ~Exists(Touchpoint.objects.filter(campaign_id=OuterRef("pk")))
    if not Campaign.objects.filter(unused, pk=campaign.pk, version=version).delete()[0]:
        if campaign.touchpoints.exists():
            raise in_use
        raise StaleVersion(f"the campaign changed since version {version}; reload it and try again")
