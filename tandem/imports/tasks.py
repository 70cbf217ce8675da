"""Background work for imports: load the job by id, call the service."""

from __future__ import annotations

from django_tasks import task

from tandem.imports.models import ImportJob
from tandem.imports.services import import_run


@task(queue_name="imports")
def import_job_run(job_id: int) -> dict:
    job = import_run(job=ImportJob.objects.get(pk=job_id))
    return {"job": job.pk, "status": job.status, "checkpoint_line": job.checkpoint_line}
