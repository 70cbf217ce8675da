from datetime import timedelta

from tandem.operations.schedule import PeriodicJob

JOBS = [
    PeriodicJob("intake.prune_keys", timedelta(hours=6), "tandem.intake.tasks.keys_prune",
                "Forget idempotency keys older than 72 hours and stale rate-limit windows"),
]
