from django.db import models

from tandem.core.roles import ROLE_NAMES, TEAM_NAMES


class TeamChoice(models.TextChoices):
    MARKETING = "marketing", TEAM_NAMES["marketing"]
    TELE = "tele", TEAM_NAMES["tele"]
    SALES = "sales", TEAM_NAMES["sales"]
    MANAGEMENT = "management", TEAM_NAMES["management"]


class RoleChoice(models.TextChoices):
    MARKETING = "marketing", ROLE_NAMES["marketing"]
    SDR = "sdr", ROLE_NAMES["sdr"]
    SALES = "sales", ROLE_NAMES["sales"]
    MANAGER = "manager", ROLE_NAMES["manager"]
    ADMIN = "admin", ROLE_NAMES["admin"]
    READONLY = "readonly", ROLE_NAMES["readonly"]


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"
