"""Merging duplicates: two leads, or two accounts, become one survivor and one tombstone.

Invariants after a merge:
- every row of any table that pointed at the loser points at the survivor (touchpoints, stage
  events, assignments, notes, opportunities, aliases, earlier tombstones, and any table added
  later: the foreign keys are found from the models, not listed by hand); moved rows keep
  `original_<model>_id` where the table has one. A row its table allows only once per record
  (e.g. a lead's score record) is deleted if the survivor already has its own; the audit entry
  counts it under "dropped";
- the loser stays, marked `merged_into` = survivor, so its id still resolves; a lead loser's
  address is freed (email_normalized becomes "merged:<id>:<address>") and kept as an alias of
  the survivor, so the person arriving again under it lands on the survivor;
- the survivor keeps its own stage and values, takes the loser's where its own are blank, and
  the strictest consent of the two;
- both records must still be at the versions the caller read: the two conditional UPDATEs run
  first, in id order (no deadlock between A→B and B→A), so of two people merging the same pair
  at once one wins and the other gets StaleVersion (409). Works alike on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from tandem import clock
from tandem.accounts.models import Account
from tandem.audit.services import audit_record
from tandem.identity.errors import AlreadyMerged
from tandem.identity.models import EmailAlias, MergeKind, MergeRecord
from tandem.identity.selectors import references_to
from tandem.identity.survivorship import account_fills, lead_fills, strictest_consent
from tandem.leads.errors import LeadInvalid, StaleVersion
from tandem.leads.models import Lead


@dataclass(frozen=True)
class MergeResult:
    survivor: Any
    loser: Any
    moved: dict[str, int]
    dropped: dict[str, int]  # one-per-record rows of the loser the survivor already had its own of
    filled: dict[str, Any]
    consent_status: str | None
    at: datetime
    record: MergeRecord


def _move_rows(related: type[models.Model], field: models.ForeignKey, changes: dict[str, Any],
               loser: models.Model) -> tuple[int, int]:
    """Point the loser's rows at the survivor: (moved, dropped). A row that cannot move because the
    survivor already holds the one its table allows (a one-per-lead record, e.g. a score) is deleted."""
    rows = related._base_manager.filter(**{field.attname: loser.pk})
    try:
        with transaction.atomic():
            return rows.update(**changes), 0
    except IntegrityError:
        pass
    moved = dropped = 0
    for pk in list(rows.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                moved += related._base_manager.filter(pk=pk).update(**changes)
        except IntegrityError:
            related._base_manager.filter(pk=pk).delete()
            dropped += 1
    return moved, dropped


def _move_references(model: type[models.Model], survivor: models.Model,
                     loser: models.Model) -> tuple[dict[str, int], dict[str, int]]:
    moved, dropped = {}, {}
    for related, field in references_to(model):
        changes: dict[str, Any] = {field.attname: survivor.pk}
        original = f"original_{model._meta.model_name}_id"
        if any(f.name == original for f in related._meta.concrete_fields):
            changes[original] = Coalesce(original, Value(loser.pk), output_field=models.BigIntegerField())
        count, gone = _move_rows(related, field, changes, loser)
        if count:
            moved[related._meta.label] = moved.get(related._meta.label, 0) + count
        if gone:
            dropped[related._meta.label] = dropped.get(related._meta.label, 0) + gone
    return moved, dropped


def _conditional_updates(model: type[models.Model], writes: list[tuple[models.Model, dict[str, Any]]],
                         now: datetime) -> None:
    """Write each record only if still at the version read and not merged, lower id first."""
    for record, changes in sorted(writes, key=lambda pair: pair[0].pk):
        updated = model._base_manager.filter(pk=record.pk, version=record.version, merged_into__isnull=True).update(
            **changes, version=F("version") + 1, updated_at=now)
        if not updated:
            raise StaleVersion(f"{model._meta.verbose_name} {record.pk} changed since version {record.version} "
                               f"or was merged meanwhile; reload both and try again")


def _check_pair(survivor: models.Model, loser: models.Model, by: Any) -> None:
    if by is not None and not by.can("lead.merge"):
        raise PermissionDenied("your role may not merge records")
    if survivor.pk == loser.pk:
        raise LeadInvalid("a record cannot be merged into itself", field="loser_id")
    for name, record in (("survivor_id", survivor), ("loser_id", loser)):
        if record.merged_into_id is not None:
            raise AlreadyMerged(f"{record.pk} was already merged into {record.merged_into_id}", field=name)


@transaction.atomic
def lead_merge(*, survivor: Lead, loser: Lead, by: Any, at: datetime | None = None) -> MergeResult:
    """Merge `loser` into `survivor` (both at the versions the caller read). See the module's invariants."""
    _check_pair(survivor, loser, by)
    occurred, now = clock.check_past(at), clock.now()
    filled = lead_fills(survivor, loser)
    consent = strictest_consent(survivor.consent_status, loser.consent_status)
    address = loser.email_normalized
    freed = f"merged:{loser.pk}:{address}"[:254]
    _conditional_updates(Lead, [(survivor, {**filled, "consent_status": consent}),
                                (loser, {"merged_into": survivor.pk, "email_normalized": freed})], now)
    moved, dropped = _move_references(Lead, survivor, loser)
    if not EmailAlias.objects.filter(email_normalized=address).update(lead=survivor):
        EmailAlias.objects.create(email_normalized=address, lead=survivor, from_lead_id=loser.pk, created_at=now)
    snapshot = {"email": loser.email, "name": loser.full_name, "phone": loser.phone, "stage": loser.stage,
                "consent_status": loser.consent_status}
    record = MergeRecord.objects.create(kind=MergeKind.LEAD, survivor_id=survivor.pk, loser_id=loser.pk, by=by,
                                        occurred_at=occurred, recorded_at=now, moved=moved, dropped=dropped,
                                        loser_snapshot=snapshot)
    audit_record(actor=by, action="lead.merge", obj=survivor, changes={
        "merged_lead": [None, loser.pk], "consent_status": [survivor.consent_status, consent],
        **{name: [getattr(survivor, name), value] for name, value in filled.items()},
        **{f"moved.{label}": [None, count] for label, count in moved.items()},
        **{f"dropped.{label}": [count, 0] for label, count in dropped.items()}})
    audit_record(actor=by, action="lead.merged_into", obj=loser, changes={
        "merged_into": [None, survivor.pk], "email_normalized": [address, freed]})
    survivor.refresh_from_db()
    loser.refresh_from_db()
    return MergeResult(survivor=survivor, loser=loser, moved=moved, dropped=dropped, filled=filled,
                       consent_status=consent,
                       at=occurred, record=record)


