"""Reports on how the teams work together: SLA compliance, speed to lead, reasons, attribution by channel.

SLA compliance and Marketing's commitments are read from tandem.sla's selectors when that app provides
them (found with importlib); attribution from tandem.attribution's. Where an app does not provide its
figures yet, the report says so (`available` False and a note) rather than showing a number.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import Any

import numpy as np
from django.db import DatabaseError, transaction
from django.db.models import Q

from tandem.campaigns.models import Campaign
from tandem.core import conversion, reasons
from tandem.core.periods import epoch_seconds
from tandem.leads.models import Lead, StageEvent
from tandem.reporting import reads
from tandem.reporting.choices import NONE_LABEL
from tandem.reporting.dimensions import lead_dims, lead_filter_q
from tandem.reporting.filters import ReportFilter
from tandem.reporting.funnel_reports import meta
from tandem.reporting.outputs import (
    Attribution,
    ChannelCredit,
    CommitmentRow,
    ReasonRow,
    Reasons,
    Sla,
    SpeedToLeadOut,
    TeamSla,
)
from tandem.touchpoints.choices import REAL_TOUCH_CHANNELS
from tandem.touchpoints.models import Touchpoint

logger = logging.getLogger(__name__)
SPEED_STAGE = "mql"


def call_other_app(function: Any, **kwargs: Any) -> tuple[Any, str]:
    """Call another app's selector; (result, "") or (None, why) if it failed (its tables not migrated yet …).

    In a savepoint, so that a failed query leaves the caller's transaction usable (PostgreSQL).
    """
    try:
        with transaction.atomic():
            return function(**kwargs), ""
    except (ImportError, DatabaseError, LookupError, AttributeError, TypeError) as exc:
        logger.warning("%s.%s failed: %s", function.__module__, function.__name__, exc)
        return None, f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


def provided(module: str, name: str) -> Any | None:
    """`module.name` when that app provides it, else None (apps built by other teams arrive over time)."""
    try:
        if importlib.util.find_spec(module) is None:
            return None
    except ModuleNotFoundError:
        return None
    return getattr(importlib.import_module(module), name, None)


def speed_to_lead_figures(f: ReportFilter, stage: str = SPEED_STAGE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lead ids, entry instants, first qualifying touch instants or NO_TIME) for entries into `stage` in the period.

    A qualifying touch is a call, email sent or meeting by a person (not the system), whoever owned the lead then:
    ownership moves on at the hand-off, and a touch by the SDR who owned the MQL must still count."""
    ledger = reads.filtered_ledger(f, entering=[stage], start=f.period.start, end=f.period.end)
    leads, entered = conversion.stage_entries(ledger, stage, f.period)
    touches = (Touchpoint.objects.filter(lead_id__in=np.unique(leads).tolist(), channel__in=REAL_TOUCH_CHANNELS,
                                         occurred_at__gte=f.period.start, actor__isnull=False)
               .values_list("lead_id", "occurred_at"))
    rows = list(touches)
    touch_lead = np.array([r[0] for r in rows], dtype=np.int64)
    touch_at = epoch_seconds([r[1] for r in rows])
    return leads, entered, conversion.first_touch_after(leads, entered, touch_lead, touch_at)


def sla_report(f: ReportFilter) -> Sla:
    leads, entered, first = speed_to_lead_figures(f)
    speed = conversion.speed_to_lead(entered, first, unit="hours")
    speed_out = SpeedToLeadOut(SPEED_STAGE, speed.leads, speed.touched, speed.untouched, speed.median, speed.p90)
    compliance = provided("tandem.sla.selectors", "sla_compliance")
    info = meta("sla", f, "ledger", ("speed_to_lead",))
    if compliance is None:
        return Sla(info, False, (), (), speed_out, "SLA compliance is not available yet: the SLA app does not "
                                                   "provide its compliance figures on this instance.")
    dims = f.dims()
    owners = dims.get("owner")
    note = ""
    if set(dims) - {"owner"}:
        note = "SLA timers are filtered by team and owner only; the other filters do not apply to them."
    report, problem = call_other_app(compliance, start=f.period.start, end=f.period.end, group_by="team",
                                     team=f.get("team"),
                                     user_id=int(owners[0]) if owners and len(owners) == 1 and f.get("owner") else None)
    if report is None:
        return Sla(info, False, (), (), speed_out, f"SLA compliance is not available: {problem}")
    teams = tuple(TeamSla(r.key, r.label, r.stats.timers, r.stats.met, r.stats.breached, r.stats.pending,
                          r.stats.share_met, r.stats.median_response_hours, r.stats.p90_response_hours)
                  for r in report.rows)
    return Sla(info, True, teams, _commitments(f), speed_out, note)


