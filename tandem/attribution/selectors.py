"""Reads for attribution: the ledger's touches as journeys, and every model's credit for a query.

Levels (each conversion is one journey; its path is its lead's touches, oldest first, within the
look-back, in the chosen dimension):

* sourced: each lead created in the period (not merged away); path = touches up to and including
  its creation. Every lead is a conversion here, so there are no non-converting journeys.
* pipeline: each opportunity created in the period; value = its amount; path = the lead's
  touches before the opportunity's creation.
* revenue: each opportunity won (closed) in the period; value = its amount; path = the lead's
  touches before the close.

For pipeline and revenue, the leads touched in the period that did not convert at that level in
it are the non-converting journeys (path: their touches up to the period's end); the Markov
chain and the conversion-rate Shapley game use them. Conversions without any touch (an
opportunity without a lead, a lead entered by hand) are *untouched*: counted in the totals, never
split among channels.

`channel_credit` and `campaign_revenue` are the figures tandem.reporting asks this app for.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
from django.db.models import Count, Max, Sum

from tandem.attribution import fetch
from tandem.attribution.query import AttributionQuery, attribution_query
from tandem.core.attribution import Options, attribute_many
from tandem.core.attribution.ledger import Ends, LedgerJourneys, Touches, journeys
from tandem.core.periods import Period, to_epoch
from tandem.leads.errors import LeadInvalid

DAY_S = 86_400
#: Bump when the computation changes: every cached report is then computed again.
ENGINE_VERSION = 1


@dataclass(frozen=True, eq=False)
class Loaded:
    """The journeys of a query and the conversions they came from (money as Decimal, in one currency)."""

    query: AttributionQuery
    journeys: LedgerJourneys
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    ends: fetch.EndRows
    currency: str | None
    other_currencies: dict[str, int]
    total_value: Decimal
    untouched_value: Decimal


def _one_currency(ends: fetch.EndRows, wanted: str) -> tuple[str | None, np.ndarray, dict[str, int]]:
    """(currency, which conversions are in it, how many are in others)."""
    counts: dict[str, int] = {}
    for c in ends.currencies:
        counts[c] = counts.get(c, 0) + 1
    counts.pop("", None)
    if wanted:
        chosen = wanted
    elif len(counts) > 1:
        raise LeadInvalid(f"conversions in several currencies ({', '.join(sorted(counts))}); ask for one with "
                          f"currency=", field="currency")
    else:
        chosen = next(iter(counts), None)
    keep = np.array([c in ("", chosen) for c in ends.currencies], dtype=bool)
    return chosen, keep, {c: n for c, n in counts.items() if c != chosen}


def _keep(ends: fetch.EndRows, keep: np.ndarray) -> fetch.EndRows:
    if keep.all():
        return ends
    pick = np.flatnonzero(keep)
    return fetch.EndRows(ends.lead[pick], ends.at[pick], [ends.amounts[i] for i in pick],
                         [ends.currencies[i] for i in pick], [ends.answers[i] for i in pick], ends.lead_created[pick],
                         None if ends.opportunity_created is None else ends.opportunity_created[pick])


def _non_converting(query: AttributionQuery, rows: fetch.TouchRows, converted_leads: np.ndarray) -> np.ndarray:
    """Leads touched in the period (in the segment) without a conversion at this level in it."""
    if query.level == "sourced":
        return np.zeros(0, dtype=np.int64)
    active = np.unique(rows.lead[rows.at >= to_epoch(query.period.start)])
    if query.segment:
        active = active[np.isin(active, fetch.segment_leads(query.segment), assume_unique=True)]
    return active[~np.isin(active, converted_leads)]


def attribution_journeys(query: AttributionQuery) -> Loaded:
    """Load touches and conversions for the query and cut them into journeys (see the module docstring)."""
    period = query.period
    rows = fetch.touch_rows(start=query.window_start, end=period.end, dimension=query.dimension,
                            include_rep_activity=query.include_rep_activity)
    ends = fetch.end_rows(level=query.level, start=period.start, end=period.end, segment=query.segment)
    currency, keep, others = _one_currency(ends, query.currency)
    ends = _keep(ends, keep)
    nulls = _non_converting(query, rows, ends.lead)
    end_epoch = to_epoch(period.end)
    n, m = len(ends.lead), len(nulls)
    amounts = np.array([float(a) for a in ends.amounts], dtype=np.float64)
    opportunity = None if ends.opportunity_created is None else np.r_[ends.opportunity_created, np.zeros(m, np.int64)]
    all_ends = Ends(
        lead=np.r_[ends.lead, nulls].astype(np.int64), at=np.r_[ends.at, np.full(m, end_epoch)].astype(np.int64),
        value=np.r_[amounts, np.zeros(m)], converted=np.r_[np.ones(n), np.zeros(m)],
        lead_created=np.r_[ends.lead_created, np.zeros(m, np.int64)].astype(np.int64),
        opportunity_created=opportunity)
    touches = Touches.build(rows.lead, rows.at, rows.code, base=to_epoch(query.window_start))
    inclusive = query.level == "sourced"
    ledger = journeys(touches, rows.keys, all_ends, lookback_s=query.lookback_days * DAY_S, inclusive=inclusive)
    touched = set(ledger.end_of_path[ledger.end_of_path < n].tolist())
    untouched_value = sum((a for i, a in enumerate(ends.amounts) if i not in touched), Decimal("0"))
    return Loaded(query, ledger, rows.keys, rows.labels, ends, currency, others, sum(ends.amounts, Decimal("0")),
                  untouched_value)


def attribution_results(loaded: Loaded) -> dict:
    """Every model of the query over the loaded journeys: {model: Attribution, or the reason it was skipped}."""
    query = loaded.query
    options = Options(order=query.order, half_life=query.half_life_hours)
    if loaded.journeys.journeys.n_paths == 0:
        return {name: "no journeys with touches in this period" for name in query.models}
    return attribute_many(loaded.journeys.journeys, query.models, options)


def attribution_report(query: AttributionQuery) -> dict:
    """The report as plain JSON values (what the page, the API and the CLI show), computed now."""
    from tandem.attribution.serialize import report_payload

    loaded = attribution_journeys(query)
    return report_payload(loaded, attribution_results(loaded))


def ledger_fingerprint(query: AttributionQuery) -> str:
    """A digest of the ledger rows a report depends on, touchpoints aside (see `touches_since`).

    The level's conversions: the period's leads for `sourced` (count, latest update: new, edited
    or merged leads), else the period's opportunities (count, latest update of them and of their
    leads, sum of lead ids); the latest merge (a merge moves touchpoints to the survivor); accounts
    when a segment is asked for, campaigns (their names) by campaign. A few aggregates on indexed
    columns, so that a cached report is served without recomputing.
    """
    from tandem.accounts.models import Account
    from tandem.campaigns.models import Campaign
    from tandem.identity.models import MergeRecord
    from tandem.leads.models import Lead
    from tandem.opportunities.models import Opportunity

    start, end = query.period.start, query.period.end
    parts: list = [ENGINE_VERSION]
    if query.level == "sourced":
        parts += Lead.objects.filter(created_at__gte=start, created_at__lt=end).order_by().aggregate(
            n=Count("id"), changed=Max("updated_at")).values()
    else:
        made = {"created_at__gte": start, "created_at__lt": end} if query.level == "pipeline" else \
            {"closed_at__gte": start, "closed_at__lt": end}
        parts += Opportunity.objects.filter(**made).order_by().aggregate(
            n=Count("id"), changed=Max("updated_at"), leads=Sum("lead_id"), edited=Max("lead__updated_at")).values()
    parts.append(MergeRecord.objects.aggregate(top=Max("id"))["top"])
    if query.segment:
        parts.append(Account.objects.aggregate(changed=Max("updated_at"))["changed"])
    if query.dimension == "campaign":  # names may change
        parts.append(Campaign.objects.aggregate(changed=Max("updated_at"))["changed"])
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def touch_mark() -> int:
    """The highest touchpoint id: touchpoints are append-only, so every new one lies above it."""
    from tandem.touchpoints.models import Touchpoint

    return Touchpoint.objects.aggregate(top=Max("id"))["top"] or 0


def touches_since(query: AttributionQuery, mark: int, *, limit: int = 10_000) -> bool:
    """True when a touchpoint recorded after `mark` lies in the query's window (or too many to look).

    Reads only the rows above the mark, by primary key: the cost follows what is new, not the ledger.
    """
    from tandem.touchpoints.models import Touchpoint

    newer = list(Touchpoint.objects.filter(id__gt=mark).order_by("id").values_list("occurred_at", flat=True)
                 [:limit + 1])
    if len(newer) > limit:
        return True
    return any(query.window_start <= at < query.period.end for at in newer)


def _filters(filters: dict | None) -> str:
    values = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    unknown = sorted(set(values) - {"segment"})
    if unknown:
        raise LeadInvalid(f"attribution can be filtered by segment only, not by {unknown[0]}", field=unknown[0])
    return str(values.get("segment", ""))


def _span(start: datetime, end: datetime) -> tuple[str, str]:
    period = Period.span(start, end)
    return period.start.date().isoformat(), period.last_day.isoformat()


def channel_credit(*, start: datetime, end: datetime, model: str = "position_based",
                   filters: dict | None = None) -> dict[str, tuple[float, float]]:
    """Pipeline created in [start, end) by channel under one model: {channel label: (conversions, value)}.

    Conversions without a marketing touch are left out (they are not split among channels).
    """
    first, last = _span(start, end)
    query = attribution_query(level="pipeline", dimension="channel", start=first, end=last,
                              segment=_filters(filters), models=model)
    from tandem.attribution.services import attribution_result

    payload = attribution_result(query=query).payload
    return {row["label"]: (row["credit"][model]["conversions"], float(row["credit"][model]["value"]))
            for row in payload["rows"] if model in row["credit"]}


def campaign_revenue(*, start: datetime, end: datetime, model: str = "w_shaped") -> dict[int, Decimal]:
    """Revenue won in [start, end) credited to each campaign under one model (W-shaped by default), in cents."""
    first, last = _span(start, end)
    query = attribution_query(level="revenue", dimension="campaign", start=first, end=last, models=model)
    from tandem.attribution.services import attribution_result

    payload = attribution_result(query=query).payload
    return {int(row["key"]): Decimal(row["credit"][model]["value"]) for row in payload["rows"]
            if row["key"] and model in row["credit"]}
