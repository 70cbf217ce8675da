"""Which records stand behind each figure of a report table, and which definition explains each column.

A cell links to the records page with the metric and options that list exactly what it counts;
columns without records (ratios, medians) link to their definition only.
"""

from __future__ import annotations

from typing import Any

from tandem.reporting.filters import ReportFilter

#: (report, table) -> column -> (metric, options from the row: {option: row column or a fixed "=value"})
LINKS: dict[tuple[str, str], dict[str, tuple[str, dict[str, str]]]] = {
    ("funnel", "rows"): {
        "entrants": ("funnel_entrants", {"stage": "stage"}), "entries": ("stage_entries", {"stage": "stage"}),
        "exits": ("stage_exits", {"stage": "stage"}),
        "opening": ("stage_stock", {"stage": "stage", "edge": "=opening"}),
        "closing": ("stage_stock", {"stage": "stage", "edge": "=closing"}),
        "mean_days_in_stage": ("time_in_stage", {"stage": "stage"})},
    ("conversion", "cohorts"): {
        "entered": ("cohort_conversion", {"from_stage": "from_stage", "to_stage": "to_stage", "cohort": "cohort"}),
        "reached": ("cohort_conversion", {"from_stage": "from_stage", "to_stage": "to_stage", "cohort": "cohort",
                                          "reached": "=yes"})},
    ("time-in-stage", "rows"): {"closed": ("time_in_stage", {"stage": "stage"}),
                                "median_days": ("time_in_stage", {"stage": "stage"})},
    ("velocity", "summary"): {"open_count": ("open_pipeline", {}), "open_amount": ("open_pipeline", {}),
                              "won": ("win_rate", {"outcome": "=won"}), "lost": ("win_rate", {"outcome": "=lost"}),
                              "won_amount": ("win_rate", {"outcome": "=won"}),
                              "average_deal": ("average_deal_size", {}), "cycle_mean_days": ("sales_cycle", {})},
    ("coverage", "summary"): {"open_pipeline": ("open_pipeline", {}), "open_count": ("open_pipeline", {})},
    ("sourcing", "summary"): {"sourced_count": ("marketing_sourced", {}),
                              "sourced_amount": ("marketing_sourced", {}),
                              "influenced_count": ("marketing_influenced", {}),
                              "influenced_amount": ("marketing_influenced", {})},
    ("economics", "summary"): {"new_customers": ("new_customers", {})},
}
#: column -> metric key of its definition
DEFINITIONS = {
    "entrants": "funnel_entrants", "passed_on": "funnel_drop_off", "drop_off": "funnel_drop_off",
    "entries": "stage_entries", "exits": "stage_exits", "opening": "stage_stock", "closing": "stage_stock",
    "mean_days_in_stage": "mean_time_in_stage", "share": "cohort_conversion", "median_days": "time_in_stage",
    "p90_days": "time_in_stage", "within_30_days": "days_to_convert", "win_rate": "win_rate",
    "average_deal": "average_deal_size", "cycle_mean_days": "sales_cycle", "velocity_per_day": "pipeline_velocity",
    "coverage": "pipeline_coverage", "required": "required_coverage", "open_pipeline": "open_pipeline",
    "cac": "cac", "new_customers": "new_customers", "sourced_amount": "marketing_sourced",
    "influenced_amount": "marketing_influenced", "roi": "campaign_roi", "clv": "clv", "needed": "reverse_waterfall",
    "by_day": "waterfall_deadline", "sentence": "gap_projection", "passed": "funnel_drop_off",
}


def cell_query(report: str, table: str, column: str, row: dict[str, Any], f: ReportFilter) -> str | None:
    """The records query of one cell (None if the column has no records behind it)."""
    spec = LINKS.get((report, table), {}).get(column)
    if spec is None:
        return None
    metric, options = spec
    values = {k: v[1:] if v.startswith("=") else str(row.get(v, "")) for k, v in options.items()}
    return f.query(metric=metric, **values)


def reason_query(row: dict[str, Any], f: ReportFilter) -> str | None:
    kind, _, by = row.get("kind", "").partition(":")
    metric = {"rejection": "rejection_reasons", "recycle": "recycle_reasons"}.get(kind)
    if metric is None:
        return f.query(metric="win_rate", outcome=row.get("group", "")) if kind == "win_loss" else None
    extra = {"by": by, "group": row.get("group", "")} if by in ("source", "campaign") else {}
    return f.query(metric=metric, reason=row.get("reason", ""), **extra)


def linked_table(report: str, table: str, header: list[str], rows: list[list[Any]], f: ReportFilter
                 ) -> list[list[tuple[Any, str, str | None]]]:
    """Each cell as (value, column, records query or None)."""
    result = []
    for row in rows:
        record = dict(zip(header, row, strict=True))
        cells = []
        for value, column in zip(row, header, strict=True):
            if report == "reasons" and column == "count":
                query = reason_query(record, f)
            else:
                query = cell_query(report, table, column, record, f)
            cells.append((value, column, query if value not in (None, 0, "0.00") else None))
        result.append(cells)
    return result
