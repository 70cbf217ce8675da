"""What each report returns: frozen dataclasses, the one shape that the API, the CLI, the pages and the packs read.

Units: counts are ints; shares and rates are fractions (0.25 is 25%); days and hours are floats;
money is Decimal in `currency`; instants are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Meta:
    report: str
    period: str
    start: datetime
    end: datetime
    title: str
    filters: dict[str, str]
    source: str
    as_of: datetime
    taxonomy_version: int
    definitions: tuple[str, ...] = ()


@dataclass(frozen=True)
class FunnelRow:
    stage: str
    name: str
    entrants: int
    passed_on: float | None
    drop_off: int | None
    entries: int
    exits: int
    opening: int
    closing: int
    mean_days_in_stage: float | None


@dataclass(frozen=True)
class Funnel:
    meta: Meta
    rows: tuple[FunnelRow, ...]

    def row(self, stage: str) -> FunnelRow:
        return next(r for r in self.rows if r.stage == stage)


@dataclass(frozen=True)
class CohortRow:
    cohort: str
    from_stage: str
    to_stage: str
    entered: int
    reached: int
    share: float | None
    median_days: float | None
    p90_days: float | None
    within_7_days: float | None
    within_30_days: float | None
    within_90_days: float | None


@dataclass(frozen=True)
class FlowRatio:
    period: str
    from_stage: str
    to_stage: str
    from_entrants: int
    to_entrants: int
    passed_on: float | None


@dataclass(frozen=True)
class Conversion:
    meta: Meta
    cohorts: tuple[CohortRow, ...]
    flow: tuple[FlowRatio, ...]


@dataclass(frozen=True)
class StageTimeRow:
    stage: str
    closed: int
    median_days: float | None
    p90_days: float | None
    mean_days: float | None
    open: int
    oldest_open_days: float | None


@dataclass(frozen=True)
class TimeInStage:
    meta: Meta
    rows: tuple[StageTimeRow, ...]


@dataclass(frozen=True)
class Velocity:
    meta: Meta
    currency: str | None
    open_count: int
    open_amount: Decimal
    won: int
    lost: int
    won_amount: Decimal
    win_rate: float | None
    average_deal: Decimal | None
    cycle_mean_days: float | None
    cycle_median_days: float | None
    velocity_per_day: Decimal | None


@dataclass(frozen=True)
class Coverage:
    meta: Meta
    currency: str | None
    quota: Decimal | None
    quota_source: str
    closed_won: Decimal
    remaining: Decimal | None
    open_pipeline: Decimal
    open_count: int
    coverage: float | None
    required: float | None
    sufficient: bool | None
    win_rate: float | None
    lookback: str
    note: str = ""


@dataclass(frozen=True)
class ReasonRow:
    kind: str
    group: str
    reason: str
    count: int
    share: float


@dataclass(frozen=True)
class Reasons:
    meta: Meta
    rows: tuple[ReasonRow, ...]


@dataclass(frozen=True)
class TeamSla:
    team: str
    label: str
    timers: int
    met: int
    breached: int
    pending: int
    share_met: float | None
    median_response_hours: float | None
    p90_response_hours: float | None


@dataclass(frozen=True)
class SpeedToLeadOut:
    stage: str
    leads: int
    touched: int
    untouched: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class CommitmentRow:
    name: str
    segment: str
    start: datetime
    end: datetime
    target_mqls: int
    delivered: int
    accepted: int
    rejected: int
    status: str


@dataclass(frozen=True)
class Sla:
    meta: Meta
    available: bool
    teams: tuple[TeamSla, ...]
    commitments: tuple[CommitmentRow, ...]
    speed_to_lead: SpeedToLeadOut
    note: str = ""


@dataclass(frozen=True)
class Sourcing:
    meta: Meta
    currency: str | None
    opportunities: int
    amount: Decimal
    sourced_count: int
    sourced_amount: Decimal
    influenced_count: int
    influenced_amount: Decimal
    won_count: int
    won_amount: Decimal
    won_sourced_amount: Decimal
    won_influenced_amount: Decimal


@dataclass(frozen=True)
class CampaignRoi:
    campaign_id: int
    campaign: str
    cost: Decimal
    revenue: Decimal
    roi: float | None


@dataclass(frozen=True)
class SegmentClv:
    segment: str
    won_deals: int
    acv: Decimal | None
    gross_margin: float | None
    annual_churn: float | None
    clv: Decimal | None


@dataclass(frozen=True)
class Economics:
    meta: Meta
    currency: str | None
    campaign_cost: Decimal
    overhead: Decimal
    new_customers: int
    cac: Decimal | None
    clv: tuple[SegmentClv, ...]
    campaigns: tuple[CampaignRoi, ...]
    roi_model: str
    note: str = ""


@dataclass(frozen=True)
class ChannelCredit:
    channel: str
    conversions: float
    value: float


@dataclass(frozen=True)
class Attribution:
    meta: Meta
    available: bool
    model: str
    channels: tuple[ChannelCredit, ...] = field(default_factory=tuple)
    note: str = ""


@dataclass(frozen=True)
class GoalStepOut:
    stage: str
    needed: int
    achieved: int
    recent_30_days: int
    by_day: str
    rate_to_next: float | None
    days_to_next: float | None
    remaining: int
    projected_share: float | None
    sentence: str


@dataclass(frozen=True)
class GoalOut:
    id: int
    name: str
    period: str
    segment: str
    currency: str
    target: Decimal
    won_amount: Decimal
    won_deals: int
    progress_share: float | None
    agreed: bool
    marketing_owner: str
    sales_owner: str
    average_deal: Decimal | None
    required_coverage: float | None
    pipeline_needed: Decimal | None
    lookback: str
    problem: str
    steps: tuple[GoalStepOut, ...]


@dataclass(frozen=True)
class Goals:
    meta: Meta
    goals: tuple[GoalOut, ...]
