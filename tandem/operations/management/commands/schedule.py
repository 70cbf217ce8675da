"""`tandem schedule list|tick [--now ISO]`: the periodic jobs, and one scheduler tick by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tandem import clock
from tandem.operations.schedule import periodic_jobs, schedule_due


class Command(BaseCommand):
    help = "List periodic jobs, or enqueue the due ones now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["list", "tick"])
        parser.add_argument("--now", help="the instant to act at (ISO-8601 with offset)")

    def handle(self, *args, action: str, now: str | None, **options) -> None:
        if action == "list":
            for job in periodic_jobs():
                self.stdout.write(f"{job.name:<28} every {job.every}  {job.task}  {job.description}")
            return
        instant = clock.parse_instant(now, field="--now") if now else clock.now()
        names = schedule_due(instant)
        self.stdout.write("enqueued: " + (", ".join(names) or "nothing due"))
