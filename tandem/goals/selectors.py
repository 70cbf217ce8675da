"""Reads of shared goals: the reverse-waterfall plan, live progress with the gap in words, and history.

The plan (tandem.core.waterfall) turns the whole target into the number of leads each stage needs in
the period, from the conversion rates and median cycle times measured over the goal's look-back
(the `lookback_days` UTC days up to the end of today); the required coverage is 1 ÷ the win rate of
the deals closed in that look-back, as in the coverage report. Progress compares each stage's need with what the period has
so far: distinct leads entering the stage (funnel entrants), and won deals for "won"; the pace is
what the last 30 days brought. Money is in the goal's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from tandem import clock
from tandem.core import waterfall
from tandem.core.flow import funnel
from tandem.core.periods import Period, parse_period
from tandem.goals.models import Goal, GoalSnapshot

RECENT_DAYS = 30
#: How the gap sentence names each stage: (one, many).
NOUNS = {"inquiry": ("inquiry", "inquiries"), "opportunity": ("opportunity", "opportunities"),
         "won": ("won deal", "won deals"), "lost": ("lost deal", "lost deals")}


def goal_list(*, period: Period | None = None, segment: str | None = None) -> QuerySet[Goal]:
    goals = Goal.objects.select_related("marketing_owner", "sales_owner")
    if period is not None:
        goals = goals.filter(period_start__lt=period.end, period_end__gt=period.start)
    if segment is not None:
        goals = goals.filter(segment=segment)
    return goals.order_by("-period_start", "segment", "id")


def goal_get(*, goal_id: int) -> Goal:
    return Goal.objects.select_related("marketing_owner", "sales_owner").get(pk=goal_id)


def goal_for_quota(*, period: Period, segment: str = "") -> Goal | None:
    """The goal whose target is the quota of a period: the goal for exactly it, else the shortest goal
    containing it (what was won then counts over the goal's own period)."""
    exact = Goal.objects.filter(period=period.label, segment=segment).first()
    return exact or min(Goal.objects.filter(segment=segment, period_start__lte=period.start,
                                            period_end__gte=period.end),
                        key=lambda g: g.period_end - g.period_start, default=None)


def goal_period(goal: Goal) -> Period:
    return parse_period(goal.period)


@dataclass(frozen=True)
class StepProgress:
    stage: str
    needed: int
    achieved: int
    recent: int
    deadline: datetime
    by_day: Any
    rate_to_next: float | None
    days_to_next: float | None
    remaining: int
    projected_share: float | None
    sentence: str


@dataclass(frozen=True)
class GoalPlan:
    goal: Goal
    as_of: datetime
    lookback: Period
    currency: str
    target: Decimal
    won_amount: Decimal
    won_deals: int
    average_deal: Decimal | None
    required_coverage: float | None
    pipeline_needed: Decimal | None
    measured: tuple[tuple[str, str, int, float, float], ...]
    steps: tuple[StepProgress, ...]
    problem: str = ""

    @property
    def progress_share(self) -> float | None:
        return float(self.won_amount / self.target) if self.target else None

    def step(self, stage: str) -> StepProgress:
        return next(s for s in self.steps if s.stage == stage)


def _filter(goal: Goal, period: Period):
    from tandem.reporting.filters import ReportFilter

    return ReportFilter.build(period=period, segment=goal.segment or None)


def _to_date(period: Period, as_of: datetime) -> Period:
    """The part of the period up to `as_of` (all of it once it is over): what had happened by then."""
    if as_of >= period.end:
        return period
    return Period.span(period.start, max(as_of, period.start + timedelta(seconds=1)))


def _achieved(goal: Goal, period: Period, stages: list[str], as_of: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Distinct entrants per stage in the period so far, and in the last RECENT_DAYS (won: won deals)."""
    from tandem.reporting import reads
    from tandem.reporting.funnel_reports import funnel_report
    from tandem.reporting.pipeline_reports import deal_figures

    to_date = _to_date(period, as_of)
    so_far = {r.stage: r.entrants for r in funnel_report(_filter(goal, to_date), tuple(stages)).rows}
    end = to_date.end
    recent_window = Period.span(end - timedelta(days=RECENT_DAYS), end)
    f = _filter(goal, recent_window)
    active = reads.filtered_ledger(f, entering=stages, start=recent_window.start, end=recent_window.end)
    recent = {s.stage: s.entered for s in funnel(active, recent_window, stages).steps}
    if "won" in stages:
        so_far["won"] = deal_figures(_filter(goal, to_date), to_date, goal.currency, median=False)[0].won
        recent["won"] = deal_figures(f, recent_window, goal.currency, median=False)[0].won
    return so_far, recent


def goal_plan(*, goal: Goal, as_of: datetime | None = None) -> GoalPlan:
    """The reverse waterfall for the goal with live progress; `problem` says why a plan cannot be made."""
    from tandem.reporting import reads
    from tandem.reporting.pipeline_reports import deal_figures, lookback_period

    at = as_of or clock.now()
    period = goal_period(goal)
    stages = goal.plan_stages
    lookback = lookback_period(at, goal.lookback_days)
    f_back = _filter(goal, lookback)
    ledger = reads.filtered_ledger(f_back, entering=stages[:-1], start=lookback.start, end=lookback.end)
    measured = waterfall.measure_rates(ledger, stages, lookback)
    won_back, size, _, _, _ = deal_figures(f_back, lookback, goal.currency, median=False)
    to_date = _to_date(period, at)
    rate, won_size, _, _, _ = deal_figures(_filter(goal, to_date), to_date, goal.currency, median=False)
    pairs = tuple((a, b, n, r, d) for a, b, n, r, d in zip(stages, stages[1:], measured.entered, measured.rates,
                                                           measured.cycle_days, strict=False))
    base = dict(goal=goal, as_of=at, lookback=lookback, currency=goal.currency, target=goal.target,
                won_amount=won_size.total, won_deals=rate.won, average_deal=size.average, measured=pairs)
    try:
        plan = waterfall.reverse_waterfall(goal.target, period.end, size.average or Decimal(0), stages,
                                           measured.rates, measured.cycle_days, win_rate=won_back.rate)
    except waterfall.PlanInfeasible as exc:
        return GoalPlan(**base, required_coverage=None, pipeline_needed=None, steps=(), problem=str(exc))
    so_far, recent = _achieved(goal, period, stages, at)
    steps = []
    for step in plan.steps:
        noun, plural = NOUNS.get(step.stage, (step.stage.upper(), f"{step.stage.upper()}s"))
        gap = waterfall.gap_statement(noun, step.needed, so_far.get(step.stage, 0), step.deadline, at,
                                      recent.get(step.stage, 0), recent_days=RECENT_DAYS, plural=plural)
        steps.append(StepProgress(step.stage, step.needed, so_far.get(step.stage, 0), recent.get(step.stage, 0),
                                  step.deadline, step.by_day, step.rate_to_next, step.days_to_next, gap.remaining,
                                  gap.projected_share, gap.text))
    remaining_plan = waterfall.reverse_waterfall(goal.target, period.end, size.average, stages, measured.rates,
                                                 measured.cycle_days, already_won=won_size.total,
                                                 win_rate=won_back.rate)
    return GoalPlan(**base, required_coverage=plan.required_coverage, pipeline_needed=remaining_plan.pipeline_needed,
                    steps=tuple(steps))


def goal_history(*, goal: Goal) -> QuerySet[GoalSnapshot]:
    return goal.snapshots.order_by("taken_on")
