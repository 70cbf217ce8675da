"""`tandem sla tick [--now ISO-8601]`: process every SLA timer and commitment as of that instant."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tandem import clock
from tandem.sla.services import sla_tick


class Command(BaseCommand):
    help = "SLA timers: `tick` warns and breaches every timer due as of now (or --now), exactly once."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        tick = sub.add_parser("tick", help="process every timer and commitment as of an instant")
        tick.add_argument("--now", help="the instant, ISO-8601 with offset (e.g. 2026-03-27T17:00:00Z)")

    def handle(self, *args, what: str, now: str | None = None, **options) -> None:
        try:
            at = clock.parse_instant(now, field="--now") if now else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if at is None:
            report = sla_tick()
        else:
            with clock.at_instant(at):
                report = sla_tick(now=at)
        self.stdout.write(f"SLA tick at {report.at.isoformat()}: {report.candidates} timers due or near, "
                          f"{len(report.warned)} warned, {len(report.breached)} breached, "
                          f"{len(report.commitments_missed)} commitments missed, "
                          f"{len(report.commitments_met)} met.")
