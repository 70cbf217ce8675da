"""Background work for the front door: forgetting what no longer needs remembering."""

from __future__ import annotations

from django_tasks import task


@task()
def keys_prune() -> dict:
    """Delete idempotency keys past their 72 hours and rate-limit windows of clients long gone."""
    from tandem.intake.idempotency import idempotency_keys_prune
    from tandem.intake.rate_limit import rate_windows_prune

    return {"keys": idempotency_keys_prune(), "windows": rate_windows_prune()}
