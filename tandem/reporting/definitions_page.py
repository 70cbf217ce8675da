"""What the Definitions page shows about the metrics: tandem.core.definitions.METRICS in sections, and the
rules that depend on time, each placed next to the metrics it affects (docs/metrics.md says the same)."""

from __future__ import annotations

from dataclasses import dataclass

from tandem.core.definitions import METRICS, MetricDefinition

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Stages and flow", ("stay", "stage_entries", "stage_exits", "stage_stock")),
    ("Funnel", ("funnel_entrants", "funnel_drop_off")),
    ("Conversion and speed", ("cohort_conversion", "days_to_convert", "time_in_stage", "mean_time_in_stage",
                              "speed_to_lead")),
    ("Opportunities and pipeline", ("win_rate", "average_deal_size", "sales_cycle", "open_pipeline",
                                    "pipeline_velocity", "pipeline_coverage", "required_coverage")),
    ("Marketing economics", ("marketing_sourced", "marketing_influenced", "new_customers", "cac", "clv",
                             "campaign_roi")),
    ("Reasons", ("rejection_reasons", "recycle_reasons", "win_loss_reasons")),
    ("Planning: the reverse waterfall", ("reverse_waterfall", "waterfall_deadline", "gap_projection")),
)

_PERIOD_METRICS = ("stage_entries", "stage_exits", "stage_stock", "funnel_entrants", "funnel_drop_off",
                   "cohort_conversion", "time_in_stage", "mean_time_in_stage", "speed_to_lead", "win_rate",
                   "average_deal_size", "sales_cycle", "new_customers", "cac", "rejection_reasons",
                   "recycle_reasons", "win_loss_reasons", "waterfall_deadline", "gap_projection")
_LEDGER_METRICS = ("stay", "stage_entries", "stage_exits", "stage_stock", "funnel_entrants", "funnel_drop_off",
                   "cohort_conversion", "days_to_convert", "time_in_stage", "mean_time_in_stage", "speed_to_lead",
                   "reverse_waterfall", "gap_projection")


@dataclass(frozen=True)
class TimeRule:
    key: str
    title: str
    text: str
    affects: tuple[str, ...]


TIME_RULES: tuple[TimeRule, ...] = (
    TimeRule("utc", "Periods are UTC",
             "Every day, ISO week, month, quarter and year is bounded in UTC, whatever your time zone or the "
             "instance's. \u201cMarch 2026\u201d runs from 1 March 00:00:00 UTC up to, not including, 1 April "
             "00:00:00 UTC: an event at exactly midnight UTC on 1 April counts in April. An event late in the "
             "evening in a zone east of UTC can therefore fall in the next UTC day, month or quarter.",
             _PERIOD_METRICS),
    TimeRule("occurred", "When it happened, not when it was recorded",
             "Every event keeps when it happened (occurred_at) and when Tandem learned of it (recorded_at). "
             "Metrics always use when it happened, so imported history lands in its own days; the rollups "
             "re-aggregate the days a back-dated import or a merge touches.",
             _LEDGER_METRICS + ("win_rate", "average_deal_size", "sales_cycle", "open_pipeline")),
    TimeRule("stay", "When a stay starts and ends",
             "A stay in a stage starts at the event that enters the stage and ends at the lead's next stage "
             "event, whatever its target (forward, back, recycled or disqualified). The last stay is open. "
             "The stage left is the lead's previous event in time order, not the event's recorded from-stage; "
             "events of one lead at the same second keep the order they were recorded in.",
             ("stay", "stage_exits", "stage_stock", "time_in_stage", "mean_time_in_stage")),
    TimeRule("recycled", "Recycled re-entries",
             "A lead returning to a stage after being recycled makes a new entry and a new stay, so entries and "
             "exits count it again. Distinct-lead figures (funnel entrants, cohorts) count it at most once per "
             "stage and period. In cohorts, a lead re-entering A in a later month is in that month's cohort "
             "too, and the search for B stops at its next cohort entry: a conversion is credited to the most "
             "recent cohort only.",
             ("stage_entries", "funnel_entrants", "cohort_conversion", "days_to_convert", "reverse_waterfall")),
    TimeRule("merged", "Merged leads' events",
             "A merge moves the losing lead's events to the survivor with their original instants; they count "
             "once, for the survivor, in time order with its own events. An event into the stage the lead is "
             "already in (both records had an inquiry entry) is a duplicate: not an entry, and it does not end "
             "the stay. Interleaved histories give a real move back; distinct-lead figures count the person "
             "once.",
             ("stay", "stage_entries", "stage_exits", "funnel_entrants", "cohort_conversion")),
    TimeRule("dimensions", "Filters read the lead as it is now",
             "Segment, source, origin, country, owner and team are the lead's current values; channel and "
             "campaign those of its first touch. Reassigning a lead moves its whole history to the new owner's "
             "figures. Opportunities take owner from the opportunity and segment from its account.",
             ("funnel_entrants", "stage_entries", "win_rate", "open_pipeline")),
)


@dataclass(frozen=True)
class MetricEntry:
    definition: MetricDefinition
    rules: tuple[TimeRule, ...]


def metric_sections() -> list[tuple[str, list[MetricEntry]]]:
    by_key = {m.key: m for m in METRICS}
    sections = []
    for title, keys in SECTIONS:
        entries = [MetricEntry(by_key[k], tuple(r for r in TIME_RULES if k in r.affects)) for k in keys
                   if k in by_key]
        sections.append((title, entries))
    placed = {k for _, keys in SECTIONS for k in keys}
    rest = [MetricEntry(m, ()) for m in METRICS if m.key not in placed]
    if rest:
        sections.append(("Other metrics", rest))
    return sections
