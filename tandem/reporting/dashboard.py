"""The shared dashboard: every widget's figures for one filter, each with the link to the records behind it.

Every figure comes from `report_data`, the same call the API and the CLI make, so a number on the
dashboard is the number `tandem report` prints. The conversion trend is the monthly "passed on"
ratio from the daily rollups (the cohort view is the conversion report); everything else is a
report as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tandem.core.periods import Period, iter_periods, parse_period
from tandem.leads.errors import LeadInvalid
from tandem.reporting.filters import ReportFilter
from tandem.reporting.selectors import ledger_head, report_data, rollups_fresh
from tandem.taxonomy.selectors import taxonomy_current

TREND_PAIRS = (("inquiry", "mql"), ("mql", "sal"), ("sal", "won"))
TREND_MONTHS = 6
PAIR_LABELS = {"inquiry": "Inquiry", "mql": "MQL", "sal": "SAL", "won": "Won"}


@dataclass
class Widget:
    """A widget's report data, or the reason it has none (`problem`)."""

    data: dict[str, Any] = field(default_factory=dict)
    problem: str = ""


def _safe(name: str, f: ReportFilter, head: dict[str, Any]) -> Widget:
    try:
        return Widget(report_data(name, f, fresh=False, head=head))
    except LeadInvalid as exc:
        return Widget(problem=str(exc))


def trend_months(period: Period) -> list[Period]:
    last = Period.of("month", period.end - timedelta(seconds=1))
    return list(iter_periods("month", last.shift(-(TREND_MONTHS - 1)).start, last.end))


def conversion_trend(f: ReportFilter) -> dict[str, Any]:
    """Per month: entrants(B) ÷ entrants(A) for the trend pairs, from the monthly funnels (rollups)."""
    months = trend_months(f.period)
    series: dict[str, list[float | None]] = {f"{a}-{b}": [] for a, b in TREND_PAIRS}
    links: dict[str, list[str]] = {key: [] for key in series}
    for month in months:
        rows = {r["stage"]: r for r in report_data("funnel", f.with_period(month), fresh=False)["rows"]}
        for a, b in TREND_PAIRS:
            entered, reached = rows[a]["entrants"], rows[b]["entrants"]
            series[f"{a}-{b}"].append(round(reached / entered, 4) if entered else None)
            links[f"{a}-{b}"].append(f.with_period(month).query(metric="funnel_entrants", stage=b))
    return {"labels": [m.label for m in months], "titles": [m.title for m in months],
            "series": [{"key": key, "label": f"{PAIR_LABELS[key.split('-')[0]]} → {PAIR_LABELS[key.split('-')[1]]}",
                        "values": values, "links": links[key]} for key, values in series.items()]}


KEY_GOAL_STAGES = ("mql", "sal", "sql", "won")


def _funnel_chart(f: ReportFilter, funnel: Widget) -> dict[str, Any]:
    rows = funnel.data.get("rows", [])
    return {"labels": [r["stage"].upper() for r in rows], "names": [r["name"] for r in rows],
            "values": [r["entrants"] for r in rows],
            "links": [f.query(metric="funnel_entrants", stage=r["stage"]) for r in rows]}


def dashboard_data(f: ReportFilter) -> dict[str, Any]:
    """Every widget of the dashboard for the filter (figures, chart series, records links)."""
    rollups_fresh()
    head = ledger_head()
    funnel = _safe("funnel", f, head)
    goals = _safe("goals", f, head)
    for goal in goals.data.get("goals", []):
        goal["key_steps"] = [s for s in goal["steps"] if s["stage"] in KEY_GOAL_STAGES]
        goal["bar"] = min(100, round((goal["progress_share"] or 0) * 100))
        goal["query"] = ReportFilter.build(period=parse_period(goal["period"]), segment=goal["segment"] or None).query()
    reasons = _safe("reasons", f, head)
    rejections = [r for r in reasons.data.get("rows", []) if r["kind"] == "rejection:all"][:6]
    taxonomy = taxonomy_current()[1]
    for row in rejections:
        reason = taxonomy.reason(row["reason"])
        row["label"] = reason.label if reason else row["reason"]
    return {
        "filter": f,
        "query": f.query(),
        "funnel": funnel,
        "funnel_chart": _funnel_chart(f, funnel),
        "trend": conversion_trend(f) if not funnel.problem else {},
        "goals": goals,
        "coverage": _safe("coverage", f, head),
        "velocity": _safe("velocity", f, head),
        "sla": _safe("sla", f, head),
        "attribution": _safe("attribution", f, head),
        "reasons": reasons,
        "top_rejections": rejections,
        "top_rejection_max": max([r["count"] for r in rejections], default=1),
    }
