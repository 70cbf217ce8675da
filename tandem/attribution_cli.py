"""``tandem attribution PATHS.csv --model MODEL``: per-channel credit from a path file.

(``tandem attribution --from … --to … --level … --by …`` reports on the instance's own ledger
instead; that form lives in tandem.attribution.cli.)

Prints each channel's conversions and value under the chosen model as a table (or JSON with
``--json``); ``--model all`` shows every model side by side. Exit status: 0 on success, 2 on bad
arguments or bad input (the message names the line and the column). Credit summed over channels
always equals the file's total conversions and total value.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from rich.console import Console
from rich.table import Table

from tandem.core.attribution import (
    MODELS,
    Attribution,
    Columns,
    JourneySet,
    Options,
    PathFileError,
    attribute_many,
    read_path_file,
)
from tandem.core.attribution.shapley import CHARACTERISTICS, DEFAULT_SAMPLES, EXACT_LIMIT, EXACT_MAX_CHANNELS

PROG = "tandem attribution"


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _exact_max(text: str) -> int:
    value = int(text)
    if not 0 <= value <= EXACT_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 0 and {EXACT_LIMIT}, got {value}")
    return value


def _position_weights(text: str) -> tuple[float, float, float]:
    """``40,20,40`` (percent) or ``0.4,0.2,0.4``; first, middle, last; must sum to 100% ."""
    parts = [float(p) for p in text.replace("/", ",").split(",")]
    if len(parts) != 3 or min(parts) < 0:
        raise argparse.ArgumentTypeError("give three non-negative weights: first,middle,last")
    if abs(sum(parts) - 100) < 1e-6:
        parts = [p / 100 for p in parts]
    if abs(sum(parts) - 1) > 1e-9:
        raise argparse.ArgumentTypeError(f"weights must sum to 1 (or 100), got {text}")
    return parts[0], parts[1], parts[2]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tandem attribution``."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Per-channel conversions and value from a path file, under one model or all."
    )
    parser.add_argument("paths", metavar="PATHS.csv", help="path file ('-' reads standard input)")
    parser.add_argument(
        "--model",
        required=True,
        choices=[*MODELS, "all"],
        metavar="MODEL",
        help=f"one of {', '.join(MODELS)}, or all (every model side by side)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--order", type=_positive_int, default=1, help="Markov chain order k (default 1)")
    columns = parser.add_argument_group("path file")
    columns.add_argument("--path-column", default="path")
    columns.add_argument("--conversions-column", default="total_conversions")
    columns.add_argument("--value-column", default=None, help="default: total_conversion_value, if present")
    columns.add_argument("--null-column", default=None, help="default: total_null, if present")
    columns.add_argument("--separator", default=" > ", help="between channels of a path (default ' > ')")
    columns.add_argument("--delimiter", default=None, help="CSV delimiter (default: guessed from the header)")
    models = parser.add_argument_group("model options")
    models.add_argument("--collapse-repeats", action="store_true", help="count a run of one channel once")
    models.add_argument(
        "--half-life", type=_positive_float, default=None, help="time decay, in steps (default 1)"
    )
    models.add_argument(
        "--position-weights",
        type=_position_weights,
        default=(0.4, 0.2, 0.4),
        metavar="FIRST,MIDDLE,LAST",
        help="position-based weights (default 40,20,40)",
    )
    models.add_argument(
        "--shapley-value",
        choices=CHARACTERISTICS,
        default="conversions",
        help="Shapley characteristic function (default conversions)",
    )
    models.add_argument(
        "--shapley-exact-max",
        type=_exact_max,
        default=EXACT_MAX_CHANNELS,
        help=f"exact Shapley up to this many channels, sampled above (default {EXACT_MAX_CHANNELS})",
    )
    models.add_argument(
        "--shapley-samples",
        type=_positive_int,
        default=DEFAULT_SAMPLES,
        help=f"permutations when sampling (default {DEFAULT_SAMPLES})",
    )
    models.add_argument("--seed", type=int, default=0, help="seed of the Shapley sampler (default 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``tandem attribution``; returns the exit status.

    With ``--from``/``--to``/``--period``/``--level``/``--by`` (and no path file) it reports on the
    instance's own touchpoint ledger instead: see tandem.attribution.cli.
    """
    from tandem.attribution.cli import main as ledger_main
    from tandem.attribution.cli import wants_ledger

    if wants_ledger(sys.argv[1:] if argv is None else argv):
        return ledger_main(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        journeys = _read(args)
    except (PathFileError, OSError, UnicodeDecodeError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    names = list(MODELS) if args.model == "all" else [args.model]
    results = attribute_many(journeys, names, _options(args))
    if args.model != "all" and isinstance(results[args.model], str):
        print(f"{PROG}: error: {args.model}: {results[args.model]}", file=sys.stderr)
        return 2
    done = {k: v for k, v in results.items() if isinstance(v, Attribution)}
    skipped = {k: v for k, v in results.items() if isinstance(v, str)}
    if args.json:
        print(json.dumps(_as_json(args.paths, journeys, done, skipped), indent=2))
    else:
        _print_tables(journeys, done, skipped, sys.stdout)
    return 0


def _read(args: argparse.Namespace) -> JourneySet:
    columns = Columns(args.path_column, args.conversions_column, args.value_column, args.null_column)
    if args.paths == "-":
        return read_path_file(sys.stdin, "<stdin>", columns, args.separator, args.delimiter)
    with open(args.paths, encoding="utf-8", newline="") as handle:
        return read_path_file(handle, args.paths, columns, args.separator, args.delimiter)


def _options(args: argparse.Namespace) -> Options:
    return Options(
        order=args.order,
        half_life=args.half_life,
        position_weights=args.position_weights,
        shapley_value=args.shapley_value,
        shapley_exact_max=args.shapley_exact_max,
        shapley_samples=args.shapley_samples,
        seed=args.seed,
        collapse_repeats=args.collapse_repeats,
    )


def _as_json(source: str, js: JourneySet, done: dict[str, Attribution], skipped: dict[str, str]) -> dict:
    return {
        "input": {
            "file": source,
            "paths": js.n_paths,
            "channels": list(js.channels),
            "total_conversions": js.total_conversions,
            "total_value": js.total_value,
            "total_null": float(js.nulls.sum()),
        },
        "models": {name: result.as_dict() for name, result in done.items()},
        "skipped": skipped,
    }


def _print_tables(js: JourneySet, done: dict[str, Attribution], skipped: dict[str, str], out: TextIO) -> None:
    tables = [_single_table(r) for r in done.values()] if len(done) == 1 else _side_by_side(js, done)
    width = max((_table_width(t) for t in tables), default=80)
    console = Console(file=out, width=None if out.isatty() else max(80, width))
    for table in tables:
        console.print(table)
    for name, result in done.items():
        if result.note:
            console.print(f"{name}: {result.note}")
    for name, reason in skipped.items():
        console.print(f"{name}: skipped ({reason})")


def _single_table(result: Attribution) -> Table:
    """Channel, conversions, share, value (+ removal effect or standard error when defined)."""
    table = Table(
        title=f"{result.model}: {result.total_conversions:,.2f} conversions, {result.total_value:,.2f} value"
    )
    for header in ("channel", "conversions", "share", "value"):
        table.add_column(header, justify="left" if header == "channel" else "right")
    extra = result.removal_effects if result.removal_effects is not None else result.standard_error
    if extra is not None:
        table.add_column(
            "removal effect" if result.removal_effects is not None else "± std. error", justify="right"
        )
    total = result.total_conversions or 1.0
    for i in _order(result):
        cells = [
            result.channels[i],
            f"{result.conversions[i]:,.2f}",
            f"{result.conversions[i] / total:.1%}",
            f"{result.value[i]:,.2f}",
        ]
        if extra is not None:
            cells.append(f"{extra[i]:.4f}" if result.removal_effects is not None else f"{extra[i]:,.2f}")
        table.add_row(*cells)
    table.add_row("total", f"{result.conversions.sum():,.2f}", "", f"{result.value.sum():,.2f}", style="bold")
    return table


def _side_by_side(js: JourneySet, done: dict[str, Attribution]) -> list[Table]:
    """One table of conversions and one of value, a column per model."""
    tables = []
    for what in ("conversions", "value"):
        total = js.total_conversions if what == "conversions" else js.total_value
        table = Table(title=f"{what} by model (total {total:,.2f})")
        table.add_column("channel")
        for name in done:
            table.add_column(name, justify="right")
        for i, channel in enumerate(js.channels):
            table.add_row(channel, *(f"{getattr(r, what)[i]:,.2f}" for r in done.values()))
        table.add_row("total", *(f"{getattr(r, what).sum():,.2f}" for r in done.values()), style="bold")
        tables.append(table)
    return tables


def _order(result: Attribution) -> list[int]:
    """Channels by decreasing conversion credit, ties by name."""
    return sorted(range(len(result.channels)), key=lambda i: (-result.conversions[i], result.channels[i]))


def _table_width(table: Table) -> int:
    """Width that shows every cell whole: widest cell per column plus borders and padding."""
    widths = [max([len(str(c.header)), *(len(str(cell)) for cell in c.cells)]) for c in table.columns]
    return sum(widths) + 3 * len(widths) + 1


if __name__ == "__main__":
    sys.exit(main())
