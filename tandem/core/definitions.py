"""Machine-readable definitions of every funnel and revenue metric, for the Definitions page.

docs/metrics.md describes the same metrics for people; a test checks that every key below has
a section there that quotes its formula word for word. `rollup_exact` says whether figures
computed from the daily rollups equal those computed from the raw ledger (True), or whether
the metric needs the raw ledger or opportunity rows (False).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricDefinition:
    key: str
    name: str
    formula: str
    counted: str
    notes: str
    unit: str
    rollup_exact: bool


def _m(key: str, name: str, formula: str, counted: str, notes: str, unit: str,
       rollup_exact: bool) -> MetricDefinition:
    return MetricDefinition(key, name, formula, counted, notes, unit, rollup_exact)


METRICS: tuple[MetricDefinition, ...] = (
    _m("stay", "Stay in a stage",
       "stay = [event entering the stage, the lead's next stage event)",
       "Each entry into a stage starts a stay; the lead's next stage event, whatever its target, ends it.",
       "The last stay of a lead is open. An event into the stage the lead is already in is not an entry "
       "and does not end the stay.", "instants (UTC)", False),
    _m("stage_entries", "Stage entries",
       "entries(S, P) = number of events into S with occurred_at in P",
       "Every entry, including re-entries after recycling: a lead entering MQL twice in March counts twice.",
       "Periods are UTC and half-open: an event at 00:00 UTC on 1 April counts in April.", "events", True),
    _m("stage_exits", "Stage exits",
       "exits(S, P) = number of stays in S that ended in P",
       "A stay ends at the lead's next stage event, whatever its target (forward, back or to a detour).",
       "The stage left is the lead's previous stage in time order, not the recorded from_stage.", "events",
       True),
    _m("stage_stock", "Leads in stage (opening and closing)",
       "closing(S, P) = opening(S, P) + entries(S, P) − exits(S, P)",
       "Leads whose stay in S started before the edge and had not ended before it.",
       "Opening is the stock just before the period starts; closing just before it ends.", "leads", True),
    _m("funnel_entrants", "Funnel entrants",
       "entrants(S, P) = distinct leads with at least one entry into S in P",
       "Each lead once per stage and period, however often it entered.",
       "From daily rollups only for whole UTC days, weeks, months, quarters or years (first-entry flags); "
       "an arbitrary span such as the last 30 days needs the ledger.", "leads", True),
    _m("funnel_drop_off", "Drop-off between stages",
       "passed on = entrants(next stage, P) ÷ entrants(S, P); "
       "drop-off = entrants(S, P) − entrants(next stage, P)",
       "Distinct entrants of consecutive stages in the same period.",
       "A period ratio, not a cohort rate: leads entering the next stage may have entered S earlier, so it "
       "can exceed 100%. An optional stage (AQL) shows fewer leads than the one after it.", "ratio", True),
    _m("cohort_conversion", "Cohort conversion",
       "conversion(A → B, cohort) = cohort leads that reached B ÷ leads that entered A in the cohort period",
       "Leads entering A in the cohort period (a UTC month by default), once each, from their first entry "
       "into A in it. Reached B means a later entry into B or any stage after B (lost ranks with "
       "opportunity); detours never count.",
       "A lead re-entering A in a later month is in that cohort too; the search for B stops at the lead's "
       "next cohort entry into A, so a conversion is credited to the most recent cohort only.", "share",
       False),
    _m("days_to_convert", "Days to convert",
       "days = (first qualifying event − cohort entry) ÷ 86 400 s; median and p90 over converted leads",
       "Converted cohort leads only; shares within 7, 30 and 90 days are of the whole cohort.",
       "Young cohorts are still maturing: compare them at equal ages.", "days", False),
    _m("time_in_stage", "Time in stage (median, p90)",
       "time in stage = exited_at − entered_at for stays in S that ended in P; median and 90th percentile",
       "Closed stays that ended in the period.",
       "Open stays are excluded because their length is not known yet; their count and the age of the "
       "oldest at the period end are shown beside. Percentiles interpolate linearly.", "days", False),
    _m("mean_time_in_stage", "Mean time in stage",
       "mean time in stage = sum of lengths of stays in S that ended in P ÷ their number",
       "Closed stays that ended in the period.", "Open stays are excluded, as for the median.", "days", True),
    _m("speed_to_lead", "Speed to lead",
       "speed to lead = first qualifying touch by a rep at or after entry − stage entry, in clock hours; median and p90",
       "Leads entering the chosen stage (MQL by default, or inquiry); touches on the real-touch channels "
       "(call, email sent, meeting) logged by a person, not the system. Clock hours, nights and weekends included: "
       "what the buyer waited. The SLA page gives the same wait in business hours, as the SLA judges it.",
       "Untouched leads are excluded from median and p90 and counted separately; with an SLA they count "
       "as breached once the SLA has run out.", "hours", False),
    _m("win_rate", "Win rate",
       "win rate = won ÷ (won + lost)",
       "Opportunities closed (won or lost) in the period, by closed_at.",
       "Open opportunities do not count. Undefined when nothing closed.", "share", True),
    _m("average_deal_size", "Average deal size",
       "average deal size = sum of amounts of won opportunities ÷ their number",
       "Opportunities won in the period, one currency at a time.",
       "Money is exact (Decimal) and shown rounded to cents.", "money", True),
    _m("sales_cycle", "Sales cycle length",
       "sales cycle = closed_at − created_at of won opportunities; mean and median",
       "Opportunities won in the period.", "The mean comes from rollups too; the median needs the "
       "opportunities.", "days", True),
    _m("open_pipeline", "Open pipeline",
       "open pipeline(T) = sum of amounts of opportunities created by T and not closed by T",
       "Opportunities open at the instant.", "One currency at a time.", "money", False),
    _m("pipeline_velocity", "Pipeline velocity",
       "velocity = open opportunities × average deal size × win rate ÷ sales cycle (days)",
       "Open opportunities now; deal size, win rate and mean cycle over the chosen look-back.",
       "Revenue the current pipeline is expected to produce per day.", "money per day", False),
    _m("pipeline_coverage", "Pipeline coverage",
       "coverage = open pipeline ÷ (quota − closed won)",
       "Open pipeline now against the part of the quota not yet won.",
       "Compare it with the required coverage; undefined once the quota is met.", "ratio (x)", False),
    _m("required_coverage", "Required coverage",
       "required coverage = 1 ÷ win rate",
       "The win rate over the chosen look-back.",
       "The common 3x and 4x rules of thumb only hold at win rates of 33% and 25%.", "ratio (x)", True),
    _m("marketing_sourced", "Marketing-sourced pipeline",
       "sourced = opportunities whose lead's origin is marketing-generated (MGL)",
       "Opportunities (count and amount) whose lead was created as an MGL.",
       "The origin is recorded at creation and never re-derived from touches.", "count and money", False),
    _m("marketing_influenced", "Marketing-influenced pipeline",
       "influenced = opportunities with a marketing-channel touch before the opportunity was created",
       "Opportunities whose lead had at least one touch on a marketing channel strictly before creation.",
       "Sourced and influenced overlap and must not be added.", "count and money", False),
    _m("new_customers", "New customers",
       "new customers(P) = accounts whose first won opportunity closed in P",
       "Accounts with a won opportunity closed in the period, each once.",
       "A second won deal of an existing customer does not make a new customer.", "accounts", False),
    _m("cac", "Customer acquisition cost (CAC)",
       "CAC = (campaign cost + entered overhead) ÷ new customers",
       "Campaign costs and overhead entered for the period; new customers of the period.",
       "Undefined when there were no new customers.", "money per customer", False),
    _m("clv", "Customer lifetime value (CLV)",
       "CLV = average contract value per year × gross margin ÷ annual churn rate",
       "Per segment: won contracts' yearly value, and the entered margin and churn.",
       "Undefined when churn is 0.", "money", False),
    _m("campaign_roi", "Campaign ROI",
       "ROI = (won revenue attributed to the campaign − campaign cost) ÷ campaign cost",
       "Won revenue credited to the campaign by the chosen attribution model, and its cost.",
       "1.5 means a 150% return; undefined when the campaign cost nothing.", "ratio", False),
    _m("rejection_reasons", "Rejection reasons",
       "share = rejections with the reason ÷ all rejections in the group",
       "Reject events in the period, by lead source or campaign.",
       "A missing reason is shown as (none).", "share", False),
    _m("recycle_reasons", "Recycle reasons",
       "share = recycles with the reason ÷ all recycles in the group",
       "Recycle events in the period, by lead source or campaign.", "A missing reason is shown as (none).",
       "share", False),
    _m("win_loss_reasons", "Win and loss reasons",
       "share = deals with the reason ÷ all deals with the same outcome",
       "Opportunities won or lost in the period.", "A missing reason is shown as (none).", "share", False),
    _m("reverse_waterfall", "Reverse waterfall (leads needed)",
       "won needed = ceil((target − closed won) ÷ average deal size); "
       "needed(S) = ceil(needed(next) ÷ rate(S → next))",
       "Stage conversion rates and average deal size measured over the look-back.",
       "Rounded up to whole leads at every step, so the numbers never fall going up the funnel.", "leads",
       False),
    _m("waterfall_deadline", "Stage deadline",
       "deadline(S) = period end − sum of median cycle days from S down to won, at 00:00 UTC",
       "Median days between consecutive stages over the look-back.",
       "\"By 31 March\" means before 1 April 00:00 UTC.", "date", False),
    _m("gap_projection", "Gap and projection",
       "projected = achieved + (entrants in the last 30 days ÷ 30) × days left; reach = projected ÷ needed",
       "Distinct entrants so far in the period and over the recent pace window.",
       "The percentage is rounded down so that it never over-promises.", "share", False),
)


def metric(key: str) -> MetricDefinition:
    for definition in METRICS:
        if definition.key == key:
            return definition
    raise KeyError(f"unknown metric {key!r}")
