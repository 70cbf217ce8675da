"""Import pages: upload a file, follow the jobs, read a job's issues by line."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.imports import files, selectors, services
from tandem.imports.choices import ACTIVE_STATUSES, IssueLevel, JobStatus
from tandem.imports.forms import ImportForm
from tandem.imports.models import ImportJob
from tandem.imports.presets import PRESET_LABELS
from tandem.leads.errors import LeadError
from tandem.people.access import require_permission


def _job_or_404(request: HttpRequest, job_id: int) -> ImportJob:
    try:
        return selectors.import_job_get(job_id=job_id, user=request.user)
    except ImportJob.DoesNotExist:
        raise Http404("No such import") from None


def _upload(request: HttpRequest, form: ImportForm) -> ImportJob | None:
    data = form.cleaned_data
    try:
        mapping = json.loads(data["mapping"]) if data["mapping"].strip() else {}
    except ValueError:
        form.add_error("mapping", 'Not JSON: give an object of "CSV header": "field".')
        return None
    upload = data["file"]
    try:
        path = files.store_upload(upload.chunks(), upload.name)
        job, created = services.import_job_create(path=path, kind=data["kind"], by=request.user,
                                                  preset=data["preset"], mapping=mapping,
                                                  timezone=data["timezone"].strip(), file_name=upload.name)
    except LeadError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return None
    if job.status != JobStatus.DONE:
        services.import_job_enqueue(job=job)
    if not created:
        messages.info(request, f"This file was imported before as {job.kind} (import {job.pk}); "
                               f"{'nothing left to do' if job.status == JobStatus.DONE else 'resuming it'}.")
    return job


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    try:
        require_permission(request.user, "import.run")
    except PermissionDenied as exc:
        raise Http404(str(exc)) from None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and (job := _upload(request, form)) is not None:
        return redirect("import_detail", job_id=job.pk)
    status = 422 if request.method == "POST" else 200
    jobs = selectors.import_job_list(user=request.user)
    for job in jobs:
        job.preset_label = PRESET_LABELS.get(job.preset, job.preset)
    return render(request, "imports/list.html", {
        "form": form, "jobs": jobs, "any_active": any(j.status in ACTIVE_STATUSES for j in jobs)}, status=status)


def _detail_context(job: ImportJob, level: str | None) -> dict:
    counts = selectors.import_issue_counts(job=job)
    return {"job": job, "active": job.status in ACTIVE_STATUSES, "level": level or "",
            "preset": PRESET_LABELS.get(job.preset, job.preset),
            "levels": [(value, label, counts.get(value, 0)) for value, label in IssueLevel.choices],
            "created": [(name.replace("_", " "), n) for name, n in sorted(job.counts.items()) if n],
            "percent": round(100 * job.rows_done / job.rows_total) if job.rows_total else 0}


@login_required
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    level = request.GET.get("level") or None
    context = {**_detail_context(job, level),
               "issues": selectors.import_issues(job=job, level=level, limit=1000)}
    return render(request, "imports/detail.html", context)


@login_required
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's status card; htmx polls it while the job runs."""
    job = _job_or_404(request, job_id)
    return render(request, "imports/partials/status.html", _detail_context(job, None))


@login_required
@require_POST
def import_resume(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    require_permission(request.user, "import.run")
    if job.status != JobStatus.DONE:
        services.import_job_enqueue(job=job)
        messages.success(request, f"Import {job.pk} resumes after line {job.checkpoint_line}.")
    return redirect("import_detail", job_id=job.pk)
