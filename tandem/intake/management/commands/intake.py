"""`tandem intake prune-keys`: forget expired idempotency keys and old rate-limit windows.

The worker does the same every six hours (the `intake.prune_keys` periodic job); the command is
for instances that run no worker, or for cron.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tandem.intake.idempotency import KEEP_FOR, idempotency_keys_prune
from tandem.intake.rate_limit import rate_windows_prune


class Command(BaseCommand):
    help = "Maintenance of the public front door (run prune-keys daily, e.g. from cron)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("prune-keys", help=f"delete idempotency keys older than {KEEP_FOR} and stale rate windows")

    def handle(self, *args, action: str, **options) -> None:
        keys = idempotency_keys_prune()
        windows = rate_windows_prune()
        self.stdout.write(f"Deleted {keys} expired idempotency key(s) and {windows} old rate-limit window(s).")
