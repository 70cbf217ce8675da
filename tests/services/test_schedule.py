"""The periodic scheduler enqueues each slot of each job exactly once."""

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks import task

from tandem.operations import schedule
from tandem.operations.models import JobSetting, ScheduledRun

pytestmark = pytest.mark.django_db
RUNS: list[str] = []


@task()
def record_run() -> None:
    RUNS.append("ran")


@pytest.fixture
def one_job(monkeypatch):
    RUNS.clear()
    job = schedule.PeriodicJob("test.tick", timedelta(minutes=1), f"{__name__}.record_run")
    monkeypatch.setattr(schedule, "_declared_jobs", lambda: [job])
    return job


def test_a_slot_is_enqueued_once_however_often_the_scheduler_ticks(one_job):
    at = datetime(2026, 3, 27, 9, 0, 30, tzinfo=UTC)
    assert schedule.schedule_due(at) == ["test.tick"]
    assert schedule.schedule_due(at + timedelta(seconds=20)) == []
    assert schedule.schedule_due(at + timedelta(seconds=40)) == ["test.tick"]  # the next minute's slot
    assert RUNS == ["ran", "ran"]
    assert ScheduledRun.objects.filter(job="test.tick").count() == 2


def test_an_admin_can_switch_a_job_off_or_change_its_interval(one_job):
    JobSetting.objects.create(job="test.tick", every_seconds=3600, enabled=True)
    assert schedule.periodic_jobs()[0].every == timedelta(hours=1)
    JobSetting.objects.filter(job="test.tick").update(enabled=False)
    assert schedule.periodic_jobs() == []
