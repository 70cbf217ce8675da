"""What the Attribution page shows, assembled from one report (reads only; no figures computed here).

Every number on the page comes from the report's JSON values, the same the API and the CLI
return; this module only picks the measure (conversions or value) and formats for people.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tandem import clock
from tandem.accounts.models import Segment
from tandem.attribution.query import DIMENSIONS, LEVELS, AttributionQuery
from tandem.core.periods import Period

#: Short column heads for the table (the full names and explanations sit under it).
SHORT = {"first_touch": "First", "last_touch": "Last", "linear": "Linear", "position_based": "U-shaped",
         "time_decay": "Time decay", "w_shaped": "W-shaped", "full_path": "Full path", "markov": "Markov",
         "markov_per_journey": "Markov/journey", "shapley": "Shapley", "shapley_per_set": "Shapley/set"}
COLOURS = ("#2f5bea", "#7ea2ff", "#0e9384", "#67c7b7", "#b54708", "#f0a85a", "#c11574", "#e879b9", "#6941c6",
           "#b692f6", "#475467")
SAID_COLOUR = "#98a2b3"
CHART_ROWS = 12
SEGMENTS = [(Segment.SMB, "SMB"), (Segment.MID, "Mid-market"), (Segment.ENTERPRISE, "Enterprise")]


def _money(text: str) -> str:
    return f"{Decimal(text):,.0f}"


def _conversions(x: float) -> str:
    return f"{x:,.1f}"


def period_choices(selected: Period) -> list[tuple[str, str, bool]]:
    """The last five quarters, the last six months and the last two years, newest first."""
    now = clock.now()
    quarter, month, year = Period.of("quarter", now), Period.of("month", now), Period.of("year", now)
    periods = [quarter.shift(-i) for i in range(5)] + [month.shift(-i) for i in range(6)] + \
        [year, year.shift(-1)]
    return [(p.label, p.title, p == selected) for p in periods]


def _cell(cell: dict | None, measure: str) -> str:
    if cell is None:
        return "—"
    return _money(cell["value"]) if measure == "value" else _conversions(cell["conversions"])


def page_context(query: AttributionQuery, payload: dict, *, measure: str, cached: bool,
                 computed_at: datetime, compute_ms: int) -> dict[str, Any]:
    """Table rows, chart series and headings for one report."""
    if query.level == "sourced":
        measure = "conversions"
    models = [m for m in payload["models"] if not m["skipped"]]
    said = payload["self_reported"]["by_row"] if query.dimension == "channel" else None
    rows = [{"label": r["label"], "cells": [_cell(r["credit"].get(m["key"]), measure) for m in models],
             "said": None if said is None else (_total(said[r["key"]], measure) if r["key"] in said else "—")}
            for r in payload["rows"]]
    totals = payload["totals"]
    untouched = payload["untouched"]
    touched_total = {"conversions": totals["conversions"] - untouched["conversions"],
                     "value": str(Decimal(totals["value"]) - Decimal(untouched["value"]))}
    chart_rows = payload["rows"][:CHART_ROWS]
    datasets = [{"label": SHORT.get(m["key"], m["label"]), "color": COLOURS[i % len(COLOURS)],
                 "data": [_number(r["credit"].get(m["key"]), measure) for r in chart_rows]}
                for i, m in enumerate(models)]
    if said is not None:
        datasets.append({"label": "Self-reported", "color": SAID_COLOUR, "said": True,
                         "data": [_number(said.get(r["key"]), measure) for r in chart_rows]})
    return {
        "query": query, "report": payload, "measure": measure, "models": models,
        "heads": [SHORT.get(m["key"], m["label"]) for m in models], "rows": rows,
        "touched_total": _total(touched_total, measure), "untouched_cell": _total(untouched, measure),
        "grand_total": _total(totals, measure), "said_total": _total(totals, measure),
        "total_value_text": _money(totals["value"]),
        "figures": {"conversions": f"{totals['conversions']:,}", "journeys": f"{totals['journeys']:,}",
                    "untouched": f"{untouched['conversions']:,}", "touches": f"{totals['touches']:,}",
                    "non_converting": f"{totals['non_converting_journeys']:,}"},
        "chart": {"labels": [r["label"] for r in chart_rows], "datasets": datasets, "measure": measure,
                  "currency": payload["currency"] or ""},
        "more_rows": max(len(payload["rows"]) - CHART_ROWS, 0),
        "skipped": [m for m in payload["models"] if m["skipped"]],
        "said_rows": [{**r, "value_text": _money(r["value"]), "bar": round(r["share"] * 100, 1)}
                      for r in payload["self_reported"]["rows"]],
        "cached": cached, "computed_at": computed_at.astimezone(UTC), "compute_ms": compute_ms,
    }


def _total(cell: dict, measure: str) -> str:
    return _money(cell["value"]) if measure == "value" else f"{cell['conversions']:,}"


def _number(cell: dict | None, measure: str) -> float:
    if cell is None:
        return 0.0
    return float(cell["value"]) if measure == "value" else float(cell["conversions"])


def filter_context(query: AttributionQuery | None, params: dict[str, str]) -> dict[str, Any]:
    """The filter form: choices and what is selected."""
    selected = query.period if query is not None else Period.of("quarter", clock.now())
    return {"levels": LEVELS.items(), "dimensions": DIMENSIONS.items(), "segments": SEGMENTS,
            "period_choices": period_choices(selected), "params": params,
            "custom_period": query is not None and not params.get("period")}
