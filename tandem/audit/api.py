"""The audit trail over HTTP: managers and admins only."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tandem.audit.selectors import audit_list
from tandem.people.access import require_permission

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    changes: dict


class AuditQuery(Schema):
    object_type: str | None = Field(None, description="lead, account, opportunity, taxonomyversion, apitoken")
    object_id: str | None = None
    actor_id: int | None = None
    before_id: int | None = Field(None, description="Keyset cursor: the last id of the previous page.")
    limit: int = Field(100, ge=1, le=500)


@router.get("", response=list[AuditOut], summary="Audit entries, newest first")
def list_audit(request: HttpRequest, query: Query[AuditQuery]):
    require_permission(request.auth, "audit.view")
    return list(audit_list(**query.dict(exclude={"limit"}))[: query.limit])
