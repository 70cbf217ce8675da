"""`tandem worker`: runs background tasks from the database queue, and the periodic scheduler."""

from __future__ import annotations

import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks_db.compat import TASKS_LOGGER
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from tandem.operations.schedule import schedule_due

logger = logging.getLogger(__name__)


def _scheduler_loop(stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            schedule_due()
        except Exception:  # the scheduler must outlive a bad tick; the error is logged
            logger.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(interval)


class _DbWorker(DbWorkerCommand):
    """db_worker, but at the default verbosity it logs only warnings and failed tasks, not every start and finish."""

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        if verbosity == 1:
            for name in (TASKS_LOGGER, "django_tasks_db"):
                logging.getLogger(name).setLevel(logging.WARNING)


class Command(BaseCommand):
    help = ("Run the background worker (every queue) and the periodic scheduler. "
            "It logs warnings and failed tasks; -v 2 logs every task.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--schedule-interval", type=float, default=5.0,
                            help="seconds between scheduler ticks (0 turns the scheduler off)")

    def handle(self, *args, interval: float, schedule_interval: float, **options) -> None:
        stop = threading.Event()
        if schedule_interval > 0:
            threading.Thread(target=_scheduler_loop, args=(stop, schedule_interval), daemon=True,
                             name="tandem-scheduler").start()
        try:
            call_command(_DbWorker(), queue_name="*", interval=interval, verbosity=options["verbosity"])
        finally:
            stop.set()
