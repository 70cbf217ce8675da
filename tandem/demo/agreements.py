"""The demo company's agreements between the teams: shared revenue goals, Marketing's monthly MQL
commitments, and the SLA history that holds both sides to them.

Everything is written through the goals and SLA apps' own services, at the instant it would
have happened (tandem.clock.at_instant), after the ledger is in place:

* a revenue goal for the quarter of the history's end and one for the quarter before, set by
  the manager (david) and agreed by both owners (maria for Marketing, julia for Sales) about
  two weeks before each quarter began. Targets are sized from the revenue the demo actually
  won: the previous quarter narrowly missed, the current one set a little above where its
  pace so far leads, so its gap reads as work still to do. The previous goal keeps its final
  weekly snapshots of plan against actual, the current one up to today's (the worker adds one a day);
* Marketing's MQL commitment (at least half of the decisions on them accepts) for each of the
  last six months and the current one, sized near the MQLs each month really delivered: two of
  the past months were stretch targets and were missed, the others met;
* the SLA history of the last weeks (tandem.demo.sla_history), whose ticks also judge each
  commitment as its month ends, so a missed one is a breach exactly as the engine records it.

Sizes come from the generated company (`Figures`), so the same seed gives the same agreements.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from tandem import clock
from tandem.core.periods import Period
from tandem.demo.generator import GenLead
from tandem.demo.sla_history import ReplaySummary, SlaHistory
from tandem.goals.models import Goal
from tandem.goals.services import goal_agree, goal_create, goal_snapshot_take
from tandem.people.models import User
from tandem.sla.models import MarketingCommitment
from tandem.sla.services import commitment_create

COMMITMENT_MONTHS = 6
SNAPSHOT_EVERY = timedelta(days=7)
MIN_ACCEPTANCE_RATE = Decimal("0.5")
#: the previous quarter's target over what it won (above 1: narrowly missed)
PREVIOUS_STRETCH = Decimal("1.06")
#: the current quarter's target over the revenue its pace so far projects to the quarter's end
CURRENT_STRETCH = Decimal("1.08")
GOAL_ROUNDING = Decimal(10_000)
#: the goals' plans measure conversion rates over a year (a half year holds too many unfinished journeys)
GOAL_LOOKBACK_DAYS = 365
#: when judged: the first replayed tick after a commitment's month ends
JUDGED_AFTER = timedelta(minutes=5)


def _month(ts: int) -> str:
    at = datetime.fromtimestamp(ts, UTC)
    return f"{at.year}-{at.month:02d}"


def _quarter(ts: int) -> str:
    at = datetime.fromtimestamp(ts, UTC)
    return f"{at.year}-Q{(at.month - 1) // 3 + 1}"


@dataclass
class Figures:
    """What the agreements are sized from, gathered from the generated leads as they are written."""

    won: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))  # quarter label → won
    mqls: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # month label → lead keys

    def add(self, gen: GenLead) -> None:
        deal = gen.opportunity
        if deal is not None and deal.outcome == "won" and deal.closed_at is not None:
            self.won[_quarter(deal.closed_at)] += deal.amount
        for event in gen.events:
            if event.to_stage == "mql":
                self.mqls[_month(event.at)].add(gen.key)


@dataclass(frozen=True)
class AgreementsSummary:
    goals: int
    commitments: int
    sla: ReplaySummary


def _elapsed(period: Period, at: datetime) -> float:
    return min(max((at - period.start) / (period.end - period.start), 0.0), 1.0)


def _round_up(amount: Decimal, step: Decimal) -> Decimal:
    return max(step, (amount / step).to_integral_value(rounding=ROUND_CEILING) * step)


def goals_create(*, figures: Figures, users: dict[str, User], until: datetime) -> list[Goal]:
    """The current and the previous quarter's revenue goals, agreed by both sides before each began."""
    current = Period.of("quarter", until)
    previous = current.previous()
    won_before, won_now = figures.won.get(previous.label, Decimal(0)), figures.won.get(current.label, Decimal(0))
    share = _elapsed(current, until)
    fallback = won_before or Decimal(100_000)
    targets = {
        previous: _round_up(fallback * PREVIOUS_STRETCH, GOAL_ROUNDING),
        current: _round_up((won_now / Decimal(str(share)) if share >= 0.15 and won_now else fallback)
                           * CURRENT_STRETCH, GOAL_ROUNDING),
    }
    goals = []
    for period in (previous, current):
        set_at = period.start - timedelta(days=14) + timedelta(hours=10)
        with clock.at_instant(set_at):
            goal = goal_create(by=users["david"], name=f"New business {period.title}", period=period.label,
                               target=targets[period], marketing_owner_id=users["maria"].pk,
                               sales_owner_id=users["julia"].pk, lookback_days=GOAL_LOOKBACK_DAYS,
                               note="Agreed at the quarterly planning meeting of Marketing and Sales.")
        with clock.at_instant(set_at + timedelta(days=2, hours=1)):
            goal = goal_agree(goal=goal, by=users["maria"], side="marketing")
        with clock.at_instant(set_at + timedelta(days=3, hours=5)):
            goal = goal_agree(goal=goal, by=users["julia"], side="sales")
        goals.append(goal)
    return goals


