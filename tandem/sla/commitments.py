"""Marketing's side of the SLA: MQLs delivered per period and segment, and how the receiving team judged them.

Delivered: distinct leads that entered MQL within [period_start, period_end) (in the segment,
if one is set: the lead's account segment). Accepted / rejected: the decisions taken so far on
those leads out of MQL: accept (→ TAL) counts as accepted, reject and disqualify as rejected.
Status and projection come from `tandem.core.sla.project_commitment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from tandem import clock
from tandem.audit.services import audit_record
from tandem.core import sla as core_sla
from tandem.leads.models import StageEvent
from tandem.sla.models import MarketingCommitment


@dataclass(frozen=True)
class CommitmentProgress:
    commitment: MarketingCommitment
    delivered: int
    accepted: int
    rejected: int
    projection: core_sla.Projection


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of "YYYY-MM", in UTC."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"month: {month!r} is not a month like 2026-03") from exc
    end = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    return start, end


def _mql_leads(commitment: MarketingCommitment, until: datetime) -> set[int]:
    events = StageEvent.objects.filter(to_stage="mql", occurred_at__gte=commitment.period_start,
                                       occurred_at__lt=min(until, commitment.period_end))
    if commitment.segment:
        events = events.filter(lead__account__segment=commitment.segment)
    return set(events.values_list("lead_id", flat=True))


def commitment_progress(*, commitment: MarketingCommitment, now: datetime | None = None) -> CommitmentProgress:
    at = now or clock.now()
    leads = _mql_leads(commitment, at)
    decisions = (StageEvent.objects.filter(lead_id__in=leads, from_stage="mql", occurred_at__lte=at,
                                           action__in=["accept", "reject", "disqualify"])
                 .values_list("action", flat=True))
    accepted = sum(1 for a in decisions if a == "accept")
    rejected = sum(1 for a in decisions if a != "accept")
    core = core_sla.Commitment(commitment.target_mqls, float(commitment.min_acceptance_rate),
                               commitment.period_start, commitment.period_end)
    projection = core_sla.project_commitment(core, len(leads), accepted, rejected, max(at, commitment.period_start))
    return CommitmentProgress(commitment, len(leads), accepted, rejected, projection)


def commitments_current(*, now: datetime | None = None, limit: int = 24) -> list[CommitmentProgress]:
    """Progress of the commitments that have started, the most recent periods first."""
    at = now or clock.now()
    rows = MarketingCommitment.objects.filter(period_start__lte=at).select_related("owner")[:limit]
    return [commitment_progress(commitment=c, now=at) for c in rows]


@transaction.atomic
def commitment_create(*, name: str, period_start: datetime, period_end: datetime, target_mqls: int,
                      min_acceptance_rate: Any, segment: str = "", owner: Any = None,
                      by: Any) -> MarketingCommitment:
    """Record a commitment (validated by the core's rules). Audited."""
    core_sla.Commitment(int(target_mqls), float(min_acceptance_rate), period_start, period_end)
    commitment = MarketingCommitment.objects.create(
        name=name.strip() or f"{target_mqls} MQLs", segment=segment, period_start=period_start,
        period_end=period_end, target_mqls=target_mqls, min_acceptance_rate=min_acceptance_rate, owner=owner,
        created_by=by if getattr(by, "pk", None) else None)
    audit_record(actor=by, action="sla.commitment_create", obj=commitment,
                 changes={"target_mqls": [None, target_mqls], "segment": [None, segment]})
    return commitment
