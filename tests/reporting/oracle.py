"""Figures computed directly from the ledger, independently of tandem.reporting's loading code.

Events, leads, touches and opportunities are read through the ORM and handed to tandem.core, with
each dimension's value read from the definitions in tandem/reporting/dimensions.py as written there.
"""

from __future__ import annotations

from collections import defaultdict

from tandem.core import pipeline
from tandem.core.flow import funnel, period_flow, time_in_stage
from tandem.core.funnel import FUNNEL_STAGES, Ledger
from tandem.core.periods import Period
from tandem.leads.models import Lead, StageEvent
from tandem.opportunities.models import Opportunity
from tandem.touchpoints.models import Touchpoint


def ledger() -> Ledger:
    rows = list(StageEvent.objects.order_by("lead_id", "occurred_at", "id").values_list("lead_id", "to_stage",
                                                                                       "occurred_at"))
    return Ledger.build([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def lead_values() -> dict[int, dict[str, str]]:
    first: dict[int, Touchpoint] = {}
    for t in Touchpoint.objects.order_by("lead_id", "occurred_at", "id"):
        first.setdefault(t.lead_id, t)
    values = {}
    for lead in Lead.objects.select_related("account"):
        touch = first.get(lead.pk)
        values[lead.pk] = {
            "segment": lead.account.segment if lead.account else "",
            "source": lead.source, "origin": lead.origin,
            "owner": str(lead.owner_id) if lead.owner_id else "",
            "country": lead.country or (lead.account.country if lead.account else ""),
            "channel": touch.channel if touch else "",
            "campaign": str(touch.campaign_id) if touch and touch.campaign_id else "",
        }
    return values


def leads_with(values: dict[int, dict[str, str]], dimension: str, wanted: list[str]) -> list[int]:
    return [lead for lead, v in values.items() if v[dimension] in wanted]


def funnel_figures(full: Ledger, lead_ids: list[int] | None, period: Period) -> dict[str, tuple]:
    view = full if lead_ids is None else full.for_leads(lead_ids)
    steps = {s.stage: s for s in funnel(view, period, FUNNEL_STAGES).steps}
    flow = period_flow(view, [period])
    means = time_in_stage(view, period, FUNNEL_STAGES)
    result = {}
    for stage in FUNNEL_STAGES:
        code = view.stages.index(stage)
        step = steps[stage]
        result[stage] = (step.entered, step.passed_on, step.drop_off, int(flow.entries[0, code]),
                         int(flow.exits[0, code]), int(flow.opening[0, code]), int(flow.closing[0, code]),
                         means[stage].mean)
    return result


def deal_values(values: dict[int, dict[str, str]]) -> list[tuple[pipeline.Opportunity, dict[str, str]]]:
    result = []
    for o in Opportunity.objects.select_related("account"):
        lead = values.get(o.lead_id, defaultdict(str))
        facts = {**lead, "owner": str(o.owner_id) if o.owner_id else "", "segment": o.account.segment,
                 "country": o.account.country}
        result.append((pipeline.Opportunity(o.pk, o.lead_id, o.account_id, o.amount, o.currency, o.created_at,
                                            o.closed_at, o.outcome, o.reason_code), facts))
    return result


def deal_figures(deals, dimension: str | None, wanted: list[str], period: Period) -> tuple:
    chosen = [o for o, facts in deals if dimension is None or facts[dimension] in wanted]
    rate = pipeline.win_rate(chosen, period)
    size = pipeline.average_deal_size(chosen, period)
    cycle = pipeline.sales_cycle(chosen, period)
    return rate.won, rate.lost, rate.rate, size.average, cycle.mean_days, cycle.median_days


def open_figures(deals, dimension: str | None, wanted: list[str], at) -> tuple:
    chosen = [o for o, facts in deals if dimension is None or facts[dimension] in wanted]
    live = pipeline.open_pipeline(chosen, at)
    return live.count, pipeline.money(live.amount)
