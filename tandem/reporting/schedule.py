from datetime import timedelta

from tandem.operations.schedule import PeriodicJob

JOBS = [
    PeriodicJob("reporting.rollup", timedelta(minutes=1), "tandem.reporting.tasks.rollup_update",
                "Bring the daily rollups up to date with new, back-dated and merged stage events"),
    PeriodicJob("reporting.rebuild", timedelta(days=1), "tandem.reporting.tasks.rollup_rebuild",
                "Rebuild every rollup row overnight into a new generation (a safety net)"),
    PeriodicJob("reporting.warm", timedelta(minutes=5), "tandem.reporting.tasks.dashboard_warm",
                "Compute this month's and this quarter's dashboard ahead of the first reader"),
    PeriodicJob("reporting.packs", timedelta(minutes=15), "tandem.reporting.tasks.packs_send_due",
                "Send the weekly, monthly and quarterly packs on the admin's schedule"),
]
