"""Checking touchpoints before they are stored: first each item's shape, then what it refers to.

A batch is checked item by item, so a bad item is reported by its index and field and the
others still go in. References (leads, campaigns, users, opportunities, earlier external ids)
are resolved with one query per kind, whatever the size of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from tandem import clock
from tandem.campaigns.models import Campaign
from tandem.clock import ClockRefused
from tandem.leads.models import Lead
from tandem.leads.normalize import normalize_email
from tandem.leads.selectors import lead_visible_queryset
from tandem.opportunities.models import Opportunity
from tandem.people.models import User
from tandem.touchpoints.choices import Channel
from tandem.touchpoints.models import Touchpoint

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class TouchpointItem(BaseModel):
    """One touchpoint as an integrator sends it. Unknown keys are refused, so typos do not vanish."""

    model_config = ConfigDict(extra="forbid")

    lead_id: int | None = None
    lead_email: str | None = Field(None, max_length=254)
    channel: Channel
    occurred_at: AwareDatetime | None = None
    campaign_id: int | None = None
    utm_source: str = Field("", max_length=200)
    utm_medium: str = Field("", max_length=200)
    utm_campaign: str = Field("", max_length=200)
    utm_term: str = Field("", max_length=200)
    utm_content: str = Field("", max_length=200)
    click_ids: dict[str, str] = Field(default_factory=dict)
    content_item: str = Field("", max_length=200)
    external_id: str = Field("", max_length=200)
    properties: dict[str, Any] = Field(default_factory=dict)
    actor_id: int | None = None
    opportunity_id: int | None = None


@dataclass(frozen=True)
class Problem:
    """Why item `index` was not stored, naming the field at fault when there is one."""

    index: int
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass
class Checked:
    """The outcome of checking a batch: rows ready to insert, refusals, and repeats of stored touches."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)


def campaigns_for_utm(values: set[str]) -> dict[str, int]:
    """utm_campaign -> id of the (first) campaign that claims it."""
    found: dict[str, int] = {}
    for utm, pk in Campaign.objects.filter(utm_campaign__in=values).order_by("-id").values_list("utm_campaign", "id"):
        found[utm] = pk
    return found


def check_instant(at: datetime | None) -> datetime:
    """When the touch happened: now if not given; an explicit past instant only where allowed."""
    return clock.check_past(at, field="occurred_at")


def _shape(items: list[Any], checked: Checked) -> list[tuple[int, TouchpointItem]]:
    good = []
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            checked.errors.append(Problem(index, None, "an item must be a JSON object"))
            continue
        try:
            good.append((index, TouchpointItem.model_validate(raw)))
        except ValidationError as exc:
            for error in exc.errors():
                name = ".".join(str(p) for p in error["loc"]) or None
                checked.errors.append(Problem(index, name, error["msg"]))
    return good


def _references(items: list[tuple[int, TouchpointItem]], user: Any) -> dict[str, dict]:
    leads = lead_visible_queryset(user=user) if user is not None else Lead.objects.filter(merged_into__isnull=True)
    ids = {i.lead_id for _, i in items if i.lead_id is not None}
    emails = {normalize_email(i.lead_email) for _, i in items if i.lead_id is None and i.lead_email}
    by_id = {pk: account for pk, account in leads.filter(id__in=ids).values_list("id", "account_id")}
    by_email = {email: (pk, account) for pk, email, account in
                leads.filter(email_normalized__in=emails).values_list("id", "email_normalized", "account_id")}
    campaign_ids = {i.campaign_id for _, i in items if i.campaign_id is not None}
    utms = {i.utm_campaign for _, i in items if i.campaign_id is None and i.utm_campaign}
    actor_ids = {i.actor_id for _, i in items if i.actor_id is not None}
    opportunity_ids = {i.opportunity_id for _, i in items if i.opportunity_id is not None}
    return {
        "lead": by_id, "email": by_email, "utm": campaigns_for_utm(utms),
        "campaign": set(Campaign.objects.filter(id__in=campaign_ids).values_list("id", flat=True)),
        "actor": set(User.objects.filter(id__in=actor_ids, is_active=True).values_list("id", flat=True)),
        "opportunity": set(Opportunity.objects.filter(id__in=opportunity_ids).values_list("id", flat=True)),
    }


def _row(index: int, item: TouchpointItem, refs: dict[str, dict], source: str) -> tuple[dict | None, Problem | None]:
    if item.lead_id is not None:
        if item.lead_id not in refs["lead"]:
            return None, Problem(index, "lead_id", f"no lead {item.lead_id} that you may see")
        lead_id, account_id = item.lead_id, refs["lead"][item.lead_id]
    elif item.lead_email:
        found = refs["email"].get(normalize_email(item.lead_email))
        if found is None:
            return None, Problem(index, "lead_email", f"no lead with email {item.lead_email!r} that you may see")
        lead_id, account_id = found
    else:
        return None, Problem(index, "lead_id", "give lead_id or lead_email")
    for name, kind in (("campaign_id", "campaign"), ("actor_id", "actor"), ("opportunity_id", "opportunity")):
        value = getattr(item, name)
        if value is not None and value not in refs[kind]:
            return None, Problem(index, name, f"no {kind} {value}")
    try:
        occurred = check_instant(item.occurred_at)
    except (ValueError, ClockRefused) as exc:
        return None, Problem(index, "occurred_at", str(exc).split(": ", 1)[-1])
    campaign_id = item.campaign_id if item.campaign_id is not None else refs["utm"].get(item.utm_campaign)
    values = {
        "lead_id": lead_id, "account_id": account_id, "opportunity_id": item.opportunity_id,
        "channel": item.channel.value, "campaign_id": campaign_id, "content_item": item.content_item,
        "click_ids": item.click_ids, "occurred_at": occurred, "actor_id": item.actor_id, "source": source,
        "external_id": item.external_id, "properties": item.properties,
        **{name: getattr(item, name) for name in UTM_FIELDS},
    }
    return values, None


def recorded_external_ids(source: str, external_ids: set[str]) -> dict[str, int]:
    """external_id -> id of the touchpoint already stored under it for this source."""
    if not external_ids:
        return {}
    return dict(Touchpoint.objects.filter(source=source, external_id__in=external_ids)
                .values_list("external_id", "id"))


def check_items(items: list[Any], *, user: Any, source: str) -> Checked:
    """Check every item; valid, new ones become rows; the index of each refusal is kept."""
    checked = Checked()
    shaped = _shape(items, checked)
    refs = _references(shaped, user)
    stored = recorded_external_ids(source, {i.external_id for _, i in shaped if i.external_id})
    first_seen: dict[str, int] = {}
    for index, item in shaped:
        values, problem = _row(index, item, refs, source)
        if problem is not None:
            checked.errors.append(problem)
            continue
        external = item.external_id
        if external and external in stored:
            checked.skipped.append(Problem(index, "external_id", f"already recorded as touchpoint {stored[external]}"))
        elif external and external in first_seen:
            checked.skipped.append(Problem(index, "external_id", f"repeats item {first_seen[external]}"))
        else:
            if external:
                first_seen[external] = index
            checked.rows.append((index, values))
    checked.errors.sort(key=lambda p: p.index)
    return checked
