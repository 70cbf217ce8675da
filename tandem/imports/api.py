"""Imports over HTTP: upload a CSV (a background job), follow its status, read its issues by line."""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from tandem.imports import files, selectors, services
from tandem.imports.choices import JobStatus
from tandem.leads.errors import LeadInvalid
from tandem.people.access import require_permission

router = Router(tags=["imports"])


class IssueOut(Schema):
    line: int
    level: str
    field: str
    message: str
    value: str


class ImportJobOut(Schema):
    id: int
    kind: str
    preset: str
    file_name: str
    sha256: str
    status: str
    rows_total: int | None
    checkpoint_line: int = Field(..., description="The last line committed; the header is line 1.")
    rows_done: int
    rows_ok: int
    rows_skipped: int
    rows_failed: int
    rows_historical: int
    rows_waiting: int
    counts: dict[str, int]
    mapping: dict[str, str]
    timezone: str
    message: str
    created_by_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportJobDetailOut(ImportJobOut):
    issue_counts: dict[str, int]
    issues: list[IssueOut] = Field(..., description="The first 500 issues, by line.")


class IssueQuery(Schema):
    level: str | None = Field(None, description="error, skipped, warning, historical or waiting")
    offset: int = Field(0, ge=0)
    limit: int = Field(500, ge=1, le=5000)


def _mapping(text: str) -> dict:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise LeadInvalid('not JSON; give an object of "CSV header": "field"', field="mapping") from None
    if not isinstance(value, dict):
        raise LeadInvalid('give an object of "CSV header": "field"', field="mapping")
    return value


@router.post("", response={200: ImportJobOut, 202: ImportJobOut},
             summary="Upload a CSV to import (a background job); the same file again resumes its job")
def create_import(request: HttpRequest, file: File[UploadedFile], kind: Form[str],
                  preset: Form[str] = "", mapping: Form[str] = "", timezone: Form[str] = ""):
    require_permission(request.auth, "import.run")
    path = files.store_upload(file.chunks(), file.name or "upload.csv")
    job, _ = services.import_job_create(path=path, kind=kind, by=request.auth, preset=preset,
                                        mapping=_mapping(mapping), timezone=timezone, file_name=file.name)
    if job.status == JobStatus.DONE:
        return Status(200, job)
    services.import_job_enqueue(job=job)
    return Status(202, job)


@router.get("", response=list[ImportJobOut], summary="The latest import jobs, newest first")
def list_imports(request: HttpRequest):
    return selectors.import_job_list(user=request.auth)


@router.get("/{import_id}", response=ImportJobDetailOut, summary="Status, counts and issues by line")
def get_import(request: HttpRequest, import_id: int):
    job = selectors.import_job_get(job_id=import_id, user=request.auth)
    return {**ImportJobOut.from_orm(job).dict(), "issue_counts": selectors.import_issue_counts(job=job),
            "issues": list(selectors.import_issues(job=job))}


@router.get("/{import_id}/issues", response=list[IssueOut], summary="The job's issues by line, one page")
def list_issues(request: HttpRequest, import_id: int, query: Query[IssueQuery]):
    job = selectors.import_job_get(job_id=import_id, user=request.auth)
    return list(selectors.import_issues(job=job, level=query.level, offset=query.offset, limit=query.limit))


@router.post("/{import_id}/resume", response={200: ImportJobOut, 202: ImportJobOut},
             summary="Run the job again from its checkpoint (after a failure, or when it waits)")
def resume_import(request: HttpRequest, import_id: int):
    require_permission(request.auth, "import.run")
    job = selectors.import_job_get(job_id=import_id, user=request.auth)
    if job.status == JobStatus.DONE:
        return Status(200, job)
    services.import_job_enqueue(job=job)
    return Status(202, job)
