from django.conf import settings
from django.db import models

from tandem import clock
from tandem.imports.choices import ImportKind, IssueLevel, JobStatus


class ImportJob(models.Model):
    """One CSV file imported as one kind of record, in chunks.

    Each chunk is committed in one transaction together with `checkpoint_line` (the last line
    committed; the header is line 1), so the database always holds exactly the rows up to the
    checkpoint. Running the job again resumes after it. A file is identified by its SHA-256:
    the same file and kind always lead back to the same job.
    """

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    preset = models.CharField(max_length=20, blank=True)
    mapping = models.JSONField(default=dict, help_text="CSV header -> field, as used (preset and user's merged).")
    requested_mapping = models.JSONField(default=dict, blank=True, help_text="The mapping the user gave, if any.")
    timezone = models.CharField(max_length=64, blank=True, help_text="For timestamps without an offset.")
    namespace = models.CharField(max_length=20, help_text="Whose ids the file's external ids are (preset or csv).")
    file_name = models.CharField(max_length=255)
    file_path = models.TextField(help_text="Where the file is read from.")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(default=0)
    encoding = models.CharField(max_length=20, default="utf-8-sig")
    delimiter = models.CharField(max_length=1, default=",")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    checkpoint_line = models.PositiveIntegerField(default=1, help_text="Last line committed (1 = the header).")
    rows_ok = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    rows_historical = models.PositiveIntegerField(default=0, help_text="Imported rows flagged historical.")
    rows_waiting = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="Records created, by type.")
    days_touched = models.JSONField(default=list, help_text="UTC days (ISO dates) the imported events fall on.")
    message = models.TextField(blank=True, help_text="Why the job failed or waits; notes such as ignored columns.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["sha256", "kind"], name="import_job_file_kind_unique")]

    def __str__(self) -> str:
        return f"import {self.pk}: {self.kind} from {self.file_name} ({self.status})"

    @property
    def rows_done(self) -> int:
        return self.checkpoint_line - 1


class ImportIssue(models.Model):
    """A row that was refused, skipped, imported with a caveat, or is waiting: its line, field and why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    line = models.PositiveIntegerField(help_text="The row's line in the file, the header being line 1.")
    level = models.CharField(max_length=10, choices=IssueLevel.choices)
    field = models.CharField(max_length=60, blank=True)
    message = models.TextField()
    value = models.CharField(max_length=200, blank=True, help_text="The offending value, shortened.")

    class Meta:
        ordering = ["line", "id"]
        constraints = [models.UniqueConstraint(fields=["job", "line", "level", "field"],
                                               name="import_issue_once")]
        indexes = [models.Index(fields=["job", "level", "line"], name="import_issue_level_idx")]

    def __str__(self) -> str:
        return f"line {self.line} {self.level} {self.field}: {self.message}"


class ExternalKey(models.Model):
    """Another system's id for a Tandem record (a HubSpot Record ID, a Salesforce Lead ID, …).

    History rows in later files name records by these ids; this table resolves them.
    """

    namespace = models.CharField(max_length=20, help_text="hubspot, salesforce, or csv for a generic file.")
    kind = models.CharField(max_length=20, help_text="lead, account or opportunity")
    key = models.CharField(max_length=200)
    object_id = models.BigIntegerField()
    job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["namespace", "kind", "key"], name="external_key_unique")]
        indexes = [models.Index(fields=["kind", "object_id"], name="external_key_object_idx")]

    def __str__(self) -> str:
        return f"{self.namespace} {self.kind} {self.key} -> {self.object_id}"
