"""The shared dashboard: every widget's figures for one filter, each with the link to the records behind it.

Every figure comes from `report_data`, the same call the API and the CLI make, so a number on the
dashboard is the number `tandem report` prints. The conversion trend is the monthly "passed on"
ratio from the daily rollups (the cohort view is the conversion report); everything else is a
report as it is.

Bounded staleness. On a large ledger the widgets that need the raw ledger take seconds to compute,
and a busy instance writes events every few seconds. The page (`stale_ok`; never the packs, the API
or the CLI) may therefore show the whole dashboard as it was last computed for the filter — every
widget read from the cache at that earlier ledger state, so the figures agree with each other — when
that computation took at least STALE_AFTER_MS, it is at most TANDEM_DASHBOARD_STALE_SECONDS old,
the ledger has moved by at most STALE_MAX_CHANGES rows and no merge, and it is the same UTC day.
`stale_as_of` then says when, and the worker recomputes the dashboard at once.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings

from tandem import clock
from tandem.core.periods import Period, iter_periods, parse_period
from tandem.leads.errors import LeadInvalid
from tandem.reporting.filters import ReportFilter
from tandem.reporting.selectors import (
    NotCached,
    cache_read,
    cache_write,
    ledger_head,
    report_data,
    rollups_fresh,
)
from tandem.taxonomy.selectors import taxonomy_current

TREND_PAIRS = (("inquiry", "mql"), ("mql", "sal"), ("sal", "won"))
TREND_MONTHS = 6
#: bounded staleness (see the module's docstring)
STALE_AFTER_MS = 1000
STALE_MAX_CHANGES = 500
#: seconds between two requests to the worker to recompute the same dashboard
STALE_RETRY = 30
PAIR_LABELS = {"inquiry": "Inquiry", "mql": "MQL", "sal": "SAL", "won": "Won"}


@dataclass
class Widget:
    """A widget's report data, or the reason it has none (`problem`)."""

    data: dict[str, Any] = field(default_factory=dict)
    problem: str = ""


def _safe(name: str, f: ReportFilter, head: dict[str, Any], cached_only: bool = False) -> Widget:
    try:
        return Widget(report_data(name, f, fresh=False, head=head, cached_only=cached_only))
    except LeadInvalid as exc:
        return Widget(problem=str(exc))


def trend_months(period: Period) -> list[Period]:
    last = Period.of("month", period.end - timedelta(seconds=1))
    return list(iter_periods("month", last.shift(-(TREND_MONTHS - 1)).start, last.end))


def conversion_trend(f: ReportFilter, head: dict[str, Any], *, cached_only: bool = False) -> dict[str, Any]:
    """Per month: entrants(B) ÷ entrants(A) for the trend pairs, from the monthly funnels (rollups)."""
    months = trend_months(f.period)
    series: dict[str, list[float | None]] = {f"{a}-{b}": [] for a, b in TREND_PAIRS}
    links: dict[str, list[str]] = {key: [] for key in series}
    for month in months:
        rows = {r["stage"]: r for r in report_data("funnel", f.with_period(month), fresh=False, head=head,
                                                   cached_only=cached_only)["rows"]}
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


def dashboard_data(f: ReportFilter, *, stale_ok: bool = False) -> dict[str, Any]:
    """Every widget of the dashboard for the filter (figures, chart series, records links).

    With `stale_ok` (the page) it may be the dashboard as last computed, within the bounds of the
    module's docstring; `stale_as_of` then says when, else it is None.
    """
    if stale_ok and settings.TANDEM_DASHBOARD_STALE_SECONDS > 0:
        behind = _as_last_computed(f)
        if behind is not None:
            return behind
    started = _time.perf_counter()
    rollups_fresh()
    head = ledger_head()
    data = _widgets(f, head)
    ms = round((_time.perf_counter() - started) * 1000)
    previous = cache_read("dashboard", f, "latest")
    if previous is None or previous[0]["head"] != head:  # a render from the cache must not pass for the computation
        cache_write("dashboard", f, "latest", {"head": head, "ms": ms}, replace=True)
    return data


def _changes_between(old: dict[str, Any], new: dict[str, Any]) -> float:
    """Ledger rows written between two heads (infinite after a merge: it moves whole histories)."""
    if old.get("merge") != new.get("merge"):
        return float("inf")
    return sum(max((new.get(k) or 0) - (old.get(k) or 0), 0) for k in new if k != "merge")


def _as_last_computed(f: ReportFilter) -> dict[str, Any] | None:
    found = cache_read("dashboard", f, "latest")
    if found is None:
        return None
    (latest, computed_at), head = found, ledger_head()
    if (latest["head"] == head or latest["ms"] < STALE_AFTER_MS
            or clock.now() - computed_at > timedelta(seconds=settings.TANDEM_DASHBOARD_STALE_SECONDS)
            or _changes_between(latest["head"], head) > STALE_MAX_CHANGES):
        return None
    try:
        data = _widgets(f, latest["head"], cached_only=True)
    except NotCached:  # pruned since: compute it
        return None
    data["stale_as_of"] = computed_at
    refresh_later(f)
    return data


def _widgets(f: ReportFilter, head: dict[str, Any], *, cached_only: bool = False) -> dict[str, Any]:
    funnel = _safe("funnel", f, head, cached_only)
    goals = _safe("goals", f, head, cached_only)
    for goal in goals.data.get("goals", []):
        goal["key_steps"] = [s for s in goal["steps"] if s["stage"] in KEY_GOAL_STAGES]
        goal["bar"] = min(100, round((goal["progress_share"] or 0) * 100))
        goal["query"] = ReportFilter.build(period=parse_period(goal["period"]), segment=goal["segment"] or None).query()
    reasons = _safe("reasons", f, head, cached_only)
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
        "trend": conversion_trend(f, head, cached_only=cached_only) if not funnel.problem else {},
        "goals": goals,
        "coverage": _safe("coverage", f, head, cached_only),
        "velocity": _safe("velocity", f, head, cached_only),
        "sla": _safe("sla", f, head, cached_only),
        "attribution": _safe("attribution", f, head, cached_only),
        "reasons": reasons,
        "top_rejections": rejections,
        "top_rejection_max": max([r["count"] for r in rejections], default=1),
        "stale_as_of": None,
    }


_refresh_asked: dict[str, float] = {}


def refresh_later(f: ReportFilter) -> None:
    """Have the worker recompute this dashboard (asked at most once every STALE_RETRY seconds per filter)."""
    from tandem.reporting.tasks import dashboard_refresh

    query, now = f.query(), _time.monotonic()
    if now - _refresh_asked.get(query, -STALE_RETRY) < STALE_RETRY:
        return
    _refresh_asked[query] = now
    dashboard_refresh.enqueue(query)
