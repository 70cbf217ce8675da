"""Reading the stored rollups and the raw ledger for one report filter, as core records.

Rollups answer when the filter names at most one dimension (team counts as owner): their rows
for that dimension's values are summed per day and stage in SQL and handed to tandem.core.rollup.
Otherwise, and for figures that cannot be summed (medians, cohorts, spans), the ledger of the
matching leads is loaded and handed to the same core functions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from django.db.models import Q, Sum

from tandem.core import rollup as core_rollup
from tandem.core.funnel import Ledger
from tandem.core.periods import Period, to_epoch
from tandem.core.pipeline import Opportunity as CoreOpportunity
from tandem.leads.models import Lead
from tandem.reporting.dimensions import lead_filter_q
from tandem.reporting.fetch import EventArrays, ids_of, ledger_stages, opportunities_fetch
from tandem.reporting.filters import ReportFilter
from tandem.reporting.ledger_cache import ledger_events
from tandem.reporting.models import DealRollup, RollupFill, StageRollup

_SUMS = {c: Sum(c) for c in core_rollup.COLUMNS}


def active_generation() -> int:
    return RollupFill.objects.filter(name="ledger").values_list("generation", flat=True).first() or 1


def rollups_built() -> bool:
    return bool(RollupFill.objects.filter(name="ledger", built=True).exists())


def stage_rollup(key: tuple[str, list[str]], period: Period) -> core_rollup.DailyRollup:
    """The rollup rows of a dimension's values that a period needs, summed in SQL into two days per stage.

    The day before the period holds the sum of everything before it (for the opening stock), the
    period's first day the sum of every day inside it. Every column is a plain sum, so the core's
    flow, funnel and mean-time figures over the period come out exactly as from the daily rows.
    """
    dimension, values = key
    start, end = period.start.astimezone(UTC).date(), period.end.astimezone(UTC).date()
    rows = StageRollup.objects.filter(generation=active_generation(), dimension=dimension, value__in=values)
    stages = ledger_stages()
    records = []
    for day, part in ((start - timedelta(days=1), rows.filter(day__lt=start)),
                      (start, rows.filter(day__gte=start, day__lt=end))):
        for r in part.values("stage").annotate(**_SUMS).order_by("stage"):
            if r["stage"] in stages:
                records.append({**{c: r[c] or 0 for c in core_rollup.COLUMNS}, "stage": r["stage"], "day": day,
                                "dimension": ""})
    return core_rollup.DailyRollup.from_records(records, stages=stages)


def deal_days(key: tuple[str, list[str]], start: datetime, end: datetime) -> list[core_rollup.DealDay]:
    dimension, values = key
    rows = (DealRollup.objects.filter(generation=active_generation(), dimension=dimension, value__in=values,
                                      day__gte=start.astimezone(UTC).date(), day__lt=end.astimezone(UTC).date())
            .values("day", "outcome", "currency").annotate(n=Sum("count"), amount_sum=Sum("amount"),
                                                           seconds=Sum("cycle_seconds"))
            .order_by("day", "outcome", "currency"))
    return [core_rollup.DealDay(r["day"], r["outcome"], r["currency"], r["n"], r["amount_sum"], r["seconds"])
            for r in rows]


def lead_ids_sql(f: ReportFilter) -> tuple[str, list]:
    """SQL selecting the ids of the leads the filter matches (for `IN (…)` clauses)."""
    sql, params = Lead.objects.filter(lead_filter_q(f.dims())).values("id").query.sql_with_params()
    return sql, list(params)


def filtered_ledger(f: ReportFilter, *, entering: list[str] | None = None, active: bool = False,
                    start: datetime | None = None, end: datetime | None = None,
                    until: datetime | None = None) -> Ledger:
    """The full histories of the leads matching the filter (and, optionally, with an event into one of
    `entering`, or any event, in [start, end)), cut at `until`. Read from the in-process ledger."""
    events = ledger_events()
    keep = np.ones(len(events), dtype=bool)
    if f.is_filtered:
        keep &= np.isin(events.lead, ids_of(Lead.objects.filter(lead_filter_q(f.dims()))))
    if entering or active:
        window = keep & (events.at >= to_epoch(start)) & (events.at < to_epoch(end))
        if entering:
            window &= np.isin(events.stage, [events.stages.index(s) for s in entering])
        keep &= np.isin(events.lead, np.unique(events.lead[window]))
    chosen = EventArrays(events.stages, events.lead[keep], events.stage[keep], events.at[keep])
    ledger = chosen.ledger()
    return ledger if until is None else ledger.until(until)


def opportunity_q(f: ReportFilter) -> Q:
    """The opportunities the filter matches: owner and segment/country from the opportunity and its account,
    the other dimensions from its lead."""
    q = Q()
    for name, values in f.dims().items():
        if name == "owner":
            q &= Q(owner_id__in=[int(v) for v in values if v]) | (Q(owner__isnull=True) if "" in values else Q(pk=None))
        elif name == "segment":
            q &= Q(account__segment__in=values)
        elif name == "country":
            q &= Q(account__country__in=values)
        else:
            q &= Q(lead__in=Lead.objects.filter(lead_filter_q({name: values})).values("id"))
    return q


def filtered_opportunities(f: ReportFilter, where: Q | None = None) -> list[tuple[CoreOpportunity, dict]]:
    """Opportunities matching the filter (and `where`), as core records with their dimension facts."""
    return opportunities_fetch(opportunity_q(f) & (where or Q()))
