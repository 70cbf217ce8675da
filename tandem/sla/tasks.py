"""Background work for SLAs: the tick (warnings, breaches, escalations, commitments)."""

from __future__ import annotations

from django_tasks import task


@task()
def tick() -> dict:
    """Process every SLA timer and commitment as of now: the same code as `tandem sla tick`."""
    from tandem.sla.services import sla_tick

    report = sla_tick()
    return {"warned": len(report.warned), "breached": len(report.breached),
            "commitments_missed": len(report.commitments_missed)}
