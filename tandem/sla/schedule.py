from datetime import timedelta

from tandem.operations.schedule import PeriodicJob

JOBS = [
    PeriodicJob("sla.tick", timedelta(seconds=30), "tandem.sla.tasks.tick",
                "Warn and breach SLA timers, escalate breaches, judge Marketing's commitments"),
]
