from django.db import models

from tandem import clock


class ScheduledRun(models.Model):
    """One slot of a periodic job, enqueued once: the unique (job, slot) makes it exactly-once
    however many workers run the scheduler."""

    job = models.CharField(max_length=100)
    slot_start = models.DateTimeField()
    enqueued_at = models.DateTimeField(default=clock.now)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot_start"], name="scheduled_run_once")]
        indexes = [models.Index(fields=["job", "-slot_start"], name="scheduled_run_job_idx")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot_start:%Y-%m-%d %H:%M:%S}"


class JobSetting(models.Model):
    """An admin's override of a periodic job's interval, or switching it off."""

    job = models.CharField(max_length=100, unique=True)
    every_seconds = models.PositiveIntegerField()
    enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.job} every {self.every_seconds}s{'' if self.enabled else ' (off)'}"
