from django.conf import settings
from django.db import models

from tandem import clock


class VersionedDocument(models.Model):
    """One immutable version of a rule document (the taxonomy, the scoring rulebook). The highest number is in force."""

    number = models.PositiveIntegerField(unique=True)
    document = models.JSONField()
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    note = models.CharField(max_length=300, blank=True)
    summary = models.JSONField(default=list, help_text="One plain line per change against the previous version.")
    diff = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["-number"]


class TaxonomyVersion(VersionedDocument):
    """One immutable version of the lead taxonomy (stages, transitions, criteria, reasons).

    The highest number is in force. Every stage event records the number it was judged by.
    """

    def __str__(self) -> str:
        return f"v{self.number}"
