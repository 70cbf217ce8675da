from __future__ import annotations

from django.db.models import QuerySet

from tandem.audit.models import AuditEntry


def audit_list(*, object_type: str | None = None, object_id: str | None = None, actor_id: int | None = None,
               before_id: int | None = None) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=str(object_id))
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if before_id:
        entries = entries.filter(id__lt=before_id)
    return entries.order_by("-id")
