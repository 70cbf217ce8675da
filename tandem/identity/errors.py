"""Exceptions of identity, mapped by the API to 409/422 with the field at fault."""

from __future__ import annotations

from tandem.leads.errors import LeadError


class AlreadyMerged(LeadError):
    """The record is a tombstone now: someone merged it meanwhile."""

    status = 409
