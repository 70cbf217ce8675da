from datetime import timedelta

from tandem.operations.schedule import PeriodicJob

JOBS = [
    PeriodicJob("notifications.retry", timedelta(minutes=1), "tandem.notifications.tasks.retry_due",
                "Send email and webhook deliveries whose retry time has come"),
]
