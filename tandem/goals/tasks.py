"""Background work for goals: a daily snapshot of plan versus actual, so goals keep their history."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task


@task()
def snapshots_take() -> list[int]:
    """Snapshot every goal whose period is running, and once more the day after a period ends (the final)."""
    from tandem import clock
    from tandem.goals.models import Goal
    from tandem.goals.services import goal_snapshot_take

    now = clock.now()
    taken = []
    for goal in Goal.objects.filter(period_start__lte=now, period_end__gt=now - timedelta(days=1)):
        taken.append(goal_snapshot_take(goal=goal, as_of=min(now, goal.period_end)).pk)
    return taken
