"""Opportunity reports: velocity and coverage (core pipeline), sourced versus influenced (core economics).

Win rate, average deal size and mean cycle come from the daily deal rollups when the filter allows
(one dimension at most, whole days), else from the opportunities; both go through tandem.core.
Open pipeline is always read from the opportunities at the as-of instant: the end of the period,
or now if the period has not ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from tandem import clock
from tandem.core import economics, pipeline
from tandem.core import rollup as core_rollup
from tandem.core.periods import Period, day_start
from tandem.leads.errors import LeadInvalid
from tandem.opportunities.models import Opportunity
from tandem.reporting import reads
from tandem.reporting.filters import ReportFilter
from tandem.reporting.funnel_reports import meta
from tandem.reporting.outputs import Coverage, Sourcing, Velocity
from tandem.touchpoints.choices import MARKETING_CHANNELS
from tandem.touchpoints.models import Touchpoint

ZERO = Decimal("0")


def as_of_for(period: Period) -> datetime:
    return min(clock.now(), period.end - timedelta(seconds=1))


def _one_currency(currencies: set[str], wanted: str | None) -> str | None:
    if wanted:
        return wanted.upper()
    currencies.discard("")
    if len(currencies) > 1:
        raise LeadInvalid(f"opportunities in several currencies ({', '.join(sorted(currencies))}); "
                          f"ask for one with currency=", field="currency")
    return next(iter(currencies), None)


def _closed_in(f: ReportFilter, period: Period, outcome: str | None = None) -> list[pipeline.Opportunity]:
    where = Q(closed_at__gte=period.start, closed_at__lt=period.end)
    rows = reads.filtered_opportunities(f, where if outcome is None else where & Q(outcome=outcome))
    return [o for o, _ in rows]


def deal_figures(f: ReportFilter, period: Period, currency: str | None, *, median: bool = True
                 ) -> tuple[pipeline.WinRate, pipeline.DealSize, pipeline.SalesCycle, str | None, str]:
    """Win rate, deal size and cycle of deals closed in the period, one currency, from rollups or deals.

    The median cycle needs the won deals themselves; callers that do not show it pass `median=False`.
    """
    key = f.rollup_key()
    aligned = period.start_epoch % 86_400 == 0 and period.end_epoch % 86_400 == 0
    if key is not None and aligned and reads.rollups_built():
        days = reads.deal_days(key, period.start, period.end)
        chosen = _one_currency({d.currency for d in days}, currency)
        days = [d for d in days if d.currency == chosen]
        rate = core_rollup.win_rate_from_rollup(days, period)
        size = core_rollup.deal_size_from_rollup(days, period)
        mean = core_rollup.sales_cycle_from_rollup(days, period)
        won = [o for o in _closed_in(f, period, "won") if o.currency == chosen] if median else []
        median_days = pipeline.sales_cycle(won, period).median_days if median else None
        return rate, size, pipeline.SalesCycle(mean.count, mean.total_seconds, median_days), chosen, "rollups"
    closed = _closed_in(f, period)
    chosen = _one_currency({o.currency for o in closed}, currency)
    in_currency = [o for o in closed if o.currency == chosen]
    return (pipeline.win_rate(in_currency, period), pipeline.average_deal_size(in_currency, period),
            pipeline.sales_cycle(in_currency, period), chosen, "opportunities")


def open_pipeline_at(f: ReportFilter, at: datetime, currency: str | None) -> tuple[pipeline.OpenPipeline, str | None]:
    """Count and amount of the opportunities open at `at` (created by then, not closed by then), one currency.

    The definition of tandem.core.pipeline.open_pipeline, summed by the database (a million leads have
    tens of thousands of open deals); tests compare it with the core function.
    """
    open_at = Q(created_at__lte=at) & (Q(closed_at__isnull=True) | Q(closed_at__gt=at))
    sums = {r["currency"]: (r["n"], r["total"]) for r in Opportunity.objects.filter(reads.opportunity_q(f) & open_at)
            .values("currency").annotate(n=Count("id"), total=Sum("amount")).order_by()}
    chosen = _one_currency(set(sums), currency)
    count, total = sums.get(chosen, (0, ZERO))
    return pipeline.OpenPipeline(count, total or ZERO, chosen if count else None), chosen


def velocity_report(f: ReportFilter, *, currency: str | None = None) -> Velocity:
    """Open opportunities × average deal × win rate ÷ mean cycle (days), the last three over the period."""
    at = as_of_for(f.period)
    rate, size, cycle, chosen, source = deal_figures(f, f.period, currency)
    live, chosen_open = open_pipeline_at(f, at, chosen)
    chosen = chosen or chosen_open
    velocity = pipeline.pipeline_velocity(live.count, size.average, rate.rate, cycle.mean_days)
    return Velocity(meta("velocity", f, source, ("pipeline_velocity", "open_pipeline", "win_rate",
                                                 "average_deal_size", "sales_cycle")),
                    chosen, live.count, pipeline.money(live.amount), rate.won, rate.lost, pipeline.money(size.total),
                    rate.rate, size.average,
                    cycle.mean_days, cycle.median_days, velocity)


def lookback_period(at: datetime, days: int) -> Period:
    end = day_start(at) + timedelta(days=1)
    return Period.span(end - timedelta(days=days), end)


def coverage_report(f: ReportFilter, *, quota: Decimal | None = None, lookback_days: int | None = None,
                    currency: str | None = None) -> Coverage:
    """Open pipeline ÷ (quota − won), beside the required 1 ÷ win rate over the look-back.

    The quota is the one given, else the goal for the period or the goal containing it; what was won
    counts over the quota's period (the goal's, or the report's when a quota is given). The look-back
    of the win rate is the one given, else the goal's (so the goal's plan shows the same required
    coverage), else 365 days.
    """
    at = as_of_for(f.period)
    source, quota_period, days = "given", f.period, lookback_days
    if quota is None:
        from tandem.goals.selectors import goal_for_quota, goal_period

        goal = goal_for_quota(period=f.period, segment=f.get("segment") or "")
        if goal is not None:
            quota, source, quota_period = goal.target, f"goal {goal.name} ({goal.period})", goal_period(goal)
            days = days or goal.lookback_days
        else:
            source = "none"
    days = days or 365
    if days < 1:
        raise LeadInvalid("must be at least 1", field="lookback_days")
    lookback = lookback_period(at, days)
    rate, _, _, chosen, _ = deal_figures(f, lookback, currency, median=False)
    _, won_size, _, chosen_won, figures_from = deal_figures(f, quota_period, chosen, median=False)
    live, chosen_open = open_pipeline_at(f, at, chosen or chosen_won)
    chosen = chosen or chosen_won or chosen_open
    info = meta("coverage", f, figures_from, ("pipeline_coverage", "required_coverage", "open_pipeline"))
    if quota is None:
        cover = pipeline.pipeline_coverage(live.amount, ZERO, ZERO, rate.rate)  # no quota: only the required
        return Coverage(info, chosen, None, source, pipeline.money(won_size.total), None,
                        pipeline.money(live.amount), live.count, None, cover.required, None, rate.rate,
                        lookback.title, "No quota: agree a goal for this period (Goals) or pass quota=.")
    cover = pipeline.pipeline_coverage(live.amount, quota, won_size.total, rate.rate)
    return Coverage(info, chosen, pipeline.money(quota), source, pipeline.money(won_size.total), cover.remaining,
                    cover.open_pipeline, live.count, cover.coverage, cover.required, cover.sufficient, rate.rate,
                    lookback.title, "" if quota_period == f.period else f"Won counts over {quota_period.title}.")


def sourcing_report(f: ReportFilter, *, currency: str | None = None) -> Sourcing:
    """Pipeline created in the period and revenue won in it, and the parts Marketing sourced and influenced."""
    created = reads.filtered_opportunities(f, Q(created_at__gte=f.period.start, created_at__lt=f.period.end))
    won = reads.filtered_opportunities(f, Q(outcome="won", closed_at__gte=f.period.start,
                                            closed_at__lt=f.period.end))
    chosen = _one_currency({o.currency for o, _ in created + won}, currency)
    created = [o for o, _ in created if o.currency == chosen]
    won = [o for o, _ in won if o.currency == chosen]
    leads = {o.lead_id for o in created + won if o.lead_id}
    from tandem.leads.models import Lead

    origins = dict(Lead.objects.filter(pk__in=leads).values_list("id", "origin"))
    touches: dict[int, list] = {}
    for lead_id, at, channel in Touchpoint.objects.filter(lead_id__in=leads, channel__in=MARKETING_CHANNELS) \
            .values_list("lead_id", "occurred_at", "channel"):
        touches.setdefault(lead_id, []).append((at, channel))
    channels = frozenset(str(c) for c in MARKETING_CHANNELS)
    pipe = economics.sourced_and_influenced(created, origins, touches, channels)
    revenue = economics.sourced_and_influenced(won, origins, touches, channels)
    return Sourcing(meta("sourcing", f, "opportunities", ("marketing_sourced", "marketing_influenced")), chosen,
                    pipe.count, pipe.amount, pipe.sourced_count, pipe.sourced_amount, pipe.influenced_count,
                    pipe.influenced_amount, revenue.count, revenue.amount, revenue.sourced_amount,
                    revenue.influenced_amount)
