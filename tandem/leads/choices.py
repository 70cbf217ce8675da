from django.db import models


class Origin(models.TextChoices):
    MGL = "mgl", "Marketing-generated (MGL)"
    TGL = "tgl", "Tele-generated (TGL)"
    SGL = "sgl", "Sales-generated (SGL)"


class ConsentStatus(models.TextChoices):
    """Ordered from least to most restrictive; merging keeps the most restrictive."""

    GRANTED = "granted", "Consent granted"
    UNKNOWN = "unknown", "Unknown"
    PENDING = "pending", "Pending confirmation"
    WITHDRAWN = "withdrawn", "Withdrawn (do not contact)"


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", "Consent"
    LEGITIMATE_INTEREST = "legitimate_interest", "Legitimate interest"
    CONTRACT = "contract", "Contract"
    UNSPECIFIED = "unspecified", "Unspecified"


class EventAction(models.TextChoices):
    CREATE = "create", "Created"
    ADVANCE = "advance", "Advanced"
    ACCEPT = "accept", "Accepted"
    REJECT = "reject", "Rejected"
    RECYCLE = "recycle", "Recycled"
    DISQUALIFY = "disqualify", "Disqualified"
    WIN = "win", "Won"
    LOSE = "lose", "Lost"
    REOPEN = "reopen", "Reopened"
    IMPORT = "import", "Imported"


class ActorKind(models.TextChoices):
    USER = "user", "User"
    SYSTEM = "system", "System (criteria met)"
    IMPORT = "import", "Import"
