"""Exceptions that name the broken rule; the API maps them to 409/422 with the field at fault."""

from __future__ import annotations


class LeadError(Exception):
    status = 422
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        if field:
            self.field = field


class LeadInvalid(LeadError):
    pass


class StaleVersion(LeadError):
    status = 409
    field = "version"


class DuplicateLead(LeadError):
    status = 409
    field = "email"

    def __init__(self, message: str, *, existing_id: int):
        super().__init__(message)
        self.existing_id = existing_id
