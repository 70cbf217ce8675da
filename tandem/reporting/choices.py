from django.db import models

#: The breakdowns the daily rollups keep, besides the total ("" = every lead). Team is not stored:
#: it is the sum of its members' owner rows, so a person changing teams moves their figures with them.
DIMENSIONS: tuple[str, ...] = ("segment", "source", "channel", "campaign", "origin", "owner", "country")
#: Filters a report accepts: the stored dimensions, and team (summed from owner).
FILTERS: tuple[str, ...] = (*DIMENSIONS, "team")
#: Shown for a lead without a value in a dimension (no owner, no campaign …).
NONE_LABEL = "(none)"


class FillStatus(models.TextChoices):
    IDLE = "idle", "Idle"
    RUNNING = "running", "Running"
    FAILED = "failed", "Failed (resume or undo)"


class PackKind(models.TextChoices):
    WEEKLY = "weekly", "Weekly pipeline review"
    MONTHLY = "monthly", "Monthly pack"
    QUARTERLY = "quarterly", "Quarterly business review (QBR)"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"
