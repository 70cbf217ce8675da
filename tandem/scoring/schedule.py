from datetime import timedelta

from tandem.operations.schedule import PeriodicJob

JOBS = [
    PeriodicJob("scoring.decay", timedelta(hours=1), "tandem.scoring.tasks.recompute_all",
                "Rescore every lead so engagement points decay with their half-lives"),
    PeriodicJob("scoring.retrain", timedelta(days=1), "tandem.scoring.tasks.retrain",
                "Retrain the predictive score on the latest history (refused when too small)"),
]
