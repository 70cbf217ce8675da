from datetime import timedelta

from tandem.operations.schedule import PeriodicJob

JOBS = [
    PeriodicJob("goals.snapshot", timedelta(hours=6), "tandem.goals.tasks.snapshots_take",
                "Record each running goal's plan versus actual (one snapshot per goal and day)"),
]
