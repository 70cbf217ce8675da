"""Writes of scores: one lead now (after a touch or a field change), and auto-qualification after it.

`Lead.score` always equals the lead's `LeadScore.total`. Rescoring is system work: it does not
bump the lead's version (a user's open form stays valid) and is not audited per lead; publishing
rules and training models are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from tandem import clock
from tandem.core.scoring import LeadFacts, Score, score
from tandem.leads.models import Lead
from tandem.scoring import facts
from tandem.scoring.models import LeadScore
from tandem.scoring.rules import rules_current


def explanation_pairs(result: Score) -> list[list[Any]]:
    return [[c.rule_id, c.points] for c in result.explanation]


@transaction.atomic(savepoint=False)
def lead_rescore(*, lead: Lead, now: datetime | None = None, advance: bool = True, new: bool = False) -> LeadScore:
    """Score `lead` with the rules in force as of `now`, store it, keep Lead.score equal; then auto-advance.

    Auto-advance lets the lifecycle engine move the lead when the next stage's entry criteria now
    hold (for example score ≥ 50 plus the required fields → MQL); the stage event records which
    criteria fired.
    """
    at = now or clock.now()
    number, rules = rules_current()
    touches = [] if new else facts.lead_touches(lead.pk)  # a lead created this instant has no touches yet
    result = score(LeadFacts(facts.lead_fields(lead.pk, rules), touches), rules, at)
    record = LeadScore(lead_id=lead.pk, total=result.total, fit=result.fit, engagement=result.engagement,
                       explanation=explanation_pairs(result), rules_version=number, computed_at=at)
    LeadScore.objects.bulk_create([record], update_conflicts=True, unique_fields=["lead"],
                                  update_fields=["total", "fit", "engagement", "explanation", "rules_version",
                                                 "computed_at"])
    if Lead.objects.filter(pk=lead.pk).exclude(score=result.total).update(score=result.total):
        lead.score = result.total
    if advance:
        from tandem.leads.services import lead_auto_advance

        lead_auto_advance(lead=lead)
    return record


def leads_rescore_for_account(*, account_id: int) -> int:
    """Rescore every live lead of an account (after its size, industry or country changed)."""
    leads = list(Lead.objects.filter(account_id=account_id, merged_into__isnull=True))
    for lead in leads:
        lead_rescore(lead=lead)
    return len(leads)


def scoring_on_stage_event(*, lead: Lead, event) -> None:
    """Entering Recycled restarts the lead's engagement: rescore now, before anything re-qualifies it."""
    from tandem.scoring.facts import RESTART_STAGES

    if event.to_stage in RESTART_STAGES:
        lead_rescore(lead=lead, advance=False)
