"""Background work for scoring: rescoring every lead (decay) and retraining the predictive score."""

from __future__ import annotations

from django_tasks import task

from tandem.leads.models import Lead


@task()
def recompute_all() -> dict:
    """Rescore every lead as of now (the decay job, and after a new rulebook)."""
    from tandem.scoring.bulk import scores_recompute

    summary = scores_recompute()
    return {"leads": summary.leads, "changed": summary.changed, "advanced": summary.advanced}


@task()
def rescore_lead(lead_id: int) -> int | None:
    from tandem.scoring.services import lead_rescore

    lead = Lead.objects.filter(pk=lead_id).first()
    return None if lead is None else lead_rescore(lead=lead).total


@task()
def rescore_account(account_id: int) -> int:
    """Rescore the leads of an account whose fields changed (size, industry, country...)."""
    from tandem.scoring.services import leads_rescore_for_account

    return leads_rescore_for_account(account_id=account_id)


@task()
def touches_recorded(touch_ids: list[int]) -> int:
    """After a batch of touches: stop the SLA timers they answer, rescore (and maybe advance) their leads."""
    from tandem.scoring.services import lead_rescore
    from tandem.sla.services import sla_on_touch
    from tandem.touchpoints.models import Touchpoint

    touches = list(Touchpoint.objects.filter(pk__in=touch_ids).order_by("occurred_at", "id"))
    for touch in touches:
        sla_on_touch(touch=touch)
    lead_ids = sorted({t.lead_id for t in touches})
    for lead in Lead.objects.filter(pk__in=lead_ids, merged_into__isnull=True):
        lead_rescore(lead=lead)
    return len(lead_ids)


@task()
def retrain() -> dict:
    """Retrain the predictive score for each target; a target with too little history is refused, saying so."""
    from tandem.scoring.models import PredictiveModel
    from tandem.scoring.training import predictive_train

    return {target: predictive_train(target=target).status for target in PredictiveModel.Target.values}
