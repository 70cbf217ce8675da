"""The taxonomy over HTTP: read, versions, export and import (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from tandem.people.access import require_permission
from tandem.taxonomy import selectors, services
from tandem.taxonomy.models import TaxonomyVersion

router = Router(tags=["taxonomy"])


class VersionOut(Schema):
    number: int
    created_at: datetime
    created_by_id: int | None
    note: str
    summary: list[str]


class VersionDetailOut(VersionOut):
    document: dict[str, Any]
    diff: str


class ImportIn(Schema):
    document: dict[str, Any] | None = None
    text: str | None = None
    format: Literal["yaml", "json"] = "yaml"
    note: str = ""


@router.get("", response=VersionDetailOut, summary="The taxonomy in force now")
def current(request: HttpRequest):
    require_permission(request.auth, "taxonomy.view")
    return selectors.taxonomy_versions().first()


@router.get("/versions", response=list[VersionOut], summary="Every version, newest first, with a change summary")
def versions(request: HttpRequest):
    require_permission(request.auth, "taxonomy.view")
    return list(selectors.taxonomy_versions())


@router.get("/versions/{number}", response=VersionDetailOut)
def version(request: HttpRequest, number: int):
    require_permission(request.auth, "taxonomy.view")
    return get_object_or_404(TaxonomyVersion, number=number)


@router.get("/export", summary="The taxonomy in force, as YAML or JSON (definitions as code)")
def export(request: HttpRequest, format: Literal["yaml", "json"] = "yaml"):  # noqa: A002 - the query name
    require_permission(request.auth, "taxonomy.view")
    document = selectors.taxonomy_version_current().document
    content_type = "application/json" if format == "json" else "application/yaml"
    return HttpResponse(services.taxonomy_document_dump(document, fmt=format), content_type=content_type)


@router.post("/import", response={201: VersionDetailOut}, summary="Publish a new version from a document")
def import_taxonomy(request: HttpRequest, payload: ImportIn):
    require_permission(request.auth, "taxonomy.change")
    if payload.document is not None:
        version = services.taxonomy_publish(document=payload.document, by=request.auth, note=payload.note)
    elif payload.text:
        version = services.taxonomy_import(text=payload.text, filename=f"upload.{payload.format}", by=request.auth,
                                           note=payload.note)
    else:
        raise ValueError("document: send either document (an object) or text (YAML or JSON)")
    return Status(201, version)
