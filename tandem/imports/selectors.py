"""Reads of import jobs and their issues."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet

from tandem.imports.models import ImportIssue, ImportJob


def _require(user: Any) -> None:
    if user is not None and not user.can("import.run"):
        raise PermissionDenied("you may not see imports")


def import_job_list(*, user: Any, limit: int = 100) -> list[ImportJob]:
    """The latest jobs, newest first (every job: imports are shared work of the teams that may run them)."""
    _require(user)
    return list(ImportJob.objects.select_related("created_by").order_by("-id")[:limit])


def import_job_get(*, job_id: int, user: Any) -> ImportJob:
    """The job, or ImportJob.DoesNotExist (404)."""
    _require(user)
    return ImportJob.objects.select_related("created_by").get(pk=job_id)


def import_issues(*, job: ImportJob, level: str | None = None, offset: int = 0,
                  limit: int = 500) -> QuerySet[ImportIssue]:
    """The job's issues in line order, one page."""
    issues = job.issues.all()
    if level:
        issues = issues.filter(level=level)
    return issues.order_by("line", "id")[offset: offset + limit]


def import_issue_counts(*, job: ImportJob) -> dict[str, int]:
    return dict(job.issues.order_by().values_list("level").annotate(n=Count("id")))
