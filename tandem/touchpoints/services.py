"""Writes to the touchpoint ledger: one touch, or a batch checked item by item.

Touchpoints are append-only: nothing here edits or deletes one (a merge moves them to the
survivor, see tandem.identity). A sender's `external_id` is unique per source, so a delivery
repeated by a retrying sender is recognised and not stored twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from tandem import clock
from tandem.audit.services import audit_record
from tandem.leads.errors import LeadError, LeadInvalid
from tandem.leads.models import Lead
from tandem.touchpoints.choices import Channel, TouchSource
from tandem.touchpoints.models import Touchpoint, TouchpointBatch
from tandem.touchpoints.validation import (
    Problem,
    campaigns_for_utm,
    check_instant,
    check_items,
    recorded_external_ids,
)

MAX_BATCH = 5000
TEXT_LIMITS = {"utm_source": 200, "utm_medium": 200, "utm_campaign": 200, "utm_term": 200, "utm_content": 200,
               "content_item": 200, "external_id": 200}
_INSERT_CHUNK = 1000
_RACE_RETRIES = 3


class DuplicateTouchpoint(LeadError):
    """This source already delivered a touchpoint with this external id."""

    status = 409
    field = "external_id"

    def __init__(self, message: str, *, existing_id: int):
        super().__init__(message)
        self.existing_id = existing_id


def _check_one(channel: str, source: str, texts: dict[str, str]) -> None:
    if channel not in Channel.values:
        raise LeadInvalid(f"must be one of {', '.join(Channel.values)}", field="channel")
    if source not in TouchSource.values:
        raise LeadInvalid(f"must be one of {', '.join(TouchSource.values)}", field="source")
    for name, value in texts.items():
        if len(value) > TEXT_LIMITS[name]:
            raise LeadInvalid(f"at most {TEXT_LIMITS[name]} characters", field=name)


def touchpoint_record(*, lead: Lead, channel: str, occurred_at: datetime | None = None, campaign: Any = None,
                      utm_source: str = "", utm_medium: str = "", utm_campaign: str = "", utm_term: str = "",
                      utm_content: str = "", click_ids: dict[str, str] | None = None, content_item: str = "",
                      actor: Any = None, source: str = TouchSource.API, external_id: str = "",
                      properties: dict[str, Any] | None = None, opportunity: Any = None, by: Any = None,
                      follow_up: str = "now") -> Touchpoint:
    """Append one touchpoint to `lead`. The campaign follows utm_campaign when none is given.

    Raises DuplicateTouchpoint when `source` already delivered `external_id`. Audited when a
    user (`by`) records it; deliveries from the front door are recorded by the system.
    `follow_up`: "now" updates the lead's score and SLA timers before returning; "background"
    leaves that to the worker once the touch is committed (as for a batch) — the front door's
    choice, so that a burst of deliveries is answered quickly.
    """
    if by is not None and not by.can("touchpoint.create"):
        raise PermissionDenied("your role may not record touchpoints")
    texts = {"utm_source": utm_source, "utm_medium": utm_medium, "utm_campaign": utm_campaign,
             "utm_term": utm_term, "utm_content": utm_content, "content_item": content_item,
             "external_id": external_id}
    _check_one(channel, source, texts)
    occurred = check_instant(occurred_at)
    campaign_id = campaign.pk if campaign is not None else (
        campaigns_for_utm({utm_campaign}).get(utm_campaign) if utm_campaign else None)
    touch = Touchpoint(lead=lead, account_id=lead.account_id, opportunity=opportunity, channel=channel,
                       campaign_id=campaign_id, click_ids=click_ids or {}, occurred_at=occurred,
                       recorded_at=clock.now(), actor=actor, source=source, properties=properties or {}, **texts)
    if external_id:
        try:
            with transaction.atomic():
                touch.save(force_insert=True)
        except IntegrityError as exc:
            existing = recorded_external_ids(source, {external_id}).get(external_id)
            if existing is None:
                raise
            raise DuplicateTouchpoint(f"already recorded as touchpoint {existing}", existing_id=existing) from exc
    else:
        touch.save(force_insert=True)
    if by is not None:
        audit_record(actor=by, action="touchpoint.create", obj=lead,
                     changes={"touchpoint": [None, touch.pk], "channel": [None, channel]})
    transaction.on_commit(lambda day=occurred.astimezone(UTC).date(): _attribution_changed({day}))
    if follow_up == "background":  # queued in the same transaction: committed with the touch, or not at all
        from tandem.scoring.tasks import touches_recorded

        touches_recorded.enqueue([touch.pk])
    else:
        _touch_recorded(touch)
    return touch


def _attribution_changed(days: set) -> None:
    """Cached attribution reports covering these days are stale (tandem.attribution's hook)."""
    from tandem.attribution.services import attribution_invalidate

    attribution_invalidate(days)


def _touch_recorded(touch: Touchpoint) -> None:
    """SLA timers and the lead's score follow every touch (tandem.sla, tandem.scoring)."""
    from tandem.scoring.services import lead_rescore
    from tandem.sla.services import sla_on_touch

    sla_on_touch(touch=touch)
    lead_rescore(lead=touch.lead)


@dataclass(frozen=True)
class BatchReport:
    """What became of a batch: the id stored for each item (None if not stored), refusals and repeats."""

    batch: TouchpointBatch
    ids: list[int | None]
    errors: list[Problem]
    skipped: list[Problem]


def _insert(rows: list[tuple[int, dict[str, Any]]], batch: TouchpointBatch) -> dict[int, int]:
    now = clock.now()
    stored: dict[int, int] = {}
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = rows[start:start + _INSERT_CHUNK]
        made = Touchpoint.objects.bulk_create(
            [Touchpoint(**values, recorded_at=now, batch=batch) for _, values in chunk])
        stored.update({index: touch.pk for (index, _), touch in zip(chunk, made, strict=True)})
    return stored


def _insert_racing(rows: list[tuple[int, dict[str, Any]]], batch: TouchpointBatch,
                   skipped: list[Problem]) -> dict[int, int]:
    """Insert; if another request stored one of our external ids meanwhile, skip those and retry."""
    for _ in range(_RACE_RETRIES):
        try:
            with transaction.atomic():
                return _insert(rows, batch)
        except IntegrityError:
            externals = {values["external_id"] for _, values in rows if values["external_id"]}
            taken = recorded_external_ids(rows[0][1]["source"], externals) if rows else {}
            if not taken:
                raise
            skipped += [Problem(index, "external_id", f"already recorded as touchpoint {taken[v['external_id']]}")
                        for index, v in rows if v["external_id"] in taken]
            rows = [(index, v) for index, v in rows if v["external_id"] not in taken]
    raise IntegrityError("touchpoint batch: external ids kept colliding; retry the batch")


@transaction.atomic
def touchpoint_batch_ingest(*, items: list[Any], by: Any, token_prefix: str = "",
                            source: str = TouchSource.API) -> BatchReport:
    """Check each item and store the valid, new ones in bulk; report the others by index and field."""
    if by is not None and not by.can("touchpoint.create"):
        raise PermissionDenied("your role may not record touchpoints")
    if len(items) > MAX_BATCH:
        raise LeadInvalid(f"at most {MAX_BATCH} items per batch (got {len(items)})", field="items")
    checked = check_items(items, user=by, source=source)
    batch = TouchpointBatch.objects.create(by=by, token_prefix=token_prefix, received=len(items))
    stored = _insert_racing(checked.rows, batch, checked.skipped)
    TouchpointBatch.objects.filter(pk=batch.pk).update(
        created=len(stored), skipped=len(checked.skipped), rejected=len({p.index for p in checked.errors}))
    batch.refresh_from_db()
    audit_record(actor=by, action="touchpoint.batch", obj=batch,
                 changes={"received": [None, batch.received], "created": [None, batch.created],
                          "skipped": [None, batch.skipped], "rejected": [None, batch.rejected]})
    days = {values["occurred_at"].astimezone(UTC).date() for index, values in checked.rows if index in stored}
    if days:
        transaction.on_commit(lambda: _attribution_changed(days))
    if stored:  # scores and SLA timers follow, in the background once the batch is committed
        from tandem.scoring.tasks import touches_recorded

        transaction.on_commit(lambda ids=sorted(stored.values()): touches_recorded.enqueue(ids))
    checked.skipped.sort(key=lambda p: p.index)
    return BatchReport(batch=batch, ids=[stored.get(i) for i in range(len(items))], errors=checked.errors,
                       skipped=checked.skipped)
