"""`tandem report NAME --from --to [--segment …] [--json|--csv]`, `tandem report rollup`, `tandem report pack`.

The figures are the API's (`GET /api/v1/reports/NAME`): the same selector and the same serializer, so
`--json` prints the same bytes as the API's body, and `--csv` the same as `format=csv`.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from tandem import clock
from tandem.leads.errors import LeadError
from tandem.reporting import selectors, services
from tandem.reporting.choices import PackKind
from tandem.reporting.filters import report_filter
from tandem.reporting.rollups import fill_state
from tandem.reporting.serialize import as_csv, as_json, tables
from tandem.reporting.templatetags.reporting_format import cell, words

ACTIONS = ("rollup", "pack")


class Command(BaseCommand):
    help = "Print a report (the API's figures), maintain the rollups, or build and send a pack."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", choices=[*selectors.REPORT_NAMES, *ACTIONS],
                            help=f"a report ({', '.join(selectors.REPORT_NAMES)}), or rollup, or pack")
        parser.add_argument("kind", nargs="?", help="pack: weekly, monthly or quarterly")
        parser.add_argument("--from", dest="start", help="first UTC day, YYYY-MM-DD (inclusive)")
        parser.add_argument("--to", dest="end", help="last UTC day, YYYY-MM-DD (inclusive)")
        parser.add_argument("--period", help="or a period: 2026-03, 2026-Q1, 2026-W10, 2026")
        for name in ("segment", "source", "channel", "campaign", "origin", "owner", "team", "country"):
            parser.add_argument(f"--{name}")
        parser.add_argument("--currency")
        parser.add_argument("--quota", help="coverage: the quota (default: the goal for the period)")
        parser.add_argument("--lookback-days", type=int, help="coverage: look-back of the win rate")
        parser.add_argument("--model", help="attribution: the model")
        parser.add_argument("--now", help="report as of this ISO-8601 instant (default: the clock)")
        out = parser.add_mutually_exclusive_group()
        out.add_argument("--json", action="store_true", help="the API's JSON, byte for byte")
        out.add_argument("--csv", action="store_true", help="the API's CSV (format=csv)")
        rollup = parser.add_mutually_exclusive_group()
        rollup.add_argument("--rebuild", action="store_true", help="rollup: recompute every row")
        rollup.add_argument("--undo", action="store_true", help="rollup: undo an interrupted run")
        rollup.add_argument("--status", action="store_true", help="rollup: show the fill state")
        parser.add_argument("--send", action="store_true", help="pack: send it (else only print where it is kept)")
        parser.add_argument("--resend", action="store_true", help="pack: send a stored pack again")

    def handle(self, *args, name: str, now: str | None, **options) -> None:
        instant = clock.parse_instant(now, field="--now") if now else None
        try:
            if instant is None:
                self._run(name, options)
            else:
                with clock.at_instant(instant):
                    self._run(name, options)
        except LeadError as exc:
            raise CommandError(f"{('--' + exc.field.replace('_', '-') + ': ') if exc.field else ''}{exc}") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _run(self, name: str, options: dict) -> None:
        if name == "rollup":
            return self._rollup(options)
        if name == "pack":
            return self._pack(options)
        f = report_filter(start=options["start"], end=options["end"], period=options["period"],
                          **{k: options[k] for k in ("segment", "source", "channel", "campaign", "origin", "owner",
                                                     "team", "country")})
        extra = {"currency": options["currency"], "quota": options["quota"],
                 "lookback_days": options["lookback_days"], "model": options["model"]}
        if extra["quota"] is not None:
            from decimal import Decimal, InvalidOperation

            try:
                extra["quota"] = Decimal(extra["quota"])
            except InvalidOperation:
                raise CommandError("--quota: not an amount") from None
        data = selectors.report_data(name, f, **extra)
        if options["json"]:
            self.stdout.write(as_json(data), ending="")
        elif options["csv"]:
            self.stdout.write(as_csv(data), ending="")
        else:
            self._print(data)

    def _print(self, data: dict) -> None:
        console = Console(file=self.stdout, width=160)
        meta = data["meta"]
        filters = ", ".join(f"{k}={v}" for k, v in meta["filters"].items()) or "all leads"
        console.print(f"[bold]{meta['report']}[/bold] · {meta['title']} · {filters} · from {meta['source']}")
        for table_name, header, rows in tables(data):
            table = Table(title=words(table_name), title_justify="left")
            for h in header:
                table.add_column(words(h))
            for row in rows:
                table.add_row(*[cell(v, h) for v, h in zip(row, header, strict=True)])
            console.print(table)
        if data.get("note"):
            console.print(data["note"])

    def _rollup(self, options: dict) -> None:
        if options["status"]:
            fill = fill_state()
            self.stdout.write(f"status {fill.status}, generation {fill.generation}, runs {fill.runs}, "
                              f"last event {fill.event_id}, finished {fill.finished_at or 'never'}"
                              + (f", {fill.message}" if fill.message else ""))
            return
        run = services.rollup_undo(force=True) if options["undo"] else \
            services.rollup_update(rebuild=options["rebuild"])
        self.stdout.write(f"{run.kind}: {run.days} day(s), {run.leads} lead(s), {run.rows} row(s) in "
                          f"{run.seconds:.2f} s (generation {run.generation}) {run.message}".rstrip())

    def _pack(self, options: dict) -> None:
        kind = options.get("kind")
        if kind not in PackKind.values:
            raise CommandError(f"pack: give the kind, one of {', '.join(PackKind.values)}")
        from tandem.reporting.packs import pack_build, pack_period

        period = options["period"] or pack_period(kind, clock.now()).label
        if options["send"] or options["resend"]:
            delivery = services.pack_send_now(kind=kind, period=period, segment=options["segment"] or "", by=None,
                                              resend=options["resend"])
            self.stdout.write(f"{kind} pack {delivery.period}: {delivery.status} to {len(delivery.recipients)} "
                              f"recipient(s){': ' + delivery.error if delivery.error else ''}")
            return
        from tandem.core.periods import parse_period

        pack = pack_build(kind=kind, period=parse_period(period), segment=options["segment"] or "")
        self.stdout.write(pack.html, ending="")
