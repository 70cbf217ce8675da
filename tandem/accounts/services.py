"""Writes to accounts, audited, guarded by a version number."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from tandem import clock
from tandem.accounts.models import Account
from tandem.accounts.normalize import normalize_domain, segment_for
from tandem.audit.services import audit_record, field_changes
from tandem.leads.errors import LeadInvalid, StaleVersion

ACCOUNT_FIELDS = ("name", "domain", "industry", "employees", "country", "owner_id", "segment")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(ACCOUNT_FIELDS)
    if unknown:
        raise LeadInvalid(f"unknown field {sorted(unknown)[0]}", field=sorted(unknown)[0])
    if "name" in values and not (values["name"] or "").strip():
        raise LeadInvalid("an account needs a name", field="name")
    cleaned = dict(values)
    if "domain" in values:
        cleaned["domain"] = normalize_domain(values["domain"])
    if "country" in values:
        country = (values["country"] or "").upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise LeadInvalid("use the two-letter ISO country code", field="country")
        cleaned["country"] = country
    if "employees" in values and values["employees"] is not None:
        if int(values["employees"]) < 0:
            raise LeadInvalid("cannot be negative", field="employees")
        cleaned.setdefault("segment", segment_for(int(values["employees"])))
    return cleaned


def account_create(*, by: Any, **values: Any) -> Account:
    if by is not None and not by.can("account.write"):
        raise PermissionDenied("your role may not create accounts")
    cleaned = _clean(values)
    try:
        with transaction.atomic():
            account = Account.objects.create(**cleaned)
            audit_record(actor=by, action="account.create", obj=account,
                         changes={k: [None, v] for k, v in cleaned.items() if v not in ("", None)})
    except IntegrityError as exc:
        raise LeadInvalid(f"an account with domain {cleaned.get('domain')} already exists", field="domain") from exc
    return account


@transaction.atomic
def account_update(*, account: Account, by: Any, expected_version: int | None = None, **values: Any) -> Account:
    if not by.can("account.write"):
        raise PermissionDenied("your role may not edit accounts")
    cleaned = _clean(values)
    before = {k: getattr(account, k) for k in cleaned}
    version = account.version if expected_version is None else expected_version
    try:
        with transaction.atomic():
            updated = Account.objects.filter(pk=account.pk, version=version).update(
                **cleaned, version=F("version") + 1, updated_at=clock.now())
    except IntegrityError as exc:
        raise LeadInvalid("another account already has this domain", field="domain") from exc
    if not updated:
        raise StaleVersion(f"the account changed since version {version}; reload it and try again")
    account.refresh_from_db()
    audit_record(actor=by, action="account.update", obj=account, changes=field_changes(before, cleaned))
    _account_changed(account)
    return account


def _account_changed(account: Account) -> None:
    """Its leads' scores read the account's fields (tandem.scoring): rescore them once this commits."""
    from tandem.scoring.tasks import rescore_account

    transaction.on_commit(lambda: rescore_account.enqueue(account.pk))