@transaction.atomic
def account_merge(*, survivor: Account, loser: Account, by: Any, at: datetime | None = None) -> MergeResult:
    """Merge account `loser` into `survivor`: its leads, opportunities and touchpoints move over."""
    _check_pair(survivor, loser, by)
    occurred, now = clock.check_past(at), clock.now()
    filled = account_fills(survivor, loser)
    take_domain = not survivor.domain and bool(loser.domain)
    _conditional_updates(Account, [(survivor, filled),
                                   (loser, {"merged_into": survivor.pk, **({"domain": ""} if take_domain else {})})],
                         now)
    if take_domain:  # the loser let go of it just above; the unique constraint allows one holder
        Account.objects.filter(pk=survivor.pk).update(domain=loser.domain)
        filled["domain"] = loser.domain
    moved, dropped = _move_references(Account, survivor, loser)
    snapshot = {"name": loser.name, "domain": loser.domain}
    record = MergeRecord.objects.create(kind=MergeKind.ACCOUNT, survivor_id=survivor.pk, loser_id=loser.pk, by=by,
                                        occurred_at=occurred, recorded_at=now, moved=moved, dropped=dropped,
                                        loser_snapshot=snapshot)
    audit_record(actor=by, action="account.merge", obj=survivor, changes={
        "merged_account": [None, loser.pk], **{name: [getattr(survivor, name), value] for name, value in filled.items()},
        **{f"moved.{label}": [None, count] for label, count in moved.items()},
        **{f"dropped.{label}": [count, 0] for label, count in dropped.items()}})
    audit_record(actor=by, action="account.merged_into", obj=loser, changes={"merged_into": [None, survivor.pk]})
    survivor.refresh_from_db()
    loser.refresh_from_db()
    return MergeResult(survivor=survivor, loser=loser, moved=moved, dropped=dropped, filled=filled,
                       consent_status=None,
                       at=occurred, record=record)