def _commitments(f: ReportFilter) -> tuple[CommitmentRow, ...]:
    current = provided("tandem.sla.commitments", "commitment_progress")
    model = provided("tandem.sla.models", "MarketingCommitment")
    if current is None or model is None:
        return ()
    rows = model.objects.filter(period_start__lt=f.period.end, period_end__gt=f.period.start)
    segment = f.get("segment")
    if segment:
        rows = rows.filter(Q(segment=segment) | Q(segment=""))
    result = []
    for c in rows.order_by("period_start", "segment", "id")[:20]:
        p, _ = call_other_app(current, commitment=c)
        if p is None:
            return ()
        result.append(CommitmentRow(c.name, c.segment, c.period_start, c.period_end, c.target_mqls, p.delivered,
                                    p.accepted, p.rejected, p.projection.status))
    return tuple(result)


def reason_event_rows(f: ReportFilter, actions: tuple[str, ...]) -> list[tuple[int, reasons.ReasonEvent]]:
    """(lead id, reasoned event) for the events of these actions in the period, with the lead's source and
    originating campaign."""
    events = StageEvent.objects.filter(action__in=actions, occurred_at__gte=f.period.start,
                                       occurred_at__lt=f.period.end)
    if f.is_filtered:
        events = events.filter(lead__in=Lead.objects.filter(lead_filter_q(f.dims())).values("id"))
    rows = list(events.order_by("occurred_at", "id").values_list("lead_id", "action", "reason_code", "occurred_at"))
    dims = lead_dims({r[0] for r in rows})
    names = dict(Campaign.objects.values_list("id", "name"))
    result = []
    for lead_id, action, reason, at in rows:
        values = dims.values_of(lead_id)
        campaign = names.get(int(values["campaign"]), values["campaign"]) if values["campaign"] else NONE_LABEL
        result.append((lead_id, reasons.ReasonEvent(action, reason, values["source"] or NONE_LABEL, campaign, at)))
    return result


def reason_events(f: ReportFilter, actions: tuple[str, ...]) -> list[reasons.ReasonEvent]:
    return [event for _, event in reason_event_rows(f, actions)]


def reasons_report(f: ReportFilter) -> Reasons:
    """Rejection and recycle reasons by source and by campaign, and win/loss reasons of closed deals."""
    events = reason_events(f, ("reject", "recycle"))
    rows: list[ReasonRow] = []
    for kind, action in (("rejection", "reject"), ("recycle", "recycle")):
        for by in ("all", "source", "campaign"):
            for r in reasons.reason_breakdown(events, by=by, actions=(action,), period=f.period):
                rows.append(ReasonRow(f"{kind}:{by}", r.group, r.reason, r.count, r.share))
    from tandem.reporting.pipeline_reports import _closed_in

    for r in reasons.win_loss_reasons(_closed_in(f, f.period), f.period):
        rows.append(ReasonRow("win_loss", r.group, r.reason, r.count, r.share))
    return Reasons(meta("reasons", f, "ledger", ("rejection_reasons", "recycle_reasons", "win_loss_reasons")),
                   tuple(rows))


def attribution_report(f: ReportFilter, *, model: str = "position_based") -> Attribution:
    """Credit by channel from tandem.attribution, when that app provides `channel_credit`."""
    credit = provided("tandem.attribution.selectors", "channel_credit")
    info = meta("attribution", f, "attribution", ())
    if credit is None:
        return Attribution(info, False, model, (), "Attribution by channel is not available yet: the attribution "
                                                  "app does not provide channel credit on this instance.")
    result, problem = call_other_app(credit, start=f.period.start, end=f.period.end, model=model,
                                     filters=dict(f.values))
    if result is None:
        return Attribution(info, False, model, (), f"Attribution by channel is not available: {problem}")
    channels = tuple(ChannelCredit(str(name), float(conv), float(value)) for name, (conv, value)
                     in sorted(result.items(), key=lambda kv: -kv[1][1]))
    return Attribution(info, True, model, channels)

