"""Periodic work, run from the worker process.

Each app may declare jobs in a `schedule.py` module: `JOBS = [PeriodicJob(name, every, task)]`,
where `task` is the dotted path of a django-tasks task taking no arguments (it reads the
clock itself). The scheduler cuts time into slots of `every` seconds since the Unix epoch and
enqueues each due slot once: a unique row per (job, slot) makes that exactly-once even with
several workers, and a restarted worker catches up on the latest missed slot only.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from tandem import clock
from tandem.operations.models import JobSetting, ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: str
    description: str = ""


def _declared_jobs() -> list[PeriodicJob]:
    jobs: list[PeriodicJob] = []
    for app in settings.INSTALLED_APPS:
        module = f"{app}.schedule"
        if app.startswith("tandem.") and importlib.util.find_spec(module) is not None:
            jobs += getattr(importlib.import_module(module), "JOBS", [])
    return jobs


def periodic_jobs() -> list[PeriodicJob]:
    """Every app's declared jobs, with admin overrides applied; switched-off jobs left out."""
    jobs = _declared_jobs()
    overrides = {s.job: s for s in JobSetting.objects.all()}
    result = []
    for job in jobs:
        override = overrides.get(job.name)
        if override is None:
            result.append(job)
        elif override.enabled:
            result.append(PeriodicJob(job.name, timedelta(seconds=override.every_seconds), job.task, job.description))
    return result


def slot_start(now: datetime, every: timedelta) -> datetime:
    seconds = int(every.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def schedule_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot has not been enqueued yet; return their names."""
    now = now or clock.now()
    enqueued = []
    for job in periodic_jobs():
        start = slot_start(now, job.every)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot_start=start)
                result = import_string(job.task).enqueue()
                ScheduledRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
        except IntegrityError:
            continue  # this slot was enqueued already, by us or another worker
        enqueued.append(job.name)
        logger.info("enqueued %s for slot %s", job.name, start.isoformat())
    return enqueued
