"""``tandem attribution --from … --to … --level … --by …``: the Attribution page's report in a terminal.

Runs over the instance's own ledger (it sets Django up), through the same service and serializer
as the page and the API: ``--json`` prints exactly the body of ``GET /api/v1/attribution`` for the
same query. Without ``--json`` it prints a table per measure, a column per model. Exit status 0 on
success, 2 on bad arguments. (``tandem attribution PATHS.csv`` is the path-file command, see
tandem.attribution_cli.)
"""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal

from rich.console import Console
from rich.table import Table

PROG = "tandem attribution"
#: An option that only the ledger form has: seeing one, tandem.attribution_cli hands over to this module.
LEDGER_OPTIONS = ("--from", "--to", "--period", "--level", "--by")


def wants_ledger(argv: list[str]) -> bool:
    """True when the arguments ask for the ledger form (one of LEDGER_OPTIONS is given)."""
    return any(arg.split("=", 1)[0] in LEDGER_OPTIONS for arg in argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Credit for leads sourced, pipeline created or revenue won, from Tandem's own "
                               "touchpoints, under every model side by side.")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first UTC day (inclusive)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last UTC day (inclusive)")
    parser.add_argument("--period", help="or a period: 2026-Q1, 2026-03, 2026 (default: this quarter)")
    parser.add_argument("--level", default="sourced", help="sourced, pipeline or revenue (default sourced)")
    parser.add_argument("--by", default="channel", help="channel, campaign or content (default channel)")
    parser.add_argument("--segment", help="smb, mid or enterprise (default: all)")
    parser.add_argument("--models", help="comma-separated model names (default: the nine main models)")
    parser.add_argument("--include-rep-activity", action="store_true",
                        help="count calls, emails and meetings made by reps")
    parser.add_argument("--lookback-days", type=int, help="ignore touches older than this (default 365)")
    parser.add_argument("--half-life", type=float, help="time decay half-life in hours (default 168)")
    parser.add_argument("--order", type=int, help="Markov chain order, 1-4 (default 1)")
    parser.add_argument("--currency", help="count only conversions in this currency")
    parser.add_argument("--json", action="store_true", help="print the API's JSON instead of tables")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.config.settings")
    import django

    django.setup()
    from tandem.attribution.query import attribution_query
    from tandem.attribution.services import attribution_result
    from tandem.leads.errors import LeadInvalid

    try:
        query = attribution_query(level=args.level, dimension=args.by, start=args.start, end=args.end,
                                  period=args.period, segment=args.segment, models=args.models,
                                  include_rep_activity=args.include_rep_activity, lookback_days=args.lookback_days,
                                  half_life_hours=args.half_life, order=args.order, currency=args.currency)
        report = attribution_result(query=query)
    except LeadInvalid as exc:
        where = f"--{exc.field.replace('_', '-')}: " if exc.field else ""
        print(f"{PROG}: error: {where}{exc}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.write(report.text + "\n")
    else:
        print_tables(report.payload, sys.stdout)
    return 0


def print_tables(payload: dict, out) -> None:
    """Conversions (and value, for pipeline and revenue) per row under each model; then the answers."""
    tables = _tables(payload)
    width = max(_width(t) for t in tables)
    console = Console(file=out, width=None if out.isatty() else max(80, width))
    for table in tables:
        console.print(table)
    totals, untouched = payload["totals"], payload["untouched"]
    console.print(f"{totals['journeys']} conversions with a marketing touch, {untouched['conversions']} without; "
                  f"{totals['non_converting_journeys']} journeys without a conversion; {totals['touches']} touches.")
    for m in payload["models"]:
        if m["skipped"]:
            console.print(f"{m['key']}: skipped ({m['skipped']})")


def _width(table: Table) -> int:
    """Width that shows every cell whole: widest cell per column plus borders and padding."""
    widths = [max([len(str(c.header)), *(len(str(cell)) for cell in c.cells)]) for c in table.columns]
    return sum(widths) + 3 * len(widths) + 1


def _tables(payload: dict) -> list[Table]:
    models = [m for m in payload["models"] if not m["skipped"]]
    totals, untouched = payload["totals"], payload["untouched"]
    tables = []
    measures = ["conversions"] + (["value"] if payload["level"]["key"] != "sourced" else [])
    scope = f"{payload['level']['label']}, {payload['period']['title']}" + \
        (f", segment {payload['segment']}" if payload["segment"] else "")
    for measure in measures:
        unit = f" ({payload['currency']})" if measure == "value" and payload["currency"] else ""
        table = Table(title=f"{scope}: {measure}{unit} credited by {payload['dimension']['label'].lower()}")
        table.add_column(payload["dimension"]["label"])
        for m in models:
            table.add_column(m["key"], justify="right")
        for row in payload["rows"]:
            table.add_row(row["label"], *(_cell(row["credit"].get(m["key"]), measure) for m in models))
        table.add_row("no marketing touch", *([_cell(untouched, measure)] * len(models)), style="dim")
        table.add_row("total", *([_cell(totals, measure)] * len(models)), style="bold")
        tables.append(table)
    said = Table(title="What buyers said (how did you hear about us?)")
    for head in ("answer", "conversions", "share", "value"):
        said.add_column(head, justify="left" if head == "answer" else "right")
    for row in payload["self_reported"]["rows"]:
        said.add_row(row["label"], str(row["conversions"]), f"{row['share']:.1%}", f"{Decimal(row['value']):,.2f}")
    return [*tables, said]


def _cell(cell: dict | None, measure: str) -> str:
    if cell is None:
        return "—"
    if measure == "value":
        return f"{Decimal(cell['value']):,.2f}"
    return f"{cell['conversions']:,.2f}"