def goal_snapshots_take(*, goals: list[Goal], until: datetime) -> None:
    """Each goal's history as the worker would have left it: a snapshot at the end of every week of the period
    so far, and the final one of an ended period (or today's of a running one). A plan as of an earlier instant
    counts only what had happened by then."""
    for goal in goals:
        last = min(goal.period_end, until)
        instants = []
        at = goal.period_start + SNAPSHOT_EVERY
        while at < last:
            instants.append(at)
            at += SNAPSHOT_EVERY
        for at in [*instants, last]:
            with clock.at_instant(at):
                goal_snapshot_take(goal=goal, as_of=at)


def _mql_target(delivered: float, factor: float, *, up: bool) -> int:
    step = 10 if delivered >= 200 else 5 if delivered >= 40 else 1
    scaled = delivered * factor / step
    target = (math.ceil(scaled) if up else math.floor(scaled)) * step
    return max(target, int(delivered) + 1) if up else max(1, min(target, int(delivered)))


def commitments_create(*, figures: Figures, users: dict[str, User], until: datetime,
                       seed: int) -> list[MarketingCommitment]:
    """Marketing's MQL commitment for each of the last months and the current one, set before each began."""
    rng = random.Random(seed * 7_919 + 13)
    current = Period.of("month", until)
    months = [current.shift(-n) for n in range(COMMITMENT_MONTHS, 0, -1)]
    stretch = set(rng.sample(range(len(months)), 2))
    targets = {}
    for i, month in enumerate(months):
        delivered = len(figures.mqls.get(month.label, ()))
        factor = rng.uniform(1.04, 1.12) if i in stretch else rng.uniform(0.86, 0.97)
        targets[month] = _mql_target(delivered, factor, up=i in stretch)
    share = _elapsed(current, until)
    so_far = len(figures.mqls.get(current.label, ()))
    projected = so_far / share if share >= 0.1 else len(figures.mqls.get(months[-1].label, ()))
    targets[current] = _mql_target(projected, rng.uniform(0.94, 0.99), up=False) if projected else 1
    commitments = []
    for month, target in targets.items():
        with clock.at_instant(month.start - timedelta(days=3) + timedelta(hours=9)):
            commitments.append(commitment_create(
                name=f"{target} MQLs {month.label}", period_start=month.start, period_end=month.end,
                target_mqls=target, min_acceptance_rate=MIN_ACCEPTANCE_RATE, owner=users["maria"],
                by=users["maria"]))
    return commitments


def agreements_load(*, figures: Figures, history: SlaHistory, users: dict[str, User], until: datetime,
                    seed: int) -> AgreementsSummary:
    """Goals, commitments and the SLA history, in that order (the replay's ticks judge the commitments)."""
    goals = goals_create(figures=figures, users=users, until=until)
    commitments = commitments_create(figures=figures, users=users, until=until, seed=seed)
    sla = history.replay(readers=users.values(), ticks=[c.period_end + JUDGED_AFTER for c in commitments])
    goal_snapshots_take(goals=goals, until=until)
    return AgreementsSummary(len(goals), len(commitments), sla)
