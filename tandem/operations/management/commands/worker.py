"""`tandem worker`: runs background tasks (imports, SLA timers) from the database queue."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (every queue)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")

    def handle(self, *args, interval: float, **options) -> None:
        call_command("db_worker", queue_name="*", interval=interval)
