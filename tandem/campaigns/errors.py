"""Exceptions that name the broken rule; the API maps them (LeadError subclasses) to JSON errors."""

from __future__ import annotations

from tandem.leads.errors import LeadError


class CampaignInUse(LeadError):
    """A campaign that touchpoints belong to cannot be deleted: its membership would be lost."""

    status = 409
    field = "id"

