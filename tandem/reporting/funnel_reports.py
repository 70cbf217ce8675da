"""Funnel, conversion and time-in-stage reports: each figure computed one way, by tandem.core.

* Funnel: distinct entrants per stage and the drop-off (core funnel / funnel_from_rollup), entries,
  exits and stock (period_flow / flow_from_rollup), mean time in stage (rollup or ledger).
* Conversion: cohort conversion by month for consecutive stage pairs (core cohort_conversion, raw
  ledger), beside the period "passed on" ratio per month (from the funnel).
* Time in stage: median, p90 and mean of the stays that ended in the period (core time_in_stage).
"""

from __future__ import annotations

from datetime import timedelta

from tandem import clock
from tandem.core import rollup as core_rollup
from tandem.core.conversion import cohort_conversion
from tandem.core.flow import funnel, period_flow, time_in_stage
from tandem.core.funnel import ACTIVE_STAGES, FUNNEL_STAGES, Ledger
from tandem.core.periods import KINDS, Period, iter_periods
from tandem.reporting import reads
from tandem.reporting.filters import ReportFilter
from tandem.reporting.outputs import (
    CohortRow,
    Conversion,
    FlowRatio,
    Funnel,
    FunnelRow,
    Meta,
    StageTimeRow,
    TimeInStage,
)
from tandem.taxonomy.selectors import taxonomy_current

#: The pairs the conversion report shows by default: each waterfall stage to the next one in FUNNEL_STAGES.
DEFAULT_PAIRS: tuple[tuple[str, str], ...] = tuple(zip(FUNNEL_STAGES, FUNNEL_STAGES[1:], strict=False))


def stage_names() -> dict[str, str]:
    _, taxonomy = taxonomy_current()
    return {s.key: s.name for s in taxonomy.stages}


def meta(report: str, f: ReportFilter, source: str, definitions: tuple[str, ...]) -> Meta:
    number, _ = taxonomy_current()
    return Meta(report, f.period.label, f.period.start, f.period.end, f.period.title, dict(f.values), source,
                clock.now(), number, definitions)


def _ledger_for(f: ReportFilter) -> Ledger:
    return reads.filtered_ledger(f)


def funnel_report(f: ReportFilter, stages: tuple[str, ...] = FUNNEL_STAGES) -> Funnel:
    """Distinct entrants and drop-off per stage, with entries, exits, stock and mean time in stage."""
    key = f.rollup_key()
    day_aligned = f.period.start_epoch % 86_400 == 0 and f.period.end_epoch % 86_400 == 0
    if key is not None and day_aligned and reads.rollups_built():
        rollup = reads.stage_rollup(key, f.period)
        flow = core_rollup.flow_from_rollup(rollup, [f.period])
        mean = core_rollup.mean_time_in_stage_from_rollup(rollup, f.period, stages)
        if f.period.kind in KINDS:
            steps = core_rollup.funnel_from_rollup(rollup, f.period, stages).steps
            source = "rollups"
        else:  # distinct leads over a span cannot be summed from days: the ledger of the leads active in it
            active = reads.filtered_ledger(f, active=True, start=f.period.start, end=f.period.end)
            steps = funnel(active, f.period, stages).steps
            source = "rollups+ledger"
    else:
        ledger = _ledger_for(f)
        flow = period_flow(ledger, [f.period])
        steps = funnel(ledger, f.period, stages).steps
        mean = {s: t.mean for s, t in time_in_stage(ledger, f.period, stages).items()}
        source = "ledger"
    names = stage_names()
    rows = []
    for step in steps:
        code = flow.stages.index(step.stage)
        rows.append(FunnelRow(step.stage, names.get(step.stage, step.stage), step.entered, step.passed_on,
                              step.drop_off, int(flow.entries[0, code]), int(flow.exits[0, code]),
                              int(flow.opening[0, code]), int(flow.closing[0, code]), mean.get(step.stage)))
    return Funnel(meta("funnel", f, source, ("funnel_entrants", "funnel_drop_off", "stage_entries", "stage_exits",
                                             "stage_stock", "mean_time_in_stage")), tuple(rows))


def _months(period: Period) -> list[Period]:
    return list(iter_periods("month", period.start, period.end - timedelta(seconds=1)))


def conversion_report(f: ReportFilter, pairs: tuple[tuple[str, str], ...] = DEFAULT_PAIRS) -> Conversion:
    """Monthly cohorts of each pair (raw ledger), and the monthly passed-on ratio from the funnel."""
    months = _months(f.period)
    from_stages = sorted({a for a, _ in pairs})
    ledger = reads.filtered_ledger(f, entering=from_stages, start=months[0].start, end=months[-1].end)
    cohorts = []
    for a, b in pairs:
        for c in cohort_conversion(ledger, a, b, months):
            within = dict(c.within)
            cohorts.append(CohortRow(c.period.label, a, b, c.entered, c.reached, c.share, c.median_days,
                                     c.p90_days, within.get(7), within.get(30), within.get(90)))
    flow = []
    for month in months:
        rows = {r.stage: r for r in funnel_report(f.with_period(month)).rows}
        for a, b in pairs:
            entered, reached = rows[a].entrants, rows[b].entrants
            flow.append(FlowRatio(month.label, a, b, entered, reached, reached / entered if entered else None))
    return Conversion(meta("conversion", f, "ledger", ("cohort_conversion", "days_to_convert", "funnel_drop_off")),
                      tuple(cohorts), tuple(flow))


def time_in_stage_report(f: ReportFilter, stages: tuple[str, ...] = ACTIVE_STAGES) -> TimeInStage:
    """Median, p90 and mean days of the stays that ended in the period; open stays beside."""
    ledger = _ledger_for(f)
    times = time_in_stage(ledger, f.period, stages)
    rows = tuple(StageTimeRow(s, t.closed, t.median, t.p90, t.mean, t.open, t.oldest_open) for s, t in times.items())
    return TimeInStage(meta("time-in-stage", f, "ledger", ("time_in_stage", "mean_time_in_stage", "stay")), rows)
