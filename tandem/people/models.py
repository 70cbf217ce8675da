from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from tandem import clock
from tandem.core import roles
from tandem.people.choices import RoleChoice, TeamChoice, TokenScope


class User(AbstractUser):
    """A person who works the funnel. Belongs to one team and holds one role."""

    team = models.CharField(max_length=20, choices=TeamChoice.choices, default=TeamChoice.MARKETING)
    role = models.CharField(max_length=20, choices=RoleChoice.choices, default=RoleChoice.READONLY)
    out_of_office = models.BooleanField(default=False, help_text="Routing skips reps who are out of office.")
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def can(self, permission: str) -> bool:
        return self.is_active and roles.has_permission(self.role, permission)


class ApiToken(models.Model):
    """A secret for integrations. Only its SHA-256 digest is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, help_text="The first characters, to recognise a token.")
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
