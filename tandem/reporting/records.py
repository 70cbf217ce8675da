"""The records behind a number: "34 SALs" lists exactly those 34 leads (or events, or opportunities).

Each metric's records are found with the same core functions as the figure itself, on the same
filter, so the count at the top of the list is the figure on the dashboard. Everyone who may see
reports sees every record counted; a lead outside the viewer's own queue shows its id, account and
stage but not the person's name or address (lead visibility, docs/roles.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Q

from tandem.core import conversion, pipeline
from tandem.core.funnel import OPEN
from tandem.core.periods import from_epoch, parse_period
from tandem.leads.errors import LeadInvalid
from tandem.leads.models import Lead
from tandem.leads.selectors import lead_visibility_filter
from tandem.opportunities.models import Opportunity
from tandem.reporting import reads
from tandem.reporting.filters import ReportFilter
from tandem.reporting.funnel_reports import stage_names
from tandem.reporting.pipeline_reports import as_of_for

PAGE = 100
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LEAD_METRICS = ("funnel_entrants", "stage_entries", "stage_exits", "stage_stock", "time_in_stage",
                "mean_time_in_stage", "cohort_conversion", "speed_to_lead", "rejection_reasons", "recycle_reasons")
DEAL_METRICS = ("win_rate", "average_deal_size", "sales_cycle", "open_pipeline", "win_loss_reasons",
                "marketing_sourced", "marketing_influenced", "new_customers")
METRICS = LEAD_METRICS + DEAL_METRICS


@dataclass(frozen=True)
class Found:
    """One counted record before display: a lead or an opportunity id, when, and a figure."""

    id: int
    at: datetime | None
    figure: float | Decimal | None = None
    note: str = ""


@dataclass(frozen=True)
class Records:
    metric: str
    kind: str  # lead or opportunity
    label: str
    count: int
    found: list[Found]


def _stage(options: dict[str, Any], name: str = "stage") -> str:
    stage = options.get(name) or ""
    if stage not in stage_names():
        raise LeadInvalid(f"give a stage: one of {', '.join(stage_names())}", field=name)
    return stage


def _entries(f: ReportFilter, stage: str) -> tuple[np.ndarray, np.ndarray]:
    ledger = reads.filtered_ledger(f, entering=[stage], start=f.period.start, end=f.period.end)
    return conversion.stage_entries(ledger, stage, f.period)


def _exits(f: ReportFilter, stage: str) -> list[Found]:
    ledger = reads.filtered_ledger(f, active=True, start=f.period.start, end=f.period.end)
    code = ledger.code(stage)
    rows = np.flatnonzero((ledger.stage == code) & (ledger.exit_at >= f.period.start_epoch)
                          & (ledger.exit_at < f.period.end_epoch))
    return [Found(int(ledger.lead[i]), from_epoch(int(ledger.exit_at[i])),
                  (int(ledger.exit_at[i]) - int(ledger.at[i])) / 86_400) for i in rows]


def _stock(f: ReportFilter, stage: str, edge: str) -> list[Found]:
    ledger = reads.filtered_ledger(f)
    instant = f.period.start_epoch if edge == "opening" else f.period.end_epoch
    code = ledger.code(stage)
    rows = np.flatnonzero((ledger.stage == code) & (ledger.at < instant) & (ledger.exit_at >= instant))
    return [Found(int(ledger.lead[i]), from_epoch(int(ledger.at[i])), None,
                  "still there" if ledger.exit_at[i] == OPEN else "") for i in rows]


def _lead_records(metric: str, f: ReportFilter, options: dict[str, Any]) -> tuple[str, list[Found]]:
    names = stage_names()
    if metric == "funnel_entrants":
        stage = _stage(options)
        leads, at = _entries(f, stage)
        first: dict[int, int] = {}
        for lead, when in zip(leads.tolist(), at.tolist(), strict=True):
            first.setdefault(lead, when)
        return f"{names[stage]} entrants", [Found(lead, from_epoch(when)) for lead, when in first.items()]
    if metric == "stage_entries":
        stage = _stage(options)
        leads, at = _entries(f, stage)
        return f"entries into {names[stage]}", [Found(int(lead), from_epoch(int(when)))
                                                for lead, when in zip(leads, at, strict=True)]
    if metric in ("stage_exits", "time_in_stage", "mean_time_in_stage"):
        stage = _stage(options)
        return f"stays in {names[stage]} that ended (days in stage)", _exits(f, stage)
    if metric == "stage_stock":
        stage, edge = _stage(options), options.get("edge") or "closing"
        if edge not in ("opening", "closing"):
            raise LeadInvalid("opening or closing", field="edge")
        return f"leads in {names[stage]} at the {edge} of the period", _stock(f, stage, edge)
    if metric == "cohort_conversion":
        return _cohort(f, options)
    if metric == "speed_to_lead":
        from tandem.reporting.team_reports import speed_to_lead_figures

        leads, entered, touched = speed_to_lead_figures(f)
        return "MQL entries and the hours to the owner's first real touch", [
            Found(int(lead), from_epoch(int(at)), None if t == np.iinfo(np.int64).min else (int(t) - int(at)) / 3600)
            for lead, at, t in zip(leads, entered, touched, strict=True)]
    return _reason_records(metric, f, options)


def _cohort(f: ReportFilter, options: dict[str, Any]) -> tuple[str, list[Found]]:
    a, b = _stage(options, "from_stage"), _stage(options, "to_stage")
    try:
        cohort = parse_period(options.get("cohort") or f.period.label)
    except ValueError as exc:
        raise LeadInvalid(str(exc), field="cohort") from None
    reached = options.get("reached") or "all"
    ledger = reads.filtered_ledger(f, entering=[a], start=cohort.start, end=cohort.end)
    leads, days = conversion.cohort_members(ledger, a, b, cohort)
    keep = {"all": np.ones(days.size, bool), "yes": ~np.isnan(days), "no": np.isnan(days)}.get(reached)
    if keep is None:
        raise LeadInvalid("all, yes or no", field="reached")
    label = {"all": f"{a.upper()} cohort of {cohort.label}", "yes": f"{a.upper()}s of {cohort.label} that reached "
             f"{b.upper()} (days)", "no": f"{a.upper()}s of {cohort.label} that did not reach {b.upper()}"}[reached]
    return label, [Found(int(lead), None, None if np.isnan(d) else float(d))
                   for lead, d, k in zip(leads, days, keep, strict=True) if k]


def _reason_records(metric: str, f: ReportFilter, options: dict[str, Any]) -> tuple[str, list[Found]]:
    from tandem.reporting.choices import NONE_LABEL
    from tandem.reporting.team_reports import reason_event_rows

    if metric not in ("rejection_reasons", "recycle_reasons"):
        raise LeadInvalid(f"unknown metric; one of {', '.join(METRICS)}", field="metric")
    action = "reject" if metric == "rejection_reasons" else "recycle"
    reason, by, group = options.get("reason"), options.get("by") or "all", options.get("group")
    if by not in ("all", "source", "campaign"):
        raise LeadInvalid("all, source or campaign", field="by")
    found = [Found(lead, e.occurred_at, None, e.reason or NONE_LABEL) for lead, e in reason_event_rows(f, (action,))
             if (not reason or (e.reason or NONE_LABEL) == reason) and (by == "all" or not group
                                                                          or getattr(e, by) == group)]
    return f"{action} events" + (f" with reason {reason}" if reason else ""), found


def _deal_records(metric: str, f: ReportFilter, options: dict[str, Any]) -> tuple[str, list[Found]]:
    period = f.period
    if metric == "open_pipeline":
        at = as_of_for(period)
        rows = reads.filtered_opportunities(f, Q(created_at__lte=at) & (Q(closed_at__isnull=True)
                                                                          | Q(closed_at__gt=at)))
        return f"opportunities open at {at:%Y-%m-%d %H:%M} UTC", [Found(o.id, o.created_at, o.amount)
                                                                   for o, _ in rows]
    if metric in ("marketing_sourced", "marketing_influenced"):
        return _sourcing_records(metric, f)
    closed = [o for o, _ in reads.filtered_opportunities(f, Q(closed_at__gte=period.start,
                                                                  closed_at__lt=period.end))]
    outcome = options.get("outcome") or ("won" if metric in ("average_deal_size", "sales_cycle") else "")
    if metric == "new_customers":
        won_all = [o for o, _ in reads.filtered_opportunities(f, Q(outcome="won"))]
        first: dict[int, pipeline.Opportunity] = {}
        for o in sorted(won_all, key=lambda o: (o.closed_at, o.id)):
            first.setdefault(o.account_id, o)
        return "first won deals of new customers", [Found(o.id, o.closed_at, o.amount) for o in first.values()
                                                    if period.contains(o.closed_at)]
    if metric == "win_loss_reasons":
        reason = options.get("reason")
        closed = [o for o in closed if not reason or (o.reason or "(none)") == reason]
    chosen = [o for o in closed if not outcome or o.outcome == outcome]
    label = {"won": "deals won", "lost": "deals lost", "": "deals closed"}.get(outcome, "deals")
    figure = (lambda o: o.cycle_days) if metric == "sales_cycle" else (lambda o: o.amount)
    return label, [Found(o.id, o.closed_at, figure(o), o.reason) for o in chosen]


def _sourcing_records(metric: str, f: ReportFilter) -> tuple[str, list[Found]]:
    from tandem.core.economics import classify_sourcing
    from tandem.touchpoints.choices import MARKETING_CHANNELS
    from tandem.touchpoints.models import Touchpoint

    created = [o for o, _ in reads.filtered_opportunities(f, Q(created_at__gte=f.period.start,
                                                                   created_at__lt=f.period.end))]
    leads = {o.lead_id for o in created if o.lead_id}
    origins = dict(Lead.objects.filter(pk__in=leads).values_list("id", "origin"))
    touches: dict[int, list] = {}
    for lead_id, at, channel in Touchpoint.objects.filter(lead_id__in=leads).values_list("lead_id", "occurred_at",
                                                                                          "channel"):
        touches.setdefault(lead_id, []).append((at, channel))
    channels = frozenset(str(c) for c in MARKETING_CHANNELS)
    found = []
    for o in created:
        s = classify_sourcing(o, origins.get(o.lead_id), touches.get(o.lead_id, ()), channels)
        if (s.sourced if metric == "marketing_sourced" else s.influenced):
            found.append(Found(o.id, o.created_at, o.amount))
    return "opportunities created " + ("sourced by Marketing" if metric == "marketing_sourced"
                                       else "influenced by Marketing"), found


def records_find(*, metric: str, f: ReportFilter, options: dict[str, Any]) -> Records:
    """Every record a figure counts, in order of when it happened (ids break ties)."""
    if metric not in METRICS:
        raise LeadInvalid(f"unknown metric {metric!r}; one of {', '.join(METRICS)}", field="metric")
    if metric in LEAD_METRICS:
        label, found = _lead_records(metric, f, options)
        kind = "lead"
    else:
        label, found = _deal_records(metric, f, options)
        kind = "opportunity"
    found.sort(key=lambda r: (r.at or EARLIEST, r.id))
    return Records(metric, kind, label, len(found), found)


@dataclass(frozen=True)
class RecordRow:
    id: int
    at: datetime | None
    figure: float | Decimal | None
    note: str
    title: str
    account: str
    stage: str
    owner: str
    visible: bool


def records_page(*, records: Records, user: Any, offset: int = 0, limit: int = PAGE) -> list[RecordRow]:
    """One page of the records with what the viewer may see of each (names only for visible leads)."""
    chosen = records.found[offset:offset + limit]
    ids = [r.id for r in chosen]
    if records.kind == "opportunity":
        opps = {o.pk: o for o in Opportunity.objects.filter(pk__in=ids).select_related("account", "owner")}
        return [RecordRow(r.id, r.at, r.figure, r.note or opps[r.id].outcome, opps[r.id].name,
                          str(opps[r.id].account), opps[r.id].outcome, str(opps[r.id].owner or ""), True)
                for r in chosen if r.id in opps]
    leads = {lead.pk: lead for lead in Lead.objects.filter(pk__in=ids).select_related("account", "owner")}
    visibility = lead_visibility_filter(user)
    visible = set(ids) if visibility is None else set(Lead.objects.filter(visibility, pk__in=ids)
                                                      .values_list("pk", flat=True))
    rows = []
    for r in chosen:
        lead = leads.get(r.id)
        seen = r.id in visible
        rows.append(RecordRow(r.id, r.at, r.figure, r.note,
                              (lead.full_name or lead.email) if lead is not None and seen else f"Lead #{r.id}",
                              str(lead.account or "") if lead else "", lead.stage if lead else "",
                              str(lead.owner or "") if lead else "", seen))
    return rows

