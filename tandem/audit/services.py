"""Writing the audit trail. Every service that changes a record that matters calls `audit_record`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from tandem.audit.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose values differ."""
    return {k: [_plain(before.get(k)), _plain(after.get(k))]
            for k in after if _plain(before.get(k)) != _plain(after.get(k))}


def audit_record(*, actor: Any, action: str, obj: models.Model, changes: dict[str, Any] | None = None) -> AuditEntry:
    """Append one audit entry. `actor` is a User, or None for the system."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", None) or "system",
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        changes={k: [_plain(v) for v in pair] for k, pair in (changes or {}).items()},
    )
