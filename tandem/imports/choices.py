from django.db import models


class ImportKind(models.TextChoices):
    LEADS = "leads", "Leads"
    ACCOUNTS = "accounts", "Accounts"
    TOUCHPOINTS = "touchpoints", "Touchpoints"
    OPPORTUNITIES = "opportunities", "Opportunities"
    STAGE_HISTORY = "stage-history", "Stage history"
    MERGES = "merges", "Merges"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    WAITING = "waiting", "Waiting (resume later)"
    FAILED = "failed", "Failed (resumable)"


class IssueLevel(models.TextChoices):
    """What became of a row: every refused or partly used row is reported with its line and field."""

    ERROR = "error", "Refused"
    SKIPPED = "skipped", "Skipped (already there)"
    WARNING = "warning", "Imported; a value was ignored"
    HISTORICAL = "historical", "Imported as historical"
    WAITING = "waiting", "Waiting"


#: Statuses in which a run is still expected to make progress.
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
